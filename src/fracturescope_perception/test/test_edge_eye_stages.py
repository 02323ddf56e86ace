"""Each Edge-Eye stage on inputs whose answer is known (issue 4, section 5)."""

import math

import cv2
from fracturescope_perception.edge_eye.abnormal_repair import WidthRepair, constrained_edges, iqr_fence
from fracturescope_perception.edge_eye.availability import AvailabilityConfig, AvailabilityDetector, covered_fraction
from fracturescope_perception.edge_eye.bar_coverage import bar_levels
from fracturescope_perception.edge_eye.bidirectional_tracking import (
    BarGeometry,
    line_end,
    recover_missing_points,
    track,
    vertical_line,
)
from fracturescope_perception.edge_eye.canny_thresholds import longest_vertical_line, tune_thresholds
from fracturescope_perception.edge_eye.complementary_filter import fuse, fuse_gated, predicted
from fracturescope_perception.edge_eye.contrast_enhancement import enhance
from fracturescope_perception.edge_eye.edge_points import EdgePointHistory, placed
from fracturescope_perception.edge_eye.entropy import difference_entropy, histogram_entropy
from fracturescope_perception.edge_eye.frame_cache import FrameCache
from fracturescope_perception.edge_eye.mroi import MroiConfig, MroiTracker, edge_roi
from fracturescope_perception.edge_eye.reference_bar import bar_score, score_bar, select_bar
from fracturescope_perception.edge_eye.subpixel import (
    linear_light_table,
    parabola_peak,
    refine_horizontal,
    refine_vertical,
)
from fracturescope_perception.edge_eye.super_resolution import make_upsampler
import numpy as np
import pytest


def step_image(x_edge, shape=(40, 60), dark=40.0, bright=200.0, blur=0.8, rows=None):
    """Grey image dark left of x_edge, bright right of it (pixel centres at integers), Gaussian-blurred edge."""
    h, w = shape
    xs = np.arange(w, dtype=np.float64)
    coverage = 0.5 * (1.0 + np.vectorize(math.erf)((xs - x_edge) / (blur * math.sqrt(2.0))))
    image = np.tile(dark + (bright - dark) * coverage, (h, 1))
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


# --- eq. 1 -------------------------------------------------------------------------------------------------------
def test_entropy_of_known_histograms():
    assert histogram_entropy(np.array([10, 0, 0])) == 0.0
    assert histogram_entropy(np.array([5, 5])) == pytest.approx(math.log(2.0))
    assert histogram_entropy(np.array([1, 1, 1, 1])) == pytest.approx(math.log(4.0))


def test_difference_entropy_ignores_changes_below_one_of_16_levels():
    a = np.full((10, 10), 100, np.uint8)
    assert difference_entropy(a, a + 15) == 0.0
    b = a.copy()
    b[:, :5] += 40  # half the pixels differ by 40 -> two bins of 50 %
    assert difference_entropy(a, b) == pytest.approx(math.log(2.0))


def test_availability_learns_the_empty_frame_and_sees_material():
    config = AvailabilityConfig(rows=(0, 20), cols=(0, 20), h_update=0.3, h_material=0.8, update_period_s=60.0)
    detector = AvailabilityDetector(config)
    empty = np.zeros((40, 40, 3), np.uint8)
    empty[5:10] = 230   # white bar
    empty[12:16] = 20   # black bar
    empty[:5] = 90
    sheet = empty.copy()
    sheet[:, 5:15] = (128, 128, 126)
    # Started with the sheet in view: the bars say covered, so the sheet is not learnt as the empty frame.
    started = detector.check(sheet, 0.0, lambda: 0.3)
    assert started.material and not started.empty_updated and not detector.has_empty_frame
    first = detector.check(empty, 0.5, lambda: 0.0)
    assert not first.material and first.empty_updated and first.bars_covered == 0.0
    bars_not_looked_at = []
    assert not detector.check(empty, 1.0, lambda: bars_not_looked_at.append(1) or 1.0).material
    verdict = detector.check(sheet, 2.0, lambda: bars_not_looked_at.append(1) or 1.0)
    assert verdict.material and verdict.entropy > config.h_material
    assert not bars_not_looked_at  # once the empty frame is known, eq. 1 alone decides
    # A quiet frame after the update period refreshes the empty frame.
    assert detector.check(empty, 70.0, lambda: 1.0).empty_updated


def test_covered_fraction_counts_columns_where_the_bars_look_alike():
    white = np.full((6, 100), 220, np.uint8)
    black = np.full((6, 100), 25, np.uint8)
    assert covered_fraction(white, black, 30.0) == 0.0
    white[:, 40:70] = black[:, 40:70] = 140           # a sheet over both bars, columns 40-69
    assert covered_fraction(white, black, 30.0) == pytest.approx(0.3)
    white[:, :10] = 60                                # a dark smudge on the white bar, still 35 levels above black
    assert covered_fraction(white, black, 30.0) == pytest.approx(0.3)
    with pytest.raises(ValueError):
        covered_fraction(white, black[:, :50], 30.0)


# --- eq. 3-5 -------------------------------------------------------------------------------------------------------
def test_bar_score_is_eq_5():
    assert bar_score(100.0, 0.0, 100.0, 0.0) == pytest.approx(200.0)
    assert bar_score(100.0, 4.0, 60.0, 9.0) == pytest.approx(160.0 - 40.0 - math.log(50.0))


def test_bar_with_more_contrast_to_the_sheet_wins_and_gives_the_edges():
    sheet = 225  # a white sheet between x = 60 and x = 140
    bands = {}
    for name, bar in (('white', 236), ('black', 22)):
        band = np.full((30, 200), bar, np.uint8)
        band[:, 60:140] = sheet
        bands[name] = band
    best, scores = select_bar(bands, window_px=16, step_px=4)
    assert best.name == 'black'
    assert scores['black'].score > scores['white'].score
    assert best.edges_px[0] == pytest.approx(59.5, abs=1.0) and best.edges_px[1] == pytest.approx(139.5, abs=1.0)


def test_a_bar_without_two_edges_scores_minus_infinity():
    assert score_bar('white', np.full((10, 20), 200, np.uint8), 16, 8).score == -math.inf


# --- eq. 6-7 -------------------------------------------------------------------------------------------------------
def test_contrast_enhancement_sharpens_the_edge_and_smooths_the_rest():
    rng = np.random.default_rng(0)
    image = step_image(30.3, shape=(40, 60)).astype(np.int16) + rng.normal(0, 4, (40, 60)).astype(np.int16)
    image = np.clip(image, 0, 255).astype(np.uint8)
    out = enhance(image, (9, 9), 20.0, 0.5, 1.0)
    flat = (slice(None), slice(0, 15))
    assert out[flat].astype(float).std() < image[flat].astype(float).std()
    edge_slope = lambda im: np.abs(np.diff(im[:, 28:33].astype(float), axis=1)).mean()  # noqa: E731
    assert edge_slope(out) > edge_slope(image)


# --- mROI ---------------------------------------------------------------------------------------------------------
def test_mroi_extends_on_the_bar_side_and_recentres_only_after_a_drift():
    config = MroiConfig(row_margin_px=10, x_sigma_px=20, tau_x_px=16, recentre_px=8)
    left = edge_roi(500.0, 'left', (420, 480), config, 1920)
    assert left.rows == (410, 490) and left.cols == (464, 521)
    right = edge_roi(1400.0, 'right', (420, 480), config, 1920)
    assert right.cols == (1380, 1437)
    tracker = MroiTracker('left', config, 1920)
    first = tracker.update(500.0, (420, 480))
    assert tracker.update(506.0, (420, 480)) == first
    assert tracker.update(509.0, (420, 480)) != first
    assert edge_roi(5.0, 'left', (420, 480), config, 1920).cols[0] == 0


# --- frame cache ----------------------------------------------------------------------------------------------------
def test_cache_hits_an_identical_frame_and_misses_once_the_edge_moved():
    cache = FrameCache(pool_size=80, skip_threshold=0.03)
    frame = step_image(30.0, shape=(80, 60))
    assert cache.lookup('left', frame) is None
    cache.store('left', frame, 30.0)
    assert cache.lookup('left', frame.copy()) == 30.0
    assert cache.lookup('left', step_image(33.0, shape=(80, 60))) is None
    assert cache.lookup('right', frame) is None  # another window never matches
    assert cache.stats.hits == 1 and cache.stats.lookups == 4


def test_cache_evicts_the_least_recently_used_and_counts_false_positives():
    cache = FrameCache(pool_size=2, skip_threshold=0.03, verify_every=1)
    frames = [step_image(x, shape=(40, 60)) for x in (10.0, 25.0, 40.0)]
    cache.store('k', frames[0], 10.0)
    cache.store('k', frames[1], 25.0)
    assert cache.lookup('k', frames[0]) == 10.0      # frame 0 becomes the most recently used
    cache.store('k', frames[2], 40.0)                # evicts frame 1
    assert len(cache) == 2 and cache.lookup('k', frames[1]) is None
    assert cache.should_verify()
    cache.verified(10.0, 10.2, tolerance=0.5)
    cache.verified(10.0, 12.0, tolerance=0.5)
    assert cache.stats.false_positives == 1 and cache.stats.false_positive_rate == 0.5


# --- super-resolution --------------------------------------------------------------------------------------------
@pytest.mark.parametrize('kind, factor', [('bicubic', 2), ('none', 1)])
def test_upsamplers_keep_the_edge_where_it_was(kind, factor):
    upsampler = make_upsampler(kind, '')
    (out,) = upsampler.upsample([step_image(30.25, shape=(20, 60))])
    assert out.shape == (20 * factor, 60 * factor)
    x_sr = refine_vertical(out, (30.25 + 0.5) * factor - 0.5, (0, out.shape[0]), 3)
    assert (x_sr + 0.5) / factor - 0.5 == pytest.approx(30.25, abs=0.1)


def test_unknown_upsampler_is_refused():
    with pytest.raises(ValueError, match='super-resolution'):
        make_upsampler('magic', '')
    with pytest.raises(FileNotFoundError, match='rebuild'):
        make_upsampler('espcn', '/nonexistent.onnx')


# --- adaptive Canny ------------------------------------------------------------------------------------------------
def test_canny_thresholds_come_down_until_the_edge_is_a_long_line():
    image = step_image(30.0, shape=(60, 60), dark=110.0, bright=140.0)  # weak edge: needs low thresholds
    thresholds = tune_thresholds(image, start_high=600.0, step=25.0, tau_points=50, line_rows=50, min_high=20.0)
    assert thresholds is not None and thresholds.high < 600.0 and thresholds.low <= thresholds.high
    points = cv2.Canny(image, thresholds.low, thresholds.high) > 0
    assert longest_vertical_line(points) >= 50
    assert tune_thresholds(np.full((60, 60), 90, np.uint8), 600.0, 25.0, 50, 50, 20.0) is None


# --- static / moving separation -------------------------------------------------------------------------------------
def test_points_seen_in_all_k_previous_frames_are_static():
    history = EdgePointHistory(k=2)
    background = np.zeros((10, 10), bool)
    background[:, 2] = True
    frames = []
    for x in (5, 6, 7):
        points = background.copy()
        points[:, x] = True
        frames.append(history.separate(points, (0, 0)))
    last = frames[-1]
    assert last.history == 2
    assert last.s_s[:, 2].all() and not last.s_s[:, 7].any()
    assert last.s_m[:, 7].all() and not last.s_m[:, 2].any()
    assert not frames[0].s_s.any()  # nothing is static before there is a history


def test_windows_that_moved_are_intersected_where_they_overlap():
    mask = np.ones((4, 4), bool)
    moved = placed(mask, (0, 2), (0, 0), (4, 4))
    assert moved[:, 2:].all() and not moved[:, :2].any()


# --- Algorithm 1 ----------------------------------------------------------------------------------------------------
def test_missing_sheet_points_are_recovered_from_static_neighbours():
    s_m = np.zeros((20, 10), bool)
    s_s = np.zeros((20, 10), bool)
    s_m[15:, 5] = True            # the moving part of the sheet edge
    s_s[:15, 5] = True            # where it lies over a static background edge
    s_s[:, 1] = True              # an unrelated background line
    recovered = recover_missing_points(s_m, s_s, tau_v=20, max_passes=20)
    assert recovered[:, 5].all() and not recovered[:, 1].any()
    assert vertical_line(recovered, 20, x_prev=5.0, max_jump=3.0) == pytest.approx(5.0)
    assert vertical_line(s_m, 20, x_prev=5.0, max_jump=3.0) is None
    # Recovery stops once the moving points cover tau_v rows (Algorithm 1 step 3).
    assert recover_missing_points(s_m, s_s, tau_v=10, max_passes=20)[:, 5].sum() == 10


def test_bar_end_is_where_its_boundary_stops():
    points = np.zeros((30, 40), bool)
    points[10, :23] = True
    points[10, 15:17] = False     # a gap (dirt) is bridged
    assert line_end(points, 10, 'left', max_gap=4, min_run=8) == 22.0
    mirrored = points[:, ::-1]
    assert line_end(mirrored, 10, 'right', max_gap=4, min_run=8) == 39.0 - 22.0


def test_bi_direction_tracking_finds_both_estimates():
    history = EdgePointHistory(k=2)
    bar = BarGeometry((10, 20), 'left')
    for x in (24, 25, 26):
        points = np.zeros((30, 40), bool)
        points[:, x] = True           # sheet edge
        points[10, :x] = True         # bar top boundary, visible left of the sheet
        points[19, :x] = True         # bar bottom boundary
        sep = history.separate(points, (0, 0))
    tracked = track(sep, bar, x_prev=25.0, tau_v=20, max_jump=6.0, max_gap=4, min_run=8, search_rows=2)
    assert tracked.x_v == pytest.approx(26.0)
    assert tracked.x_h == pytest.approx(25.0, abs=1.0)  # whole points; refine_horizontal adds the fraction


# --- eq. 8 ---------------------------------------------------------------------------------------------------------
def test_complementary_filter_weights_the_estimate_nearer_the_previous_position():
    # |x_v - prev| = 1, |x_h - prev| = 3: x_v gets weight 3, x_h weight 1.
    assert fuse(11.0, 7.0, 10.0) == pytest.approx((3.0 * 11.0 + 1.0 * 7.0) / 4.0)
    assert fuse(10.0, 14.0, 10.0) == 10.0
    assert fuse(10.0, 10.0, 10.0) == 10.0
    assert fuse(None, 12.0, 10.0) == 12.0 and fuse(12.0, None, 10.0) == 12.0 and fuse(None, None, 1.0) is None


def test_gated_fusion_drops_an_outlier_and_follows_the_motion():
    assert predicted(12.0, 10.0) == 14.0 and predicted(12.0, math.nan) == 12.0
    assert fuse_gated(14.1, 8.0, 14.0, gate=3.0) == 14.1
    assert fuse_gated(14.2, 13.9, 14.0, gate=3.0) == pytest.approx(fuse(14.2, 13.9, 14.0))


# --- eq. 9 ---------------------------------------------------------------------------------------------------------
def test_eq_9_moves_both_edges_by_half_the_width_error():
    assert constrained_edges(100.0, 200.0, 110.0) == (95.0, 205.0)
    assert iqr_fence(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 1.5) == pytest.approx(4.0 + 1.5 * 2.0)


def test_an_injected_outlier_is_repaired_to_the_regression_width():
    repair = WidthRepair(history=30, iqr_k=3.0, min_fence=2.0, min_history=10)
    rng = np.random.default_rng(1)
    for i in range(30):
        width = 1000.0 + 0.1 * i + rng.normal(0, 0.05)  # slowly widening sheet
        result = repair.check(500.0, 500.0 + width, i / 30)
        assert not result.repaired
    outlier = repair.check(500.0, 500.0 + 1003.0 + 40.0, 30 / 30)  # right edge 40 px off
    assert outlier.repaired
    assert outlier.right - outlier.left == pytest.approx(1003.0, abs=0.3)
    # eq. 9: both edges move by half of the 40 px width error.
    assert outlier.left == pytest.approx(520.0, abs=0.3) and outlier.right == pytest.approx(1523.0, abs=0.3)


# --- sub-pixel ------------------------------------------------------------------------------------------------------
def test_parabola_vertex():
    assert parabola_peak(1.0, 2.0, 1.0) == 0.0
    assert parabola_peak(0.0, 2.0, 2.0) == pytest.approx(0.5)


@pytest.mark.parametrize('x_edge', [20.0, 20.3, 20.5, 20.8])
def test_vertical_refinement_finds_a_sub_pixel_edge(x_edge):
    image = step_image(x_edge, shape=(30, 40))
    assert refine_vertical(image, round(x_edge), (0, 30), 3) == pytest.approx(x_edge, abs=0.12)


@pytest.mark.parametrize('x_edge', [20.0, 20.4, 20.7])
def test_horizontal_refinement_finds_where_the_bar_boundary_stops(x_edge):
    # A white bar (rows 10-19) on a dark wall, covered by a grey sheet right of x_edge.
    h, w = 30, 48
    image = np.full((h, w), 60.0)
    image[10:20] = 230.0
    xs = np.arange(w, dtype=np.float64)
    coverage = 0.5 * (1.0 + np.vectorize(math.erf)((xs - x_edge) / (0.8 * math.sqrt(2.0))))
    image = image * (1 - coverage) + 128.0 * coverage
    image = np.round(image).astype(np.uint8)
    found = refine_horizontal(image, round(x_edge), (10, 19), 'left', half_window=5, plateau=6)
    assert found == pytest.approx(x_edge, abs=0.15)


def test_refinement_in_linear_light_undoes_the_cameras_gamma():
    """A blurred step from a dark sheet (left) to a bright bar, written by a camera with gamma 2.2: on the grey levels
    the gradient peak moves towards the dark side; on linear light (the camera's gamma undone) it is where it is."""
    gamma, x_edge = 2.2, 20.3
    xs = np.arange(40, dtype=np.float64)
    coverage = 0.5 * (1.0 + np.vectorize(math.erf)((xs - x_edge) / (1.5 * math.sqrt(2.0))))
    light = 0.03 + (0.8 - 0.03) * coverage
    image = np.tile(np.round(255.0 * light ** (1.0 / gamma)).astype(np.uint8), (30, 1))
    as_grey = refine_vertical(image, round(x_edge), (0, 30), 4)
    as_light = refine_vertical(linear_light_table(gamma)[image], round(x_edge), (0, 30), 4)
    assert as_grey < x_edge - 0.3                       # biased towards the dark sheet
    assert as_light == pytest.approx(x_edge, abs=0.1)
    assert linear_light_table(1.0) is None
    with pytest.raises(ValueError, match='positive'):
        linear_light_table(0.0)


def test_weighted_eq_9_puts_the_correction_on_the_edge_that_jumped():
    assert constrained_edges(100.0, 200.0, 110.0, 1.0, 1.0) == (95.0, 205.0)  # equal weights: eq. 9
    left, right = constrained_edges(100.0, 230.0, 100.0, w_l=1.0, w_r=1.0 / (1.0 + 30.0 ** 2))
    assert left == pytest.approx(100.0, abs=0.05) and right == pytest.approx(200.0, abs=0.05)
    repair = WidthRepair(history=30, iqr_k=3.0, min_fence=2.0, min_history=10)
    for i in range(20):
        repair.check(500.0, 1500.0, i / 30)
    result = repair.check(500.0, 1530.0, 20 / 30, predicted=(500.0, 1500.0))
    assert result.repaired and result.left == pytest.approx(500.0, abs=0.1) and \
        result.right == pytest.approx(1500.0, abs=0.1)


def test_baselines_find_two_clean_vertical_edges():
    from fracturescope_perception.edge_eye.baselines import canny_bar_region, canny_hough_full_frame
    from fracturescope_perception.edge_eye.distortion_correction import Calibration, DistortionCorrection

    k = np.array([[1000.0, 0.0, 320.0], [0.0, 1000.0, 240.0], [0.0, 0.0, 1.0]])
    correction = DistortionCorrection(Calibration(k, np.zeros(5), 640, 480))
    frame = np.full((480, 640, 3), 40, np.uint8)
    frame[:, 200:451] = 200  # a sheet from column 200 to 450 (no lens distortion here)
    left, right = canny_hough_full_frame(frame, correction, row=240.0)
    assert abs(left - 199.5) <= 1.0 and abs(right - 450.5) <= 1.0
    left, right = canny_bar_region(frame, correction, [(100, 140)], (20, 620))
    assert abs(left - 199.5) <= 1.0 and abs(right - 450.5) <= 1.0
    assert canny_bar_region(np.full((480, 640, 3), 40, np.uint8), correction, [(100, 140)], (20, 620)) is None


def test_a_lone_estimate_far_from_the_prediction_is_not_believed():
    assert fuse_gated(None, 14.5, 14.0, gate=3.0, single_gate=2.0) == 14.5
    assert fuse_gated(None, 30.0, 14.0, gate=3.0, single_gate=2.0) is None
    assert fuse_gated(30.0, None, 14.0, gate=3.0, single_gate=2.0) is None


def test_canny_low_threshold_keeps_its_ratio_to_the_high_one():
    image = step_image(30.0, shape=(60, 60), dark=110.0, bright=140.0)
    thresholds = tune_thresholds(image, 600.0, 25.0, 50, 50, 20.0, margin_steps=1, low_ratio=0.4)
    assert thresholds.low == pytest.approx(0.4 * thresholds.high)
    first = tune_thresholds(image, 600.0, 25.0, 50, 50, 20.0, margin_steps=0, low_ratio=0.4)
    assert thresholds.high == first.high - 25.0  # one margin step below the first passing pair


# --- bar coverage (issue 12: no shadow or static edge on an uncovered bar is an edge) -------------------------------
def bars_image(columns=200, sheet=(60, 140), shadow=None, sheet_grey=128.0, shadow_share=0.55):
    """White (rows 0-19) and black (rows 20-39) bar bands; a sheet of one grey over both in `sheet` columns; a shadow
    taking `shadow_share` of the light in `shadow` columns (outside the sheet)."""
    white = np.full((20, columns), 236.0)
    black = np.full((20, columns), 22.0)
    if shadow is not None:
        white[:, shadow[0]:shadow[1]] *= 1.0 - shadow_share
        black[:, shadow[0]:shadow[1]] *= 1.0 - shadow_share
    if sheet is not None:
        white[:, sheet[0]:sheet[1]] = sheet_grey
        black[:, sheet[0]:sheet[1]] = sheet_grey
    return white.astype(np.uint8), black.astype(np.uint8)


def test_a_sheet_covers_bar_columns_a_shadow_does_not():
    from fracturescope_perception.edge_eye.bar_coverage import CoverageConfig, bar_contrast, covered_columns
    white, black = bars_image(shadow=(10, 40))
    empty = bar_contrast(bar_levels(*bars_image(sheet=None)))
    for empty_contrast in (empty, None):  # against the empty bars, and without an empty frame
        covered = covered_columns(bar_contrast(bar_levels(white, black)), empty_contrast, CoverageConfig())
        assert covered[60:140].all() and not covered[:60].any() and not covered[140:].any()
    beyond = empty.copy()
    beyond[:5] = 0.0  # no bar there in the empty frame: not judged
    assert np.isnan(covered_columns(bar_contrast(bar_levels(white, black)), beyond, CoverageConfig())[:5]).all()


def test_only_a_border_of_the_covered_span_is_a_sheet_edge():
    from fracturescope_perception.edge_eye.bar_coverage import (
        CoverageConfig,
        bar_contrast,
        covered_columns,
        is_sheet_edge,
        sheet_span,
    )
    cfg = CoverageConfig()
    white, black = bars_image(shadow=(10, 40))
    covered = covered_columns(bar_contrast(bar_levels(white, black)),
                              bar_contrast(bar_levels(*bars_image(sheet=None))), cfg)
    assert is_sheet_edge(covered, 59.5, 'left', cfg) and is_sheet_edge(covered, 139.5, 'right', cfg)
    assert not is_sheet_edge(covered, 39.5, 'left', cfg) and not is_sheet_edge(covered, 9.5, 'right', cfg)  # shadow
    assert not is_sheet_edge(covered, 59.5, 'right', cfg)  # the sheet is on the other side
    assert not is_sheet_edge(covered, 100.0, 'left', cfg)  # inside the sheet
    assert not is_sheet_edge(covered, 75.0, 'left', cfg)   # 15 px off the border
    assert sheet_span(covered, 32) == (60, 139)
    assert sheet_span(covered, 100) is None                # narrower than asked
    edge_on = covered_columns(bar_contrast(bar_levels(*bars_image(sheet=(60, 200)))), None, cfg)
    assert sheet_span(edge_on, 32) is None                 # runs off the searched columns: its edge is not there
    shadow_only = covered_columns(bar_contrast(bar_levels(*bars_image(sheet=None, shadow=(10, 40)))), None, cfg)
    assert sheet_span(shadow_only, 8) is None


def test_bar_selection_looks_only_where_it_is_told():
    white, black = bars_image(sheet=(60, 140), shadow=(150, 180), sheet_grey=150.0)
    band = white  # the white bar: a shadow edge (236 -> 106) is stronger than the sheet's (236 -> 150)
    free = score_bar('white', band, 16, 8)
    assert any(abs(x - 150) < 3 or abs(x - 180) < 3 for x in free.edges_px)
    allowed = np.zeros(band.shape[1], bool)
    allowed[56:64] = allowed[136:144] = True
    told = score_bar('white', band, 16, 8, allowed)
    assert abs(told.edges_px[0] - 60) <= 2 and abs(told.edges_px[1] - 140) <= 2, told
    assert not np.isfinite(score_bar('white', band, 16, 8, np.zeros(band.shape[1], bool)).score)


def test_eq_9_leaves_an_edge_that_agrees_with_its_prediction_where_it_is():
    repair = WidthRepair(30, 3.0, 2.0, 10)
    for i in range(12):
        repair.check(100.0, 300.0, i / 30)
    # The right edge steps 3 px per frame as predicted; the left stands still: a real width change, not repaired.
    step = repair.check(100.0, 303.0, 12 / 30, predicted=(100.0, 302.5), agree_px=2.0)
    assert not step.repaired and (step.left, step.right) == (100.0, 303.0)
    # The right edge jumps away from its prediction: it takes the whole correction, the left one is not pushed.
    jump = repair.check(100.0, 320.0, 13 / 30, predicted=(100.0, 306.0), agree_px=2.0)
    assert jump.repaired and jump.left == 100.0 and jump.right - jump.left == pytest.approx(
        repair.regression_width(13 / 30), abs=3.0) and jump.right < 310.0
    # Weights alone (the former rule) did push the edge that agreed.
    weighted = WidthRepair(30, 3.0, 2.0, 10)
    for i in range(12):
        weighted.check(100.0, 300.0, i / 30)
    pushed = weighted.check(100.0, 303.0, 12 / 30, predicted=(100.0, 302.0))
    assert pushed.left != 100.0
    before = len(repair._w)
    repair.forget_last()
    assert len(repair._w) == before - 1


def test_an_edge_must_lie_where_the_coverage_changes():
    from fracturescope_perception.edge_eye.bar_coverage import CoverageConfig, bar_contrast, edge_border
    cfg = CoverageConfig()
    # sheet over columns 60-139: borders at 59.5 and 139.5
    contrast = bar_contrast(bar_levels(*bars_image(shadow=(10, 40))))
    assert edge_border(contrast, 60.0, 'left', cfg) == pytest.approx(59.5, abs=0.05)
    assert edge_border(contrast, 139.0, 'right', cfg) == pytest.approx(139.5, abs=0.05)
    assert edge_border(contrast, 100.0, 'left', cfg) is None  # inside the sheet: no step


def test_the_coverage_border_is_located_in_linear_light_when_given():
    """A dark sheet over bright bars through a gamma-2.2 camera: the grey contrast's 50 % point lies towards the
    sheet; the same contrast in linear light puts it where the sheet covers half of each column."""
    from fracturescope_perception.edge_eye.bar_coverage import CoverageConfig, edge_border
    gamma, x_edge = 2.2, 40.3
    xs = np.arange(80, dtype=np.float64)
    covered = 0.5 * (1.0 + np.vectorize(math.erf)((xs - x_edge) / (1.5 * math.sqrt(2.0))))  # sheet right of x_edge
    white, black = 0.8 * (1 - covered) + 0.03 * covered, 0.05 * (1 - covered) + 0.03 * covered   # linear light
    grey = np.stack([np.round(255.0 * v ** (1.0 / gamma)) for v in (white, black)])
    light = np.interp(grey, np.arange(256), linear_light_table(gamma))
    cfg = CoverageConfig()
    assert edge_border(grey[0] - grey[1], 40.0, 'left', cfg) > x_edge + 0.3          # moved towards the sheet
    assert edge_border(grey[0] - grey[1], 40.0, 'left', cfg, light[0] - light[1]) == pytest.approx(x_edge, abs=0.1)


def test_the_bar_side_needs_only_its_columns_next_to_the_edge():
    """An occluder on the bar side 5 px beyond the edge leaves it an edge; one right beside it does not."""
    from fracturescope_perception.edge_eye.bar_coverage import (
        CoverageConfig,
        bar_contrast,
        covered_columns,
        is_sheet_edge,
    )
    cfg = CoverageConfig()
    empty = bar_contrast(bar_levels(*bars_image(sheet=None)))
    for rod, expected in (((40, 53), True), ((40, 58), False)):
        white, black = bars_image()
        white[:, rod[0]:rod[1]] = black[:, rod[0]:rod[1]] = 40  # a dark rod in front of the line
        covered = covered_columns(bar_contrast(bar_levels(white, black)), empty, cfg)
        assert is_sheet_edge(covered, 59.5, 'left', cfg) == expected, rod


def test_what_covers_the_bars_beside_an_edge_must_look_like_the_sheet():
    """A rod over the edge covers the bars as the sheet does, but in its own tone: its border is no sheet edge."""
    from fracturescope_perception.edge_eye.bar_coverage import (
        AppearanceConfig,
        CoverageConfig,
        bar_levels,
        looks_like_sheet,
    )
    cfg, look = CoverageConfig(), AppearanceConfig()
    white, black = bars_image(sheet_grey=200.0)
    white[:, 50:70] = black[:, 50:70] = 60  # a rod from 10 px outside to 10 px inside the sheet's left edge
    levels = bar_levels(white, black)
    reference = np.median(levels[:, 80:130], axis=1)
    tolerance = look.share * (236.0 - 22.0)
    assert not looks_like_sheet(levels, 49.5, 'left', reference, tolerance, cfg, look)   # the rod's outer border
    assert looks_like_sheet(levels, 69.5, 'left', reference, tolerance, cfg, look)       # sheet beside it
    assert looks_like_sheet(levels, 139.5, 'right', reference, tolerance, cfg, look)


def test_a_short_gap_in_the_covered_span_is_bridged():
    """A leaning rod in front of the sheet can leave the white bar on one bar's rows and the sheet on the other's:
    visible by contrast. The sheet's span is still the whole sheet."""
    from fracturescope_perception.edge_eye.bar_coverage import sheet_span
    covered = np.zeros(200, np.float32)
    covered[60:140] = 1.0
    covered[90:100] = 0.0
    assert sheet_span(covered, 32) == (100, 139)
    assert sheet_span(covered, 32, bridge_px=16) == (60, 139)


def test_a_width_confirmed_by_the_bars_replaces_the_repaired_one():
    repair = WidthRepair(30, 3.0, 2.0, 10)
    for i in range(12):
        repair.check(100.0, 300.0, i / 30)
    repair.check(100.0, 310.0, 12 / 30)
    repair.replace_last(210.0)
    assert repair.regression_width(13 / 30) > 201.0
