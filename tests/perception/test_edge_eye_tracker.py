"""The whole tracker on simulated line-camera sequences with ground truth (fracturescope_sim)."""

import math

import cv2
from fracturescope_perception.edge_eye.availability import AvailabilityConfig
from fracturescope_perception.edge_eye.distortion_correction import Calibration, DistortionCorrection
from fracturescope_perception.edge_eye.mroi import MroiConfig
from fracturescope_perception.edge_eye.super_resolution import make_upsampler
from fracturescope_perception.edge_eye.tracker import EdgeEyeTracker, Status, TrackerConfig
from fracturescope_sim.edge_trajectory import entering, named, with_empty
from fracturescope_sim.line_camera import DEFAULT_LENS, LineCamera, LineCameraConfig, with_conditions
import numpy as np
import pytest

CONFIG = TrackerConfig(
    width=1920, height=1080, mm_per_px=1.87,
    bar_rows={'white': (420, 480), 'black': (600, 660)}, bar_columns=(40, 1880),
    availability=AvailabilityConfig(rows=(400, 680), cols=(880, 1040), h_update=0.15, h_material=0.4,
                                    update_period_s=60.0),
    mroi=MroiConfig(row_margin_px=10, x_sigma_px=20, tau_x_px=16, recentre_px=8),
)


def run(colour, condition='nominal', pattern='gaussian', frames=75, config=CONFIG, upsampler='bicubic'):
    cv2.setNumThreads(1)
    camera = LineCamera(with_conditions(LineCameraConfig(colour=colour, seed=2), condition),
                        with_empty(named(pattern, 900.0, 2700.0, 40.0, 4), [(0.0, 0.2)]))
    tracker = EdgeEyeTracker(config, DistortionCorrection(Calibration(DEFAULT_LENS.camera_matrix,
                                                                      DEFAULT_LENS.dist_coeffs, 1920, 1080)),
                             make_upsampler(upsampler, ''))
    rows = []
    for i in range(frames):
        frame = camera.frame(i)
        rows.append((frame, tracker.process(frame.image, frame.t)))
    return tracker, rows


def errors_mm(rows):
    out = []
    for frame, result in rows:
        if frame.truth is not None and result.status in (Status.OK, Status.REPAIRED):
            out += [abs(result.left_mm - frame.truth.left_mm), abs(result.right_mm - frame.truth.right_mm)]
    return np.array(out)


@pytest.mark.parametrize('colour, bar', [('white', 'black'), ('black', 'white'), ('grey', None)])
def test_tracks_both_edges_within_a_millimetre(colour, bar):
    tracker, rows = run(colour)
    assert [r.status for f, r in rows[:6]] == [Status.NO_MATERIAL] * 6  # the line starts empty
    measured = [r for f, r in rows if f.truth is not None]
    assert sum(r.status == Status.UNRECOGNISED for r in measured) <= 1
    errors = errors_mm(rows)
    assert errors.mean() < 1.0 and np.percentile(errors, 95) < 2.0, (errors.mean(), errors.max())
    if bar is not None:
        assert tracker.bar == bar


def test_is_fast_per_frame_on_one_core():
    _, rows = run('red', frames=60)
    times = [r.processing_ms for f, r in rows if f.truth is not None]
    assert np.median(times) < 15.0


def test_cache_hits_while_the_sheet_stands_still():
    tracker, rows = run('white', pattern='constant', frames=45)
    assert tracker.cache.stats.hits > 20
    assert any(r.cache_hit for _, r in rows)
    assert errors_mm(rows).mean() < 1.0


def test_sheet_leaving_the_view_and_coming_back():
    camera = LineCamera(LineCameraConfig(colour='blue', seed=3),
                        with_empty(named('constant', 900.0, 2700.0, 0.0, 0), [(0.0, 0.1), (1.0, 1.5)]))
    tracker = EdgeEyeTracker(CONFIG, DistortionCorrection(Calibration(DEFAULT_LENS.camera_matrix,
                                                                      DEFAULT_LENS.dist_coeffs, 1920, 1080)),
                             make_upsampler('none', ''))
    statuses = [tracker.process(camera.frame(i).image, i / 30).status for i in range(75)]
    assert statuses[35:44] == [Status.NO_MATERIAL] * 9
    assert statuses[-1] == Status.OK and statuses[20] == Status.OK


def test_wrong_frame_size_is_refused_with_a_clear_error():
    tracker, _ = run('white', frames=1)
    with pytest.raises(ValueError, match='expected'):
        tracker.process(np.zeros((480, 640, 3), np.uint8), 0.0)


def test_every_measured_frame_reports_its_stage_timings():
    _, rows = run('green', frames=12)
    measured = [r for f, r in rows if f.truth is not None and not r.cache_hit]
    assert measured
    for result in measured:
        assert {'availability', 'distortion_correction', 'canny', 'tracking', 'fusion'} <= set(result.stage_ms)
        assert sum(result.stage_ms.values()) <= result.processing_ms + 0.5


@pytest.mark.parametrize('colour', ['grey', 'black'])
def test_restart_with_a_sheet_in_view(colour):
    """A tracker (re)started mid-production: the first frame holds a sheet. It must track that sheet from the first
    frames, not learn it as the empty view; then learn the empty view when the sheet leaves, and track the next one."""
    camera = LineCamera(LineCameraConfig(colour=colour, seed=5),
                        with_empty(named('gaussian', 900.0, 2700.0, 40.0, 4), [(1.0, 1.5)]))
    tracker = EdgeEyeTracker(CONFIG, DistortionCorrection(Calibration(DEFAULT_LENS.camera_matrix,
                                                                      DEFAULT_LENS.dist_coeffs, 1920, 1080)),
                             make_upsampler('bicubic', ''))
    frames = [camera.frame(i) for i in range(75)]
    assert frames[0].truth is not None and frames[35].truth is None and frames[-1].truth is not None
    rows = [(f, tracker.process(f.image, f.t)) for f in frames]
    statuses = [r.status for _, r in rows]
    assert Status.NO_MATERIAL not in statuses[:30]
    assert statuses[:3] == [Status.OK] * 3, statuses[:3]
    first = errors_mm(rows[:3])
    assert len(first) == 6 and first.max() < 2.0, first
    assert statuses[30:45] == [Status.NO_MATERIAL] * 15  # the sheet is out from t = 1.0 s (frame 30) to 1.5 s
    # No empty frame (entropy NaN) until the sheet left: frame 30 became it, and eq. 1 decides from frame 31 on.
    assert all(math.isnan(r.entropy) for _, r in rows[:31])
    assert rows[31][1].entropy < CONFIG.availability.h_update
    assert statuses[48:] == [Status.OK] * len(statuses[48:]), statuses[48:]
    errors = errors_mm(rows)
    assert errors.mean() < 1.0 and np.percentile(errors, 95) < 2.0, (errors.mean(), errors.max())


def tracker_for(upsampler='bicubic'):
    return EdgeEyeTracker(CONFIG, DistortionCorrection(Calibration(DEFAULT_LENS.camera_matrix,
                                                                   DEFAULT_LENS.dist_coeffs, 1920, 1080)),
                          make_upsampler(upsampler, ''))


def good(result):
    return result.status in (Status.OK, Status.REPAIRED)


@pytest.mark.parametrize('colour', ['grey', 'white'])
def test_sheet_entering_behind_its_shadow_is_never_reported_off(colour):
    """Issue 12: the sheet's shadow reaches the bars before the sheet does; its sides are edges on bars the sheet does
    not cover. Nothing may be reported good off the sheet, and the sheet is measured once it covers both bars."""
    camera = LineCamera(with_conditions(LineCameraConfig(colour=colour, seed=1), 'sheet_shadow'),
                        entering(named('gaussian', 900.0, 2700.0, 40.0, 1), 0.3, 1000.0))
    tracker = tracker_for()
    both_covered = []
    for i in range(60):
        frame = camera.frame(i)
        result = tracker.process(frame.image, frame.t)
        if good(result):
            assert frame.truth is not None, i
            assert max(abs(result.left_mm - frame.truth.left_mm), abs(result.right_mm - frame.truth.right_mm)) < 5.0
        else:
            assert math.isnan(result.left_mm) and math.isnan(result.right_mm)  # no stale positions
        if frame.truth is not None and frame.truth.front_mm / 1.87 >= 662:
            both_covered.append(good(result))
    assert len(both_covered) > 10 and all(both_covered[2:]), both_covered


def test_a_rod_shadow_by_the_edge_is_not_an_edge():
    tracker, rows = run('white', condition='rod_shadow', frames=60)
    assert tracker.bar == 'black'
    measured = [r for f, r in rows if f.truth is not None]
    assert all(good(r) for r in measured[1:])
    errors = errors_mm(rows)
    assert errors.max() < 3.0, errors.max()


@pytest.mark.parametrize('colour', ['red', 'grey'])
def test_fast_steps_of_one_edge_are_followed(colour):
    """One edge steps 40 mm in 0.3 s (2.5 px per frame on average, 3.7 at the fastest): the other edge is not pushed
    (eq. 9 leaves an edge that agrees with its prediction alone) and neither is lost."""
    tracker, rows = run(colour, pattern='fast_step', frames=120)
    truths = [f.truth for f, _ in rows if f.truth is not None]
    speeds = np.abs(np.diff([t.left_mm for t in truths])) + np.abs(np.diff([t.right_mm for t in truths]))
    assert speeds.max() / 1.87 > 3.0  # px per frame: the steps are fast
    measured = [r for f, r in rows if f.truth is not None]
    assert sum(not good(r) for r in measured) == 0
    errors = errors_mm(rows)
    assert errors.max() < 3.0 and errors.mean() < 1.0, (errors.mean(), errors.max())


def test_a_lost_edge_is_reported_lost_then_found_again():
    """The left edge unreadable (random grey stripes over both bars around it) for 6 frames: no positions while
    hidden, not the last good ones; measured again within a few frames once it shows."""
    camera = LineCamera(LineCameraConfig(colour='blue', seed=3),
                        with_empty(named('gaussian', 900.0, 2700.0, 20.0, 3), [(0.0, 0.2)]))
    tracker = tracker_for('none')
    statuses = []
    for i in range(45):
        frame = camera.frame(i)
        image = frame.image
        if 20 <= i < 26:
            image = image.copy()
            x = int(frame.truth.left_mm / 1.87)
            rng = np.random.default_rng(i)  # each column of each bar a random grey: no coverage to read
            image[380:540, x - 40:x + 40] = rng.integers(0, 256, (1, 80, 1), np.uint8)
            image[540:700, x - 40:x + 40] = rng.integers(0, 256, (1, 80, 1), np.uint8)
        result = tracker.process(image, frame.t)
        statuses.append(result.status)
        if 20 <= i < 26:
            assert result.status == Status.UNRECOGNISED and math.isnan(result.left_mm), i
    assert statuses[10:20] == [Status.OK] * 10
    assert all(s in (Status.OK, Status.REPAIRED) for s in statuses[29:]), statuses[26:]


def with_rod(image, correction, x_ideal, left_px, right_px, tone=25, rows=(380, 700)):
    """A dark vertical rod in front of the line over both bars (or over `rows`), from `left_px` to `right_px` ideal
    columns around `x_ideal` (placed in the captured frame through the lens)."""
    image = image.copy()
    for row in range(rows[0], rows[1], 8):
        (a, _), (b, _) = correction.distorted_points(np.array([[x_ideal + left_px, row], [x_ideal + right_px, row]]))
        image[row:row + 8, int(round(a)):int(round(b)) + 1] = tone
    return image


@pytest.mark.parametrize('colour', ['white', 'grey'])
def test_a_rod_over_the_edge_is_never_taken_for_it(colour):
    """A black rod in front of the line lying over the left edge, its outer border 6 px outside and its inner one
    16 px inside: it covers the bars as a sheet would. Its borders must never be reported as the edge (seen on
    independently rendered scenes: OK 10-21 mm off); the hidden edge is unrecognised, and measured again once the rod
    has gone."""
    camera = LineCamera(LineCameraConfig(colour=colour, seed=4),
                        with_empty(named('gaussian', 900.0, 2700.0, 20.0, 3), [(0.0, 0.2)]))
    tracker = tracker_for()
    statuses = []
    for i in range(60):
        frame = camera.frame(i)
        image = frame.image
        if 20 <= i < 40:
            image = with_rod(image, tracker.correction, frame.truth.left_mm / 1.87, -6, 16)
        result = tracker.process(image, frame.t)
        statuses.append(result.status)
        if good(result):
            assert abs(result.left_mm - frame.truth.left_mm) < 3.0, (i, result.left_mm - frame.truth.left_mm)
            assert abs(result.right_mm - frame.truth.right_mm) < 3.0, i
    assert statuses[10:20] == [Status.OK] * 10
    assert all(s in (Status.OK, Status.REPAIRED) for s in statuses[45:]), statuses[40:]


@pytest.mark.parametrize('colour', ['grey', 'green'])
def test_an_edge_a_rod_hides_on_one_bar_is_measured_on_the_other(colour):
    """A rod that hides the left edge on the selected bar's rows only (a leaning rod, seen on independently rendered
    scenes: 97 % of such frames unrecognised) leaves the edge visible on the other bar, where the sheet contrasts with
    that bar too: it is measured there, within a millimetre or two, and the result names that bar for it."""
    camera = LineCamera(LineCameraConfig(colour=colour, seed=4),
                        with_empty(named('gaussian', 900.0, 2700.0, 20.0, 3), [(0.0, 0.2)]))
    tracker = tracker_for()
    for i in range(50):
        frame = camera.frame(i)
        image = frame.image
        if 20 <= i < 40:
            selected = CONFIG.bar_rows[tracker.bar]
            image = with_rod(image, tracker.correction, frame.truth.left_mm / 1.87, -6, 16,
                             rows=(selected[0] - 8, selected[1] + 8))
        result = tracker.process(image, frame.t)
        if i >= 10:
            assert good(result), (i, result.status)
            assert abs(result.left_mm - frame.truth.left_mm) < 2.0, (i, result.left_mm - frame.truth.left_mm)
            assert abs(result.right_mm - frame.truth.right_mm) < 2.0, i
        if 20 <= i < 40:
            assert result.edge_bars == ({'white': 'black', 'black': 'white'}[tracker.bar], tracker.bar), i


def test_an_edge_is_measured_on_one_bar_only_for_a_while():
    """The width a one-bar edge is checked against ages: a rod over the left edge on the rows of the bar not tracked
    on leaves it measured on the tracked bar for one_bar_max_frames (30) after the last frame with both edges on both
    bars (a sheet of constant width: the width check alone would never stop it), then unrecognised; measured again
    once the rod has gone."""
    camera = LineCamera(LineCameraConfig(colour='grey', seed=4),
                        with_empty(named('constant', 900.0, 2700.0, 20.0, 3), [(0.0, 0.2)]))
    tracker = tracker_for()
    assert tracker.config.one_bar_max_frames == 30
    statuses = []
    for i in range(90):
        frame = camera.frame(i)
        image = frame.image
        if i == 20:
            hidden = CONFIG.bar_rows[{'white': 'black', 'black': 'white'}[tracker.bar]]
        if 20 <= i < 70:
            image = with_rod(image, tracker.correction, frame.truth.left_mm / 1.87, -6, 16,
                             rows=(hidden[0] - 8, hidden[1] + 8))
        result = tracker.process(image, frame.t)
        statuses.append(good(result))
        if good(result):
            assert abs(result.left_mm - frame.truth.left_mm) < 2.0, (i, result.left_mm - frame.truth.left_mm)
    assert all(statuses[10:51]), statuses[10:51]
    assert not any(statuses[52:70]), statuses[52:70]
    assert all(statuses[75:]), statuses[70:]


def test_a_rod_beside_the_edge_leaves_it_measured():
    """A rod a few px beside the left edge, inside the sheet and then on the bar side, does not hide the edge: it is
    measured throughout (the bar side needs only its columns next to the edge to show the bars)."""
    camera = LineCamera(LineCameraConfig(colour='white', seed=4),
                        with_empty(named('gaussian', 900.0, 2700.0, 20.0, 3), [(0.0, 0.2)]))
    tracker = tracker_for()
    for i in range(50):
        frame = camera.frame(i)
        image = frame.image
        x = frame.truth.left_mm / 1.87 if frame.truth is not None else 0.0
        if 15 <= i < 30:
            image = with_rod(image, tracker.correction, x, 12, 30)     # inside the sheet
        elif 30 <= i < 45:
            image = with_rod(image, tracker.correction, x, -30, -10)   # on the bar side
        result = tracker.process(image, frame.t)
        if i >= 10:
            assert good(result), (i, result.status)
            assert abs(result.left_mm - frame.truth.left_mm) < 3.0, (i, result.left_mm - frame.truth.left_mm)


def test_a_glare_spot_over_the_edge_still_looks_like_the_sheet():
    """Glare drifting over the left edge brightens the sheet there, not further inside: the levels learnt beside the
    edge over the recent OK frames still recognise it (the interior alone left 36 % of such frames unrecognised)."""
    _, rows = run('green', condition='reflection', frames=120)
    measured = [r for f, r in rows if f.truth is not None]
    assert sum(not good(r) for r in measured) == 0
    assert errors_mm(rows).max() < 3.0
