"""The sheet-plane view: lens correction, camera roll turned back and bar tilts sheared out in one remap."""

import math
from pathlib import Path

import cv2
from fracturescope_common.parameter_files import read_node_parameters
from fracturescope_perception.edge_eye import settings
from fracturescope_perception.edge_eye.distortion_correction import Calibration, DistortionCorrection
from fracturescope_perception.edge_eye.sheet_plane import BarLine, SheetPlaneGeometry, apply, shear, unroll
import numpy as np

ROOT = Path(__file__).resolve().parents[3]
K = np.array([[1100.0, 0.0, 962.5], [0.0, 1100.0, 538.0], [0.0, 0.0, 1.0]])
DIST = np.array([-0.12, 0.035, 0.0008, -0.0012, 0.0])
CALIBRATION = Calibration(K, DIST, 1920, 1080)
GEOMETRY = SheetPlaneGeometry(0.8, (BarLine((300, 350), 0.5), BarLine((700, 760), -0.4)), 960.0)


def test_shear_levels_a_tilted_bar_and_keeps_columns():
    tilt, pivot = 0.55, 960.0
    xs = np.array([100.0, 960.0, 1800.0])
    line = np.column_stack([xs, 420.0 + (xs - pivot) * math.tan(math.radians(tilt))])
    out = apply(shear(tilt, pivot), line)
    assert np.allclose(out[:, 0], xs) and np.allclose(out[:, 1], 420.0)


def test_unroll_turns_back_about_the_principal_point():
    centre = (962.5, 538.0)
    assert np.allclose(apply(unroll(1.0, centre), np.array([centre])), [centre])
    # A camera rolled +1 deg shows the sheet-plane point q at p = c + R(1 deg) (q - c): a vertical line leans,
    # x falling as y grows; unrolled, it is vertical again.
    c, s = math.cos(math.radians(1.0)), math.sin(math.radians(1.0))
    q = np.array([[500.0, 100.0], [500.0, 900.0]])
    d = q - centre
    seen = np.column_stack([centre[0] + c * d[:, 0] - s * d[:, 1], centre[1] + s * d[:, 0] + c * d[:, 1]])
    assert seen[1, 0] < seen[0, 0] - 13.0
    assert np.allclose(apply(unroll(1.0, centre), seen), q)


def test_without_roll_or_tilt_the_view_is_the_ideal_view():
    plain = DistortionCorrection(CALIBRATION)
    level = DistortionCorrection(CALIBRATION, SheetPlaneGeometry(0.0, (BarLine((300, 350), 0.0),), 960.0))
    assert level.geometry is None
    assert np.array_equal(plain._map_x, level._map_x) and np.array_equal(plain._map_y, level._map_y)


def test_every_view_pixel_samples_the_captured_pixel_the_geometry_names():
    correction = DistortionCorrection(CALIBRATION, GEOMETRY)
    for u, v in [(60, 310), (1850, 345), (960, 720), (40, 755), (1500, 520), (1500, 540)]:
        captured = np.array([[correction._map_x[v, u], correction._map_y[v, u]]], np.float64)
        ideal = cv2.undistortPoints(captured.reshape(-1, 1, 2), K, DIST, R=None, P=K,
                                    criteria=(cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 60, 1e-12))
        bar = GEOMETRY.bar_of_row(v)
        assert np.allclose(apply(GEOMETRY.homography(bar, (962.5, 538.0)), ideal.reshape(-1, 2)), [[u, v]],
                           atol=1e-3)
        # distorted_points is the same mapping (the debug image draws with it).
        assert np.allclose(correction.distorted_points(np.array([[u, v]], np.float64)), captured, atol=1e-3)
    # Rows nearer the first bar use its shear, the others the second's.
    assert GEOMETRY.band_edges() == [525.0]
    assert GEOMETRY.bar_of_row(524).tilt_deg == 0.5 and GEOMETRY.bar_of_row(526).tilt_deg == -0.4


def test_a_region_is_sampled_once_from_the_captured_frame():
    correction = DistortionCorrection(CALIBRATION, GEOMETRY)
    ys, xs = np.mgrid[0:1080, 0:1920].astype(np.float32)
    region = correction.region(xs, (690, 770), (100, 300))
    assert np.allclose(region, correction._map_x[690:770, 100:300], atol=1e-3)


def test_the_shipped_configuration_has_no_roll_or_tilt():
    values = read_node_parameters(ROOT / 'config' / 'edge_eye.yaml', 'edge_tracker')
    values.update(read_node_parameters(ROOT / 'config' / 'edge_eye_calibration.yaml', 'edge_tracker'))
    geometry = settings.geometry(values)
    assert geometry.is_identity and geometry.pivot_x == 960.0
    assert settings.correction(values).geometry is None
    assert settings.tracker_config(values).x_origin_mm == 0.0
    rolled = settings.geometry({**values, 'camera_roll_deg': 0.5, 'black_bar_tilt_deg': -0.2})
    assert rolled.roll_deg == 0.5 and [b.tilt_deg for b in rolled.bars] == [0.0, -0.2]
    assert [b.rows for b in rolled.bars] == [(420, 480), (600, 660)]
