import time

import cv2
from fracturescope_sim.edge_trajectory import SheetEdges, constant, named, with_empty
from fracturescope_sim.furnace_scene import SHEET_COLOURS
from fracturescope_sim.line_camera import CONDITIONS, LineCamera, LineCameraConfig, with_conditions
import numpy as np
import pytest


def camera(colour='white', condition='nominal', trajectory=None, seed=0):
    config = with_conditions(LineCameraConfig(colour=colour, seed=seed), condition)
    return LineCamera(config, trajectory or constant(900.0, 2700.0))


def edge_columns_on_row(cam, image, row_ideal):
    """Ideal x of the strongest horizontal grey step on one ideal row, found by undistorting with the true lens."""
    lens = cam.config.lens
    map_x, map_y = cv2.initUndistortRectifyMap(lens.camera_matrix, lens.dist_coeffs, None, lens.camera_matrix,
                                               (lens.width, lens.height), cv2.CV_32FC1)
    ideal = cv2.remap(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32), map_x, map_y, cv2.INTER_LINEAR)
    profile = ideal[row_ideal - 10:row_ideal + 10].mean(axis=0)
    gradient = np.abs(np.diff(profile))
    return gradient


def test_frames_are_deterministic_and_differ_between_seeds():
    a, b = camera(seed=3), camera(seed=3)
    assert np.array_equal(a.frame(17).image, b.frame(17).image)
    assert not np.array_equal(a.frame(17).image, camera(seed=4).frame(17).image)
    image = a.frame(0).image
    assert image.shape == (1080, 1920, 3) and image.dtype == np.uint8


def test_truth_is_the_trajectory_in_mm():
    cam = camera(trajectory=named('sinusoidal', 900.0, 2700.0, 40.0, 1))
    frame = cam.frame(45)
    assert frame.t == pytest.approx(1.5)
    assert frame.truth == cam.trajectory(1.5)
    assert cam.mm_per_px == pytest.approx(1.87)


@pytest.mark.parametrize('left_mm', [900.0, 1203.3])
def test_sheet_edge_appears_where_the_truth_says(left_mm):
    """On the white bar row of the undistorted view, the sheet's left edge is the strongest step at truth / 1.87."""
    cam = camera(colour='black', trajectory=constant(left_mm, 2700.0))
    gradient = edge_columns_on_row(cam, cam.frame(0).image, 450)
    expected_px = left_mm / 1.87
    window = slice(int(expected_px) - 30, int(expected_px) + 30)
    peak = window.start + int(np.argmax(gradient[window]))
    # np.diff puts the step between columns peak and peak + 1.
    assert abs(peak + 0.5 - expected_px) <= 1.0


def test_empty_frame_shows_no_sheet_and_no_truth():
    cam = camera(trajectory=with_empty(constant(900.0, 2700.0), [(0.0, 1.0)]))
    empty, full = cam.frame(0), cam.frame(40)
    assert empty.truth is None and full.truth is not None
    centre = (slice(500, 560), slice(900, 1000))
    assert abs(float(empty.image[centre].mean()) - float(full.image[centre].mean())) > 20


@pytest.mark.parametrize('condition', sorted(set(CONDITIONS) - {'nominal'}))
def test_every_condition_changes_the_picture(condition):
    nominal = camera(condition='nominal').frame(5).image.astype(np.int16)
    image = camera(condition=condition).frame(5).image.astype(np.int16)
    changed = np.abs(image - nominal).max(axis=2) > 12  # well beyond the sensor noise
    assert changed.sum() > 2000, f'{condition}: only {changed.sum()} pixels changed'


def test_weak_light_is_darker_and_grey_sits_between_the_bars():
    assert camera(condition='weak_light').frame(0).image.mean() < 0.6 * camera().frame(0).image.mean()
    grey = np.mean(SHEET_COLOURS['grey'])
    assert 90 < grey < 170 and len(SHEET_COLOURS) == 11


def test_startup_bending_curves_the_edge_then_decays():
    cam = camera(condition='startup')
    start, later = cam.frame(0).image, cam.frame(30 * 20).image
    # At the top of the view the bent edge is far from its truth-row position; after 20 s it is not.
    def left_edge_col(image, row):
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.int16)
        return int(np.argmax(np.abs(np.diff(grey[row, 300:700])))) + 300
    assert abs(left_edge_col(start, 200) - left_edge_col(later, 200)) >= 3


def test_renders_fast_enough_for_30_fps():
    cam = camera(condition='dirt', trajectory=named('gaussian', 900.0, 2700.0, 40.0, 2))
    cam.frame(0)
    times = []
    for i in range(10):
        t0 = time.perf_counter()
        cam.frame(i)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 1.0 / 30.0, f'{np.median(times) * 1e3:.1f} ms per frame'


def test_unknown_colour_and_condition_are_refused():
    with pytest.raises(ValueError, match='colour'):
        LineCamera(LineCameraConfig(colour='tartan'), constant(900.0, 2700.0))
    with pytest.raises(ValueError, match='condition'):
        with_conditions(LineCameraConfig(), 'fog')


def test_sheet_edges_width():
    assert SheetEdges(900.0, 2700.0).width_mm == 1800.0


def test_a_rod_shadow_darkens_the_bars_where_it_falls_and_is_static():
    cam = camera(condition='rod_shadow', trajectory=with_empty(constant(900.0, 2700.0), [(0.0, 1.0)]))
    plain = camera(trajectory=with_empty(constant(900.0, 2700.0), [(0.0, 1.0)]))
    shaded, lit = cam.frame(0).image.astype(np.float32), plain.frame(0).image.astype(np.float32)
    # Captured rows / columns near the white bar at ideal column 420 (the shadow's centre at mid-height).
    ratio = shaded[440:460, 400:430].mean() / lit[440:460, 400:430].mean()
    assert 0.35 < ratio < 0.7
    assert abs(shaded[440:460, 700:800].mean() - lit[440:460, 700:800].mean()) < 2.0  # elsewhere: unchanged
    later = cam.frame(20).image.astype(np.float32)  # static: the same share of light later on
    assert later[440:460, 400:430].mean() / plain.frame(20).image[440:460, 400:430].mean() == pytest.approx(ratio,
                                                                                                           abs=0.03)


def test_the_sheet_casts_its_shadow_beside_its_right_edge():
    cam = camera(colour='grey', condition='sheet_shadow')
    plain = camera(colour='grey')
    x = int(2700.0 / 1.87)  # right edge, ideal px (near the centre rows distortion is small)
    shaded, lit = cam.frame(0).image.astype(np.float32), plain.frame(0).image.astype(np.float32)
    assert shaded[440:460, x + 15:x + 40].mean() < 0.7 * lit[440:460, x + 15:x + 40].mean()
    assert abs(shaded[440:460, x - 60:x - 20].mean() - lit[440:460, x - 60:x - 20].mean()) < 2.0  # on the sheet


def test_an_entering_sheet_covers_only_the_rows_above_its_front():
    from fracturescope_sim.edge_trajectory import entering
    cam = camera(colour='black', trajectory=entering(constant(900.0, 2700.0), 0.5, 1000.0))
    assert cam.frame(0).truth is None
    frame = cam.frame(30)  # 0.5 s in: front at 500 mm = 267 px
    assert frame.truth.front_mm == pytest.approx(500.0)
    image = frame.image.astype(np.float32)
    assert image[200:240, 900:1000].mean() < 45                 # the black sheet above its front
    assert image[440:460, 900:1000].mean() > 180                # the white bar below it is still bare
    later = cam.frame(60).image.astype(np.float32)              # front at 1500 mm = 802 px: both bars covered
    assert later[440:460, 900:1000].mean() < 45
    with pytest.raises(ValueError, match='shadow'):
        LineCamera(LineCameraConfig(conditions=CONDITIONS['nominal'].__class__(shadow_from='cloud')),
                   constant(900.0, 2700.0))
