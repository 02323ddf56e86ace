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
agrees with its own motion prediction (abnormal_repair).
"""

import dataclasses
from dataclasses import dataclass, field
from enum import IntEnum
import math
import time

import numpy as np

from fracturescope_perception.edge_eye.abnormal_repair import WidthRepair
from fracturescope_perception.edge_eye.availability import AvailabilityConfig, AvailabilityDetector, covered_fraction
from fracturescope_perception.edge_eye.bar_coverage import (
    CoverageConfig,
    bar_contrast,
    covered_columns,
    is_sheet_edge,
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
from fracturescope_perception.edge_eye.subpixel import refine_horizontal, refine_vertical
from fracturescope_perception.edge_eye.super_resolution import Upsampler


class Status(IntEnum):
    """Same values as fracturescope_msgs/EdgeMeasurement STATUS_*."""

    OK = 0
    REPAIRED = 1
    UNRECOGNISED = 2
    NO_MATERIAL = 3


BAR_CODES = {'white': 1, 'black': 2}  # EdgeMeasurement BAR_WHITE / BAR_BLACK; 0 = none


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
    single_estimate_gate_px: float = 3.0       # a lone estimate further from the prediction is not believed
    fusion_gate_px: float = 1.5                # vertical and horizontal estimates further apart: drop one
    repair_history: int = 30
    weighted_repair: bool = True               # eq. 9 weighted by each edge's plausibility (False: the paper's)
    repair_iqr_k: float = 3.0
    repair_min_fence_px: float = 2.0
    repair_min_history: int = 10
    repair_agree_px: float = 2.0               # an edge this close to its own prediction is not moved by eq. 9
    reinit_after: int = 3                      # consecutive unrecognised frames before re-selecting the bar
    coverage_share: float = 0.3                # covered: bar contrast below this share of the empty one (bar_coverage)
    coverage_gap_px: int = 2                   # columns next to an edge the coverage check leaves out
    coverage_window_px: int = 12               # columns the coverage check judges on each side of an edge
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
        self.availability = AvailabilityDetector(config.availability, empty_frame)
        self.cache = FrameCache(config.cache_pool, config.cache_skip_threshold, config.cache_verify_every)
        self.repair = WidthRepair(config.repair_history, config.repair_iqr_k, config.repair_min_fence_px,
                                  config.repair_min_history)
        self.sides = [_Side(s, MroiTracker(s, config.mroi, config.width), EdgePointHistory(config.history_frames))
                      for s in ('left', 'right')]
        self.bar: str | None = None
        self._failures = 0
        self.coverage = CoverageConfig(config.coverage_share, config.availability.bar_min_contrast,
                                       config.coverage_gap_px, config.coverage_window_px)
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
        if all(p is not None for p in positions):
            predictions = tuple(predicted(side.x, side.x_before) for side in self.sides) \
                if cfg.weighted_repair else None
            repaired = self.repair.check(positions[0], positions[1], t, predictions, cfg.repair_agree_px)
            timer.lap('repair')
            final = (repaired.left, repaired.right)
            covered = self._covered_near(frame, final)
            timer.lap('coverage')
            if all(is_sheet_edge(c, x - c0, side.name, self.coverage)
                   for (c0, c), x, side in zip(covered, final, self.sides, strict=True)):
                self._failures = 0
                for side, x in zip(self.sides, final, strict=True):
                    side.x_before, side.x = side.x, x
                status = Status.REPAIRED if repaired.repaired else Status.OK
                return self._result(status, start, available.entropy, timer, all(hits))
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
        left, right = self.sides[0].x * mm + origin, self.sides[1].x * mm + origin
        if status in (Status.NO_MATERIAL, Status.UNRECOGNISED):
            left = right = math.nan  # no measurement: never the last good values
        return EdgeResult(status, left, right, self.bar, hit, (time.perf_counter() - start) * 1e3, entropy,
                          timer.stages, (self.sides[0].mroi.roi, self.sides[1].mroi.roi))

    def _lose_track(self) -> None:
        self.bar = None
        self._failures = 0
        self.repair.reset()
        for side in self.sides:
            side.mroi.reset()
            side.history.reset()
            side.thresholds = None
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

    def _covered(self, frame: np.ndarray, cols: tuple[int, int]) -> np.ndarray:
        """covered_columns over ideal columns [cols), against the empty bars where known."""
        white, black = (grey(self.correction.region(frame, self._inner_rows(n), cols)) for n in ('white', 'black'))
        empty = None
        if self._empty_contrast is not None:
            first = self.config.bar_columns[0]
            empty = np.zeros(cols[1] - cols[0], np.float32)  # beyond the bars: not judged
            lo, hi = max(cols[0], first), min(cols[1], first + self._empty_contrast.size)
            if hi > lo:
                empty[lo - cols[0]:hi - cols[0]] = self._empty_contrast[lo - first:hi - first]
        return covered_columns(bar_contrast(white, black), empty, self.coverage)

    def _covered_near(self, frame: np.ndarray, xs: tuple[float, float]) -> list[tuple[int, np.ndarray]]:
        """(first column, covered_columns) around each edge, wide enough for is_sheet_edge."""
        reach = self.coverage.gap_px + self.coverage.window_px + 2
        out = []
        for x in xs:
            c0 = min(max(int(math.floor(x)) - reach, 0), self.config.width - 2 * reach - 1)
            out.append((c0, self._covered(frame, (c0, c0 + 2 * reach + 1))))
        return out

    def _learn_empty_bars(self, frame: np.ndarray) -> None:
        """The empty bars' contrast per column (the bars' known empty appearance for bar_coverage)."""
        c0, c1 = self.config.bar_columns
        white, black = (grey(self.correction.region(frame, self._inner_rows(n), (c0, c1))) for n in ('white', 'black'))
        self._empty_contrast = bar_contrast(white, black)

    def _initialise(self, frame: np.ndarray) -> bool:
        cfg = self.config
        c0, bands = self._bar_bands(frame)
        # The sheet's edges are where its coverage of the bars starts and ends: only windows there are candidates.
        covered = self._covered(frame, (c0, c0 + next(iter(bands.values())).shape[1]))
        span = sheet_span(covered, 2 * cfg.bar_window_px)
        if span is None:
            return False
        borders = (span[0] - 0.5, span[1] + 0.5)
        if not all(is_sheet_edge(covered, x, side.name, self.coverage) for x, side in zip(borders, self.sides,
                                                                                        strict=True)):
            return False
        allowed = np.zeros(covered.size, bool)
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
