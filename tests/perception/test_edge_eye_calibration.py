"""Chessboard calibration recovers the distortion the simulated line camera was rendered with."""

import cv2
from fracturescope_perception.edge_eye.calibration import calibrate, main, read_parameter_file
from fracturescope_sim.chessboard import chessboard_views
from fracturescope_sim.line_camera import DEFAULT_LENS
import numpy as np


def test_calibration_recovers_the_rendered_distortion(tmp_path):
    views = chessboard_views(DEFAULT_LENS, 12, seed=3)
    calibration = calibrate(views, (9, 6), 60.0)
    assert calibration.rms_px < 0.15
    k1, k2, p1, p2, _ = calibration.dist_coeffs
    assert abs(k1 - DEFAULT_LENS.k1) < 0.01 and abs(k2 - DEFAULT_LENS.k2) < 0.01
    assert abs(p1 - DEFAULT_LENS.p1) < 5e-4 and abs(p2 - DEFAULT_LENS.p2) < 5e-4
    assert abs(calibration.camera_matrix[0, 0] - DEFAULT_LENS.focal_px) < 0.005 * DEFAULT_LENS.focal_px
    # Compare where captured pixels of the bar region land in the ideal view: estimated vs true lens.
    ys, xs = np.mgrid[400:700:20, 100:1820:40]
    pts = np.stack([xs.ravel(), ys.ravel()], 1).astype(np.float64)
    truth = DEFAULT_LENS.undistort_points(pts)
    estimate = cv2.undistortPoints(pts.reshape(-1, 1, 2), calibration.camera_matrix, calibration.dist_coeffs,
                                   R=None, P=calibration.camera_matrix).reshape(-1, 2)
    # The distortion removed is the one rendered: what remains is a sub-pixel offset / scale.
    bent = np.abs(pts - truth).max()
    assert bent > 20.0
    assert np.abs(estimate - truth).mean() < 0.6
    # The CLI writes the same calibration as a parameter file of the edge tracker node.
    for i, view in enumerate(views):
        cv2.imwrite(str(tmp_path / f'view{i:02d}.png'), view)
    out = tmp_path / 'edge_eye_calibration.yaml'
    main([*sorted(str(p) for p in tmp_path.glob('*.png')), '--square-mm', '60', '--out', str(out)])
    written = read_parameter_file(out)
    assert np.allclose(written.dist_coeffs, calibration.dist_coeffs, atol=1e-6)
