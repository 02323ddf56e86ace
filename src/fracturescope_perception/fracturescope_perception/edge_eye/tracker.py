"""The Edge-Eye tracker: the paper's stages (Fig. 5) composed, frame by frame.

availability (eq. 1) -> [first frame with material: reference-bar selection, eq. 3-5] -> mROI from x(t-1) ->
distortion correction of the mROI only (eq. 2) -> frame cache -> contrast enhancement (eq. 6-7) -> x2
super-resolution -> adaptive Canny -> static / moving separation -> bi-direction tracking (Algorithm 1) ->
sub-pixel refinement -> complementary filter (eq. 8) -> abnormal-result repair (eq. 9) -> bar-coverage check.
Positions are ideal-view pixels until the result, which is in mm.

Beyond the paper, so that no stale or implausible edge is reported as good: an edge counts only where the sheet covers
the bars on its sheet side and the bars show on the other (bar_coverage; the initial edges are searched only there,
the reported ones checked); a frame without two such edges is UNRECOGNISED with NaN positions (never the last good
values); the tracker re-initialises after `reinit_after` such frames. The repair (eq. 9) does not move an edge that
agrees with its own motion prediction (abnormal_repair). An edge must also lie where the coverage changes
(bar_coverage.edge_border), and what covers the bars beside it must look like the sheet further inside
(bar_coverage.looks_like_sheet: a rod in front of the line covers the bars too). Where eq. 9's repaired edge and the
measured one differ, the one that passes these checks nearer the coverage border is reported: a real step of one
edge (a width change eq. 9 takes for abnormal) keeps its measured position. An edge that a rod hides on one bar's
rows only is measured on the other bar (bar_coverage.one_bar_edge, where the bar's level crosses half-way to the
sheet's near the edge's prediction) while the other edge passes the two-bar checks in the same frame; the result
names the bar of each edge.
"""

from collections.abc import Callable
import dataclasses
from dataclasses import dataclass, field
from enum import IntEnum
import math
import time

import numpy as np

from fracturescope_perception.edge_eye.abnormal_repair import WidthRepair
from fracturescope_perception.edge_eye.availability import AvailabilityConfig, AvailabilityDetector, covered_fraction
from fracturescope_perception.edge_eye.bar_coverage import (
    AppearanceConfig,
    CoverageConfig,
    bar_contrast,
    bar_levels,
    covered_columns,
    covered_runs,
    crossings,
    edge_border,
    is_sheet_edge,
    looks_like_sheet,
    one_bar_edge,
    sheet_span,
)
from fracturescope_perception.edge_eye.bidirectional_tracking import BarGeometry, track
from fracturescope_perception.edge_eye.canny_thresholds import CannyThresholds, edge_points, tune_thresholds
from fracturescope_perception.edge_eye.complementary_filter import fuse_gated, predicted
from fracturescope_perception.edge_eye.contrast_enhancement import enhance
from fracturescope_perception.edge_eye.distortion_correction import DistortionCorrection
from fracturescope_perception.edge_eye.edge_points import EdgePointHistory
from fracturescope_perception.edge_eye.entropy import grey
from fracturescope_perception.edge_eye.frame_cache import FrameCache
from fracturescope_perception.edge_eye.image_input import is_blank
from fracturescope_perception.edge_eye.mroi import MroiConfig, MroiTracker, Roi
from fracturescope_perception.edge_eye.reference_bar import select_bar
from fracturescope_perception.edge_eye.subpixel import linear_light_table, refine_horizontal, refine_vertical
from fracturescope_perception.edge_eye.super_resolution import Upsampler


class Status(IntEnum):
    """Same values as fracturescope_msgs/EdgeMeasurement STATUS_*."""

    OK = 0
    REPAIRED = 1
    UNRECOGNISED = 2
    NO_MATERIAL = 3


BAR_CODES = {'white': 1, 'black': 2}
BARS = ('white', 'black')                    # the rows of bar_levels
GREY_LEVELS = np.arange(256, dtype=np.float32)  # EdgeMeasurement BAR_WHITE / BAR_BLACK; 0 = none


@dataclass(frozen=True)
class TrackerConfig:
    width: int
    height: int
    mm_per_px: float
    bar_rows: dict[str, tuple[int, int]]       # ideal-view rows of each reference bar
    bar_columns: tuple[int, int]               # ideal-view columns both bars span
    availability: AvailabilityConfig
    mroi: MroiConfig
    bar_window_px: int = 16                    # n of the m x n selection windows (m = bar height)
    bar_step_px: int = 8                       # eta
    bar_end_margin_px: int = 24                # columns next to the bar ends left out of the selection
    contrast_enabled: bool = True
    contrast_window: tuple[int, int] = (9, 9)
    contrast_threshold: float = 20.0           # mean |Sobel x| above which a window is sharpened
    sharpen: float = 0.3
    smooth_sigma_px: float = 0.8
    cache_enabled: bool = True
    cache_pool: int = 80
    cache_skip_threshold: float = 0.03         # nats
    cache_verify_every: int = 10
    cache_tolerance_px: float = 0.5
    canny_start_high: float = 600.0
    canny_step: float = 25.0
    canny_min_high: float = 30.0
    canny_margin_steps: int = 2
    canny_low_ratio: float = 0.4               # H_low / H_high
    canny_points_factor: float = 0.8           # tau = factor * mROI height (points)
    line_fraction: float = 0.6                 # tau_v = fraction * bar height (rows)
    history_frames: int = 5                    # k
    max_gap_px: int = 4                        # gap bridged along a bar boundary (super-resolved px)
    subpixel: bool = True
    camera_gamma: float = 1.0                  # grey = 255 light^(1/gamma); the sub-pixel step undoes it (1 = linear)
    single_estimate_gate_px: float = 3.0       # a lone estimate further from the prediction is not believed
    fusion_gate_px: float = 1.5                # vertical and horizontal estimates further apart: drop one
    repair_history: int = 30
    weighted_repair: bool = True               # eq. 9 weighted by each edge's plausibility (False: the paper's)
    repair_iqr_k: float = 3.0
    repair_min_fence_px: float = 2.0
    repair_min_history: int = 10
    repair_agree_px: float = 2.0               # an edge this close to its own prediction is not moved by eq. 9
    reinit_after: int = 3                      # consecutive unrecognised frames before re-selecting the bar
    one_bar_max_frames: int = 30               # an edge is measured on one bar only this long after both bars
    coverage_share: float = 0.3                # covered: bar contrast below this share of the empty one (bar_coverage)
    coverage_gap_px: int = 2                   # columns next to an edge the coverage check leaves out
    coverage_window_px: int = 12               # columns the coverage check judges on each side of an edge
    coverage_bar_side_px: int = 4              # bar-side columns next to the gap that suffice when they show the bars
    coverage_tolerance_px: float = 2.0         # an edge further from the coverage border (edge_border) fails
    coverage_bridge_px: int = 40               # gaps of visible bars inside the sheet's span bridged at initialisation
    appearance_share: float = 0.3              # sheet-side columns within this share of the empty contrast of the sheet
    appearance_window_px: int = 6              # sheet-side columns next to the gap that must look like the sheet
    appearance_reference_px: int = 96          # columns further inside whose median levels are the sheet's own
    appearance_learn_rate: float = 0.3         # weight of each OK frame in the levels learnt beside each edge
    blank_range: int = 8                       # grey range under which a frame is blank (covered, no light)
    x_origin_mm: float = 0.0                   # sheet-plane mm of column 0 (the view is the sheet-plane view)


@dataclass(frozen=True)
class EdgeResult:
    status: Status
    left_mm: float
    right_mm: float
    bar: str | None
    cache_hit: bool                            # both sides came from the cache
    processing_ms: float
    entropy: float
    stage_ms: dict[str, float] = field(default_factory=dict)
    rois: tuple[Roi | None, Roi | None] = (None, None)
    problem: str | None = None                 # why a frame could not be measured (blank frame, ...)
    edge_bars: tuple[str | None, str | None] = (None, None)  # the bar each edge was measured on

    @property
    def width_mm(self) -> float:
        return self.right_mm - self.left_mm


@dataclass
class _Side:
    name: str
    mroi: MroiTracker
    history: EdgePointHistory
    x: float = math.nan                        # last good position, ideal px
    x_before: float = math.nan                 # the one before (for the motion prediction)
    thresholds: CannyThresholds | None = None
    sheet_levels: np.ndarray | None = None     # the bars' levels beside this edge on the sheet side, recent OK frames
    bar_levels: np.ndarray | None = None       # ... and on the bar side


@dataclass(frozen=True)
class _Window:
    lo: int                                    # first ideal column of `levels`
    x: float                                   # the edge, in columns of `levels`
    levels: np.ndarray                         # bar_levels (2, columns)
    inside: np.ndarray                         # (2,) median levels further inside the sheet
    near: np.ndarray                           # (2,) median levels on the sheet side next to the gap
    beside: np.ndarray                         # (2,) median levels of the bar_side_px columns on the bar side


@dataclass(frozen=True)
class _Checked:
    positions: tuple[float, float]             # ideal px
    levels: tuple[tuple[np.ndarray, np.ndarray], ...]  # per edge: the bars' levels beside it, sheet and bar side
    bars: tuple[str | None, str | None]        # the bar each edge was measured on
    on_both_bars: bool                         # both edges passed the two-bar checks


class _Timer:
    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + (now - self._t) * 1e3
        self._t = now


class EdgeEyeTracker:
    def __init__(self, config: TrackerConfig, correction: DistortionCorrection, upsampler: Upsampler,
                 empty_frame: np.ndarray | None = None) -> None:
        self.config = config
        self.correction = correction
        self.upsampler = upsampler
        self._linear_light = linear_light_table(config.camera_gamma)   # None: a linear camera
        self.availability = AvailabilityDetector(config.availability, empty_frame)
        self.cache = FrameCache(config.cache_pool, config.cache_skip_threshold, config.cache_verify_every)
        self.repair = WidthRepair(config.repair_history, config.repair_iqr_k, config.repair_min_fence_px,
                                  config.repair_min_history)
        self.sides = [_Side(s, MroiTracker(s, config.mroi, config.width), EdgePointHistory(config.history_frames))
                      for s in ('left', 'right')]
        self.bar: str | None = None
        self._failures = 0
        self._two_bar_width = math.nan               # ideal px, the last frame whose edges passed on both bars
        self._two_bar_age = 0                        # frames since that one
        self.coverage = CoverageConfig(config.coverage_share, config.availability.bar_min_contrast,
                                       config.coverage_gap_px, config.coverage_window_px,
                                       bar_side_px=config.coverage_bar_side_px,
                                       tolerance_px=config.coverage_tolerance_px)
        self.appearance = AppearanceConfig(config.appearance_share, config.appearance_window_px,
                                           config.appearance_reference_px)
        self._empty_contrast: np.ndarray | None = None  # per ideal column from bar_columns[0]: the empty bars'
        if empty_frame is not None:
            self._learn_empty_bars(empty_frame)

    # --- the frame loop -------------------------------------------------------------------------------------
    def process(self, frame: np.ndarray, t: float) -> EdgeResult:
        cfg = self.config
        timer = _Timer()
        start = time.perf_counter()
        if frame.shape[:2] != (cfg.height, cfg.width) or frame.dtype != np.uint8:
            raise ValueError(f'frame {frame.shape} {frame.dtype}; expected ({cfg.height}, {cfg.width}[, 3]) uint8')
        if is_blank(frame, cfg.blank_range):
            # A covered lens or a dead lamp is not an empty line: do not learn it as the empty view.
            result = self._result(Status.UNRECOGNISED, start, math.nan, timer, False)
            return dataclasses.replace(result, problem='blank frame (all black, all white or flat)')
        available = self.availability.check(frame, t, lambda: self._bars_covered(frame))
        if available.empty_updated:
            self._learn_empty_bars(frame)
        timer.lap('availability')
        if not available.material:
            self._lose_track()
            return self._result(Status.NO_MATERIAL, start, available.entropy, timer, False)
        if self.bar is None and not self._initialise(frame):
            timer.lap('bar_selection')
            return self._result(Status.UNRECOGNISED, start, available.entropy, timer, False)
        timer.lap('bar_selection')
        positions, hits = self._track_sides(frame, timer)
        both = all(p is not None for p in positions)
        if both:
            predictions = tuple(predicted(side.x, side.x_before) for side in self.sides) \
                if cfg.weighted_repair else None
            repair = self.repair.check(positions[0], positions[1], t, predictions, cfg.repair_agree_px)
            repaired: tuple[float | None, float | None] = (repair.left, repair.right)
            timer.lap('repair')
        else:
            repaired = (positions[0], positions[1])  # one side lost on the selected bar: no width to repair
        checked = self._checked(frame, (positions[0], positions[1]), repaired) \
            if any(p is not None for p in positions) else None
        timer.lap('coverage')
        self._two_bar_age += 1
        if checked is not None:
            final, near, bars = checked.positions, checked.levels, checked.bars
            if checked.on_both_bars:
                self._two_bar_width, self._two_bar_age = final[1] - final[0], 0
            self._failures = 0
            rate = cfg.appearance_learn_rate
            for side, x, (sheet, bar) in zip(self.sides, final, near, strict=True):
                side.x_before, side.x = side.x, x
                side.sheet_levels = sheet if side.sheet_levels is None else \
                    (1.0 - rate) * side.sheet_levels + rate * sheet
                side.bar_levels = bar if side.bar_levels is None else (1.0 - rate) * side.bar_levels + rate * bar
            # REPAIRED: an edge reported where eq. 9 put it, away from where it was measured
            moved = any(m is not None and x == r and abs(x - m) > 1e-6
                        for x, r, m in zip(final, repaired, positions, strict=True))
            if both and (final[1] - final[0]) != (repaired[1] - repaired[0]):
                self.repair.replace_last(final[1] - final[0])  # the width the sheet had
            status = Status.REPAIRED if moved else Status.OK
            return dataclasses.replace(self._result(status, start, available.entropy, timer, all(hits)),
                                       edge_bars=bars)
        if both:
            self.repair.forget_last()  # not a width the sheet had
            self.cache.clear()         # a cached result may be what failed the check
        # Lost: report it, keep x(t-1) for the mROI a few frames, then select the bar and the edges again.
        self._failures += 1
        for side in self.sides:
            side.x_before = math.nan  # the motion is unknown once a frame is missed
        if self._failures >= cfg.reinit_after:
            self._lose_track()
        return self._result(Status.UNRECOGNISED, start, available.entropy, timer, False)

    def _result(self, status: Status, start: float, entropy: float, timer: _Timer, hit: bool) -> EdgeResult:
        mm, origin = self.config.mm_per_px, self.config.x_origin_mm
        left, right = float(self.sides[0].x * mm + origin), float(self.sides[1].x * mm + origin)
        if status in (Status.NO_MATERIAL, Status.UNRECOGNISED):
            left = right = math.nan  # no measurement: never the last good values
        return EdgeResult(status, left, right, self.bar, hit, (time.perf_counter() - start) * 1e3, entropy,
                          timer.stages, (self.sides[0].mroi.roi, self.sides[1].mroi.roi))

    def _lose_track(self) -> None:
        self.bar = None
        self._failures = 0
        self._two_bar_width = math.nan
        self.repair.reset()
        for side in self.sides:
            side.mroi.reset()
            side.history.reset()
            side.thresholds = None
            side.sheet_levels = side.bar_levels = None
            side.x = side.x_before = math.nan

    # --- preprocessing: reference-bar selection (eq. 3-5) -----------------------------------------------------
    def _bar_bands(self, frame: np.ndarray) -> tuple[int, dict[str, np.ndarray]]:
        """First column and grey ideal-view band of each bar, bar ends left out (their ends are edges too)."""
        cfg = self.config
        c0, c1 = cfg.bar_columns[0] + cfg.bar_end_margin_px, cfg.bar_columns[1] - cfg.bar_end_margin_px
        return c0, {name: grey(self.correction.region(frame, rows, (c0, c1))) for name, rows in cfg.bar_rows.items()}

    def _bars_covered(self, frame: np.ndarray) -> float:
        """Covered fraction of the bars: decides whether a frame may become the empty frame (see availability)."""
        _, bands = self._bar_bands(frame)
        return covered_fraction(bands['white'], bands['black'], self.config.availability.bar_min_contrast)

    # --- bar coverage (bar_coverage: an edge only where the sheet covers the bars) ------------------------------
    def _inner_rows(self, name: str) -> tuple[int, int]:
        rows = self.config.bar_rows[name]
        return rows[0] + self.coverage.inset_px, rows[1] - self.coverage.inset_px

    def _levels(self, frame: np.ndarray, cols: tuple[int, int]) -> np.ndarray:
        """bar_levels over ideal columns [cols): mean grey of each bar's inner rows, (2, columns)."""
        return bar_levels(*(grey(self.correction.region(frame, self._inner_rows(n), cols)) for n in ('white', 'black')))

    def _empty_over(self, cols: tuple[int, int]) -> np.ndarray | None:
        """The empty bars' contrast over ideal columns [cols) (0 beyond the bars: not judged), None before learnt."""
        if self._empty_contrast is None:
            return None
        first = self.config.bar_columns[0]
        empty = np.zeros(cols[1] - cols[0], np.float32)
        lo, hi = max(cols[0], first), min(cols[1], first + self._empty_contrast.size)
        if hi > lo:
            empty[lo - cols[0]:hi - cols[0]] = self._empty_contrast[lo - first:hi - first]
        return empty

    def _in_light(self, levels: np.ndarray) -> np.ndarray | None:
        """The bar contrast of bar_levels in linear light (None for a linear camera): where edge_border locates."""
        if self._linear_light is None:
            return None
        return bar_contrast(np.interp(levels, GREY_LEVELS, self._linear_light))

    def _tolerance(self, empty: np.ndarray | None, contrast: np.ndarray) -> float:
        """looks_like_sheet's grey-level tolerance: `appearance_share` of the bars' contrast there (the empty one;
        before it is known, that of the visible bars in `contrast`)."""
        if empty is not None and np.any(empty >= self.coverage.min_contrast):
            scale = float(np.median(empty[empty >= self.coverage.min_contrast]))
        else:
            visible = contrast[contrast >= self.coverage.min_contrast]
            scale = float(np.median(visible)) if visible.size else self.coverage.min_contrast
        return self.appearance.share * max(scale, self.coverage.min_contrast)

    def _window(self, frame: np.ndarray, x: float, side: _Side, other: float) -> _Window | None:
        """The bars' levels around an edge at ideal column `x`, reaching `appearance.reference_px` inwards (at most
        half-way to the `other` edge); None where that leaves the image or is too narrow."""
        cov = self.coverage
        reach = cov.gap_px + cov.window_px + 2
        inward = 1 if side.name == 'left' else -1
        depth = int(min(self.appearance.reference_px, max(abs(other - x) / 2.0 - reach, 0.0)))
        base = int(math.floor(x))
        lo, hi = (base - reach, base + reach + 1 + depth) if inward > 0 else (base - reach - depth, base + reach + 1)
        if lo < 0 or hi > self.config.width or depth < cov.window_px:
            return None
        levels = self._levels(frame, (lo, hi))
        inside = levels[:, 2 * reach + 1:] if inward > 0 else levels[:, :depth]
        c = int(math.floor(x - lo + 0.5))
        g, n = cov.gap_px, self.appearance.window_px
        near = levels[:, c + g + 1:c + g + 1 + n] if inward > 0 else levels[:, c - g - n:c - g]
        k = cov.bar_side_px
        beside = levels[:, c - g - k:c - g] if inward > 0 else levels[:, c + g + 1:c + g + 1 + k]
        return _Window(lo, x - lo, levels, np.median(inside, axis=1), np.median(near, axis=1),
                       np.median(beside, axis=1))

    def _edge_distance(self, frame: np.ndarray, x: float, side: _Side,
                       other: float) -> tuple[float, tuple[np.ndarray, np.ndarray], str | None] | None:
        """How far (px) an edge at ideal column `x` is from the coverage border when it passes the checks (sheet
        side covered and looking like the sheet, bars visible on the other, the coverage changing within
        coverage.tolerance_px), with the bars' median levels beside it (sheet side, bar side) and the selected bar;
        None when it fails. Looking like the sheet: like its levels further inside, or like those learnt beside this
        edge over the recent OK frames (a glare spot over the edge brightens it there, slowly; a rod arrives at
        once). `other`: the other edge (bounds the reference columns)."""
        cov = self.coverage
        w = self._window(frame, x, side, other)
        if w is None:
            return None
        contrast = bar_contrast(w.levels)
        empty = self._empty_over((w.lo, w.lo + w.levels.shape[1]))
        covered = covered_columns(contrast, empty, cov)
        if not is_sheet_edge(covered, w.x, side.name, cov):
            return None
        border = edge_border(contrast, w.x, side.name, cov, self._in_light(w.levels))
        if border is None or abs(border - w.x) > cov.tolerance_px:
            return None
        tolerance = self._tolerance(empty, contrast)
        if not any(looks_like_sheet(w.levels, w.x, side.name, reference, tolerance, cov, self.appearance)
                   for reference in (w.inside, side.sheet_levels) if reference is not None):
            return None
        return abs(border - w.x), (w.near, w.beside), self.bar

    def _one_bar_distance(self, frame: np.ndarray, x: float, side: _Side,
                          other: float) -> tuple[float, tuple[np.ndarray, np.ndarray], str] | None:
        """Like _edge_distance for an edge hidden on one bar's rows (a rod): on a bar where bar_coverage.one_bar_edge
        holds against the levels learnt beside this edge (the selected bar first), how far `x` is from where that
        bar's level crosses half-way to the sheet's, the levels as learnt and that bar; None when neither bar shows
        it."""
        cov = self.coverage
        w = None if side.sheet_levels is None or side.bar_levels is None else self._window(frame, x, side, other)
        if w is None:
            return None
        light = None if self._linear_light is None else np.interp(w.levels, GREY_LEVELS, self._linear_light)
        for k in sorted(range(len(BARS)), key=lambda k: BARS[k] != self.bar):
            bar_level = float(side.bar_levels[k])
            for sheet_level in (float(w.inside[k]), float(side.sheet_levels[k])):
                if not one_bar_edge(w.levels[k], w.x, side.name, bar_level, sheet_level, cov):
                    continue
                sign = 1.0 if bar_level > sheet_level else -1.0  # edge_border: the bar side higher
                in_light = None if light is None else sign * light[k]
                border = edge_border(sign * w.levels[k], w.x, side.name, cov, in_light)
                if border is not None and abs(border - w.x) <= cov.tolerance_px:
                    # the levels as learnt: a one-bar frame teaches nothing (a rod border taken for the edge
                    # would teach the rod's tone to the two-bar check's reference)
                    return abs(border - w.x), (side.sheet_levels, side.bar_levels), BARS[k]
        return None

    def _one_bar_candidates(self, frame: np.ndarray, side: _Side) -> list[float]:
        """Per bar, where its level crosses half-way between the bar's and the sheet's levels learnt beside this
        edge, nearest the edge's prediction: where a one-bar edge may be."""
        if side.sheet_levels is None or side.bar_levels is None or not math.isfinite(side.x):
            return []
        p = predicted(side.x, side.x_before)
        gate = int(math.ceil(self.config.single_estimate_gate_px)) + 2
        lo, hi = max(int(p) - gate, 0), min(int(p) + gate + 2, self.config.width)
        if hi - lo < 2:
            return []
        levels = self._levels(frame, (lo, hi))
        out = []
        for k in range(len(BARS)):
            found = lo + crossings(levels[k], 0.5 * float(side.bar_levels[k] + side.sheet_levels[k]))
            if found.size:
                out.append(float(found[np.argmin(np.abs(found - p))]))
        return out

    @staticmethod
    def _nearest_border(candidates: tuple[float | None, ...], judge: Callable[[float], tuple | None]
                        ) -> tuple[float, float, tuple[np.ndarray, np.ndarray], str | None] | None:
        """Of the candidate positions (each once, in order), the one `judge` finds nearer its coverage border (by
        more than a quarter pixel than an earlier one): (distance, position, levels beside it, bar)."""
        best = None
        for x in dict.fromkeys(c for c in candidates if c is not None):
            judged = judge(x)
            if judged is not None and (best is None or judged[0] < best[0] - 0.25):
                best = (judged[0], x, judged[1], judged[2])
        return best

    def _checked(self, frame: np.ndarray, measured: tuple[float | None, float | None],
                 repaired: tuple[float | None, float | None]
                 ) -> _Checked | None:
        """Per edge, of its repaired (eq. 9) and measured positions, the one that passes the two-bar coverage checks
        nearer the coverage border (_edge_distance). An edge with neither, while the other edge has one, may show on
        one bar alone (_one_bar_distance, also at _one_bar_candidates): a dark rod over the other bar and beside the
        edge looks like that bar's own border, so such an edge is believed only within single_estimate_gate_px of
        its prediction and within coverage_tolerance_px of the width last measured on both bars, at most
        one_bar_max_frames ago (a wrong one is then at most about 4 px off). The positions, the levels beside them
        and the bar of each, and whether both passed on both bars; None when an edge has none."""
        found = []
        for i, side in enumerate(self.sides):
            other = repaired[1 - i] if repaired[1 - i] is not None else self.sides[1 - i].x
            found.append(self._nearest_border((repaired[i], measured[i]),
                                              lambda x, side=side, other=other: self._edge_distance(frame, x, side,
                                                                                                    other)))
        if all(f is None for f in found):
            return None
        on_both = all(f is not None for f in found)
        cfg = self.config
        if not on_both and self._two_bar_age > cfg.one_bar_max_frames:
            return None   # the width to check a one-bar edge against is too old
        for i, side in enumerate(self.sides):
            if found[i] is None:
                other = found[1 - i][1]
                sign = 1.0 if i == 0 else -1.0   # width = right - left
                near = predicted(side.x, side.x_before)
                candidates = [x for x in (repaired[i], measured[i], *self._one_bar_candidates(frame, side))
                              if x is not None and abs(x - near) <= cfg.single_estimate_gate_px
                              and abs(sign * (other - x) - self._two_bar_width) <= cfg.coverage_tolerance_px]
                found[i] = self._nearest_border(tuple(candidates), lambda x, side=side, other=other:
                                                self._one_bar_distance(frame, x, side, other))
                if found[i] is None:
                    return None
        return _Checked((found[0][1], found[1][1]), (found[0][2], found[1][2]), (found[0][3], found[1][3]),
                        on_both)

    def _learn_empty_bars(self, frame: np.ndarray) -> None:
        """The empty bars' contrast per column (the bars' known empty appearance for bar_coverage)."""
        c0, c1 = self.config.bar_columns
        levels = self._levels(frame, (c0, c1))
        self._empty_contrast = bar_contrast(levels)

    def _initialise(self, frame: np.ndarray) -> bool:
        cfg = self.config
        c0, bands = self._bar_bands(frame)
        # The sheet's edges are where its coverage of the bars starts and ends: only windows there are candidates.
        cols = (c0, c0 + next(iter(bands.values())).shape[1])
        borders = self._sheet_borders(frame, cols)
        if borders is None:
            return False
        covered_size = cols[1] - cols[0]
        allowed = np.zeros(covered_size, bool)
        near = self.coverage.gap_px + 2
        for border in borders:
            allowed[max(int(border) - near, 0):int(border) + near + 1] = True
        best, _ = select_bar(bands, cfg.bar_window_px, cfg.bar_step_px, allowed)
        if not math.isfinite(best.score):
            return False
        self.bar = best.name
        self.cache.clear()
        for side, x, border in zip(self.sides, best.edges_px, borders, strict=True):
            # Eq. 5's guess is the strongest gradient in its window; where that is not the coverage border (a
            # shadow edge in the same window), the border is the better start.
            side.x = c0 + (x if abs(x - border) <= near else border)
            side.x_before = math.nan
            side.mroi.reset()
            side.history.reset()
            side.thresholds = None
        return True

    def _sheet_borders(self, frame: np.ndarray, cols: tuple[int, int]) -> tuple[float, float] | None:
        """The sheet's two edges (columns of `cols`' band) from the bars' coverage: the borders of the widest covered
        span (short gaps bridged), or where a border fails the checks (a rod lying over it: its side does not look
        like the sheet), the next run border inwards that passes them (within coverage_bridge_px of twice); None."""
        cfg = self.config
        levels = self._levels(frame, cols)
        contrast = bar_contrast(levels)
        empty = self._empty_over(cols)
        covered = covered_columns(contrast, empty, self.coverage)
        span = sheet_span(covered, 2 * cfg.bar_window_px, cfg.coverage_bridge_px)
        if span is None:
            return None
        inside = covered[span[0]:span[1] + 1] == 1.0
        reference = np.median(levels[:, span[0]:span[1] + 1][:, inside], axis=1)
        tolerance = self._tolerance(empty, contrast)
        starts, ends = covered_runs(covered)
        reach = 2 * cfg.coverage_bridge_px
        found = []
        for side, candidates in (('left', sorted(b - 0.5 for b in starts if span[0] <= b <= span[0] + reach)),
                                 ('right', sorted((b + 0.5 for b in ends if span[1] - reach <= b <= span[1]),
                                                  reverse=True))):
            good = next((x for x in candidates
                         if is_sheet_edge(covered, x, side, self.coverage)
                         and looks_like_sheet(levels, x, side, reference, tolerance, self.coverage, self.appearance)),
                        None)
            if good is None:
                return None
            found.append(float(good))  # a plain float (numpy scalars leak into results otherwise)
        if found[1] - found[0] < 2 * cfg.bar_window_px:
            return None
        return found[0], found[1]

    # --- edge detection per side -------------------------------------------------------------------------------
    def _track_sides(self, frame: np.ndarray, timer: _Timer) -> tuple[list[float | None], list[bool]]:
        cfg = self.config
        bar_rows = cfg.bar_rows[self.bar]
        work: list[tuple[_Side, Roi, np.ndarray, np.ndarray, float | None]] = []
        positions: list[float | None] = [None, None]
        hits = [False, False]
        for i, side in enumerate(self.sides):
            roi = side.mroi.update(side.x, bar_rows)
            region = grey(self.correction.region(frame, roi.rows, roi.cols))
            timer.lap('distortion_correction')
            cached = self.cache.lookup((side.name, roi), region) if cfg.cache_enabled else None
            timer.lap('cache')
            if cached is not None and not self.cache.should_verify():
                positions[i], hits[i] = cached, True
                continue
            if cfg.contrast_enabled:
                region_in = enhance(region, cfg.contrast_window, cfg.contrast_threshold, cfg.sharpen,
                                    cfg.smooth_sigma_px)
            else:
                region_in = region
            timer.lap('contrast_enhancement')
            work.append((side, roi, region, region_in, cached))
        if work:
            upsampled = self.upsampler.upsample([w[3] for w in work])
            timer.lap('super_resolution')
            for (side, roi, region, _, cached), image in zip(work, upsampled, strict=True):
                i = self.sides.index(side)
                x = self._detect(side, roi, image, bar_rows, timer)
                if cached is not None and x is not None:
                    self.cache.verified(cached, x, cfg.cache_tolerance_px)
                if x is not None and cfg.cache_enabled:
                    self.cache.store((side.name, roi), region, x)
                    timer.lap('cache')
                positions[i] = x
        return positions, hits

    def _detect(self, side: _Side, roi: Roi, image: np.ndarray, bar_rows: tuple[int, int],
                timer: _Timer) -> float | None:
        x = self._detect_once(side, roi, image, bar_rows, timer)
        if x is None and side.thresholds is None:  # thresholds just dropped: re-tune and try this frame again
            x = self._detect_once(side, roi, image, bar_rows, timer)
        return x

    def _detect_once(self, side: _Side, roi: Roi, image: np.ndarray, bar_rows: tuple[int, int],
                     timer: _Timer) -> float | None:
        cfg = self.config
        f = self.upsampler.factor
        bar_in_roi = ((bar_rows[0] - roi.rows[0]) * f, (bar_rows[1] - roi.rows[0]) * f)
        tau_v = int(cfg.line_fraction * (bar_rows[1] - bar_rows[0]) * f)
        if side.thresholds is None:
            side.thresholds = tune_thresholds(image, cfg.canny_start_high, cfg.canny_step,
                                              int(cfg.canny_points_factor * image.shape[0]), tau_v,
                                              cfg.canny_min_high, cfg.canny_margin_steps,
                                              cfg.canny_low_ratio)
            side.history.reset()
            if side.thresholds is None:
                timer.lap('canny')
                return None
        points = edge_points(image, side.thresholds)
        timer.lap('canny')
        separation = side.history.separate(points, (roi.rows[0] * f, roi.cols[0] * f))
        timer.lap('separation')
        x_prev = (side.x - roi.cols[0] + 0.5) * f - 0.5
        max_jump = (cfg.mroi.x_sigma_px + 2) * f
        tracked = track(separation, BarGeometry(bar_in_roi, side.name), x_prev, tau_v, max_jump,
                        cfg.max_gap_px, min_run=cfg.max_gap_px * 2, search_rows=2 * f)
        timer.lap('tracking')
        x_v, x_h = tracked.x_v, tracked.x_h
        if cfg.subpixel:
            if x_v is not None:
                x_v = refine_vertical(image, x_v, bar_in_roi, half_window=2 * f)
                if self._linear_light is not None:
                    # Found on the grey levels (there a shadow's border stays the weaker step), then placed in
                    # linear light within one camera pixel (gamma moves the peak by up to half a pixel). The
                    # horizontal estimate stays on grey levels: in linear light its plateaus followed shadows.
                    band = self._linear_light[image[bar_in_roi[0]:bar_in_roi[1]]]   # the rows it averages
                    x_v = refine_vertical(band, x_v, (0, band.shape[0]), half_window=f)
            if x_h is not None:
                x_h = refine_horizontal(image, x_h, (bar_in_roi[0], bar_in_roi[1] - 1), side.name,
                                        half_window=3 * f, plateau=4 * f)
            timer.lap('subpixel')
        x_ref = (predicted(side.x, side.x_before) - roi.cols[0] + 0.5) * f - 0.5
        x = fuse_gated(x_v, x_h, x_ref, cfg.fusion_gate_px * f, cfg.single_estimate_gate_px * f)
        timer.lap('fusion')
        if x is None:
            side.thresholds = None  # re-tune on the next frame (colour or light changed)
            return None
        return roi.cols[0] + (x + 0.5) / f - 0.5
