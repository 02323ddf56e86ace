"""Bar coverage: is a found edge where the sheet starts to cover the reference bars? (beyond the paper)

The paper's sheet edge is the boundary between the sheet and the visible part of the selected bar (IV.D.3, Fig. 13).
Algorithm 1 finds any long vertical line at which a bar boundary stops, and a shadow falling across an uncovered bar,
or a static edge on it, is such a line: tracked as if it were the sheet, it gave status OK 100-190 mm off. So every
edge the tracker reports is checked here, and initialisation looks for edges only where the coverage changes.

Whatever its colour, a sheet covers both bars alike, so where it covers them the white bar is no longer brighter than
the black one (the test availability.covered_fraction makes for the whole bar). A shadow, dirt or glare only dims or
lightens both: the white bar stays brighter by a good share of the contrast the bars had in the empty frame (a shadow
taking 55 % of the light keeps 45 %). A column is covered when the contrast is below `share` x its empty contrast;
without an empty frame yet (restart with a sheet in view), below `min_contrast`. Columns where the empty frame shows no
bar contrast (beyond the bar ends) are not judged. An edge is a sheet edge when the columns on its sheet side are
covered and those on its bar side are not, from `gap_px` away on both sides (the blurred edge itself is neither).
Consequence: an edge counts only where the sheet covers both bars (a sheet entering from the top, covering the upper
bar only, is not measured until it covers the lower one too).

Three refinements, measured on independently rendered scenes (benchmarks/edge_eye_independent_benchmark.py):
- the edge must lie within `tolerance_px` of where the coverage changes (edge_border: the 50 % point of the bar
  contrast between its levels on both sides). The agreement share alone let an edge 4 px off pass, and eq. 9 pulled a
  stepping edge back that far frame after frame (a real width change taken for an abnormal one, then lost);
- something dark in front of the line (a rod) covers the bars too, so coverage alone cannot tell a rod lying over the
  edge from the sheet: the tracker followed the rod's outer border, reported OK 10-21 mm off. Whatever covers the bars
  beside a sheet edge must look like the sheet (looks_like_sheet: both bars' grey levels there within `share` of the
  empty contrast of the sheet's own levels further inside). An edge hidden behind a rod is then unrecognised;
- an occluder on the bar side a few px from the edge leaves the edge visible: the bar side passes when its
  `bar_side_px` columns next to the edge show the bars, even if further ones are covered. Likewise a leaning rod in
  front of the sheet can show the white bar on one bar's rows and the sheet on the other's (contrast, so "visible");
  sheet_span bridges such short gaps;
- a leaning rod can hide an edge on one bar's rows only; on the other bar the edge is still plain when the sheet
  contrasts with that bar (one_bar_edge: the bar side at that bar's level and the sheet side at the sheet's, as
  both were beside this edge over the recent frames, the step between them at least `min_contrast`). The tracker
  uses it only while the other edge passes the two-bar checks in the same frame, so a sheet covering one bar
  (entering) is still not measured.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CoverageConfig:
    share: float = 0.3               # covered below this share of the empty frame's bar contrast [1]
    min_contrast: float = 30.0       # without an empty frame: covered below this contrast; also the least empty
    #                                  contrast a column needs to be judged [grey levels]
    gap_px: int = 2                  # columns next to the edge left out on both sides [px]
    window_px: int = 12              # columns judged on each side [px]
    agreement: float = 0.8           # share of the judged columns that must agree [1]
    inset_px: int = 4                # bar rows next to the bar's borders left out (blurred) [px]
    bar_side_px: int = 4             # the bar side also passes when this many columns next to the gap show the bars
    tolerance_px: float = 2.0        # an edge further from where the coverage changes (edge_border) fails [px]


@dataclass(frozen=True)
class AppearanceConfig:
    share: float = 0.3               # a column looks like the sheet when both bars' levels there are within this
    #                                  share of the empty bar contrast of the sheet's own levels [1]
    window_px: int = 6               # sheet-side columns next to the gap that must look like the sheet [px]
    reference_px: int = 96           # columns further inside whose median levels are the sheet's own [px]


def bar_contrast(levels: np.ndarray) -> np.ndarray:
    """Per column: the white bar's level minus the black bar's, from bar_levels (or the same in linear light)."""
    return levels[0] - levels[1]


def covered_columns(contrast: np.ndarray, empty_contrast: np.ndarray | None, config: CoverageConfig) -> np.ndarray:
    """Per column: 1.0 covered by the sheet, 0.0 bars visible, NaN not judged (no bar contrast when empty)."""
    if empty_contrast is None:
        return (contrast < config.min_contrast).astype(np.float32)
    covered = (contrast < config.share * empty_contrast).astype(np.float32)
    covered[~(empty_contrast >= config.min_contrast)] = np.nan
    return covered


def bar_levels(white: np.ndarray, black: np.ndarray) -> np.ndarray:
    """Per column: mean grey of the white bar's rows and of the black bar's rows, shape (2, columns), float32."""
    return np.stack([white.mean(axis=0, dtype=np.float32), black.mean(axis=0, dtype=np.float32)])


def _agrees(values: np.ndarray, wanted: float, agreement: float) -> bool:
    judged = values[np.isfinite(values)]
    if judged.size < values.size / 2:   # mostly beyond the bar: no evidence either way
        return False
    return float(np.mean(judged == wanted)) >= agreement


def _sides(values: np.ndarray, x: float, side: str, config: CoverageConfig
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Per-column `values` beside an edge at column `x`, the gap_px next to it left out: (the sheet side's window,
    the bar side's window, the bar side's bar_side_px columns next to the gap); None where a window leaves the image."""
    c = int(np.floor(x + 0.5))
    g, w = config.gap_px, config.window_px
    if c - g - w < 0 or c + g + w + 1 > values.size:
        return None
    before, after = values[c - g - w:c - g], values[c + g + 1:c + g + w + 1]
    sheet, bar = (after, before) if side == 'left' else (before, after)
    k = max(1, min(config.bar_side_px, w))
    return sheet, bar, bar[-k:] if side == 'left' else bar[:k]


def is_sheet_edge(covered: np.ndarray, x: float, side: str, config: CoverageConfig) -> bool:
    """Whether an edge at column `x` of `covered` (covered_columns) has the sheet on its sheet side (right of a
    'left' edge) and the bars visible on the other."""
    sides = _sides(covered, x, side, config)
    if sides is None:
        return False
    sheet, bar, near = sides
    return _agrees(sheet, 1.0, config.agreement) and (_agrees(bar, 0.0, config.agreement) or
                                                      _agrees(near, 0.0, 1.0))


def edge_border(contrast: np.ndarray, x: float, side: str, config: CoverageConfig,
                light_contrast: np.ndarray | None = None) -> float | None:
    """Where the bar contrast (bar_contrast) crosses half-way between its level on the bar side and on the sheet side
    of an edge near column `x`: the 50 % point of the sheet's coverage of the bars (sub-pixel, linear between column
    centres), the crossing nearest `x` within gap_px + 2 of it; None without a clear step there. The step is judged
    on `contrast` (grey levels); `light_contrast`, the same in linear light (the camera's gamma undone, as the
    sub-pixel edge is found), is where the 50 % point is located when given."""
    sides = _sides(contrast, x, side, config)
    if sides is None:
        return None
    sheet, _, bar = sides   # the bar side next to the edge only (an occluder may lie further out)
    c, g = int(np.floor(x + 0.5)), config.gap_px
    if float(np.median(bar)) - float(np.median(sheet)) < 0.5 * config.min_contrast:
        return None
    if light_contrast is not None:
        contrast = light_contrast
        sheet, _, bar = _sides(contrast, x, side, config)
    level_bar, level_sheet = float(np.median(bar)), float(np.median(sheet))
    lo, hi = max(c - g - 2, 0), min(c + g + 2, contrast.size - 1)
    found = lo + crossings(contrast[lo:hi + 1], 0.5 * (level_bar + level_sheet))
    return float(found[np.argmin(np.abs(found - x))]) if found.size else None


def one_bar_edge(level: np.ndarray, x: float, side: str, bar_level: float, sheet_level: float,
                 config: CoverageConfig) -> bool:
    """Whether an edge at column `x` shows on one bar alone (`level`: bar_levels' row of that bar): the bar side's
    bar_side_px columns next to the gap all within `share` of the step of `bar_level`, at least `agreement` of the
    sheet side's window within it of `sheet_level`, and a step of at least `min_contrast` between the two."""
    got = _sides(level, x, side, config)
    step = sheet_level - bar_level
    if got is None or abs(step) < config.min_contrast:
        return False
    sheet, _, near = got
    tolerance = config.share * abs(step)
    return bool(np.all(np.abs(near - bar_level) <= tolerance)) and \
        float(np.mean(np.abs(sheet - sheet_level) <= tolerance)) >= config.agreement


def crossings(profile: np.ndarray, level: float) -> np.ndarray:
    """Sub-pixel columns where `profile` crosses `level` (linear between column centres)."""
    d = profile.astype(np.float64) - level
    j = np.nonzero((d[:-1] * d[1:] <= 0.0) & (d[:-1] != d[1:]))[0]
    return j + d[j] / (d[j] - d[j + 1])


def looks_like_sheet(levels: np.ndarray, x: float, side: str, reference: np.ndarray, tolerance: float,
                     config: CoverageConfig, appearance: AppearanceConfig) -> bool:
    """Whether the columns on the sheet side of an edge at column `x` (from gap_px + 1 on, window_px of them) show
    the sheet: both bars' levels (bar_levels) within `tolerance` of the sheet's `reference` levels (2,) in at least
    `agreement` of them. A rod or any other occluder lying over the edge covers the bars too, but in its own tone."""
    c = int(np.floor(x + 0.5))
    g, n = config.gap_px, appearance.window_px
    lo, hi = (c + g + 1, c + g + 1 + n) if side == 'left' else (c - g - n, c - g)
    if lo < 0 or hi > levels.shape[1]:
        return False
    near = levels[:, lo:hi]
    alike = np.all(np.abs(near - reference[:, None]) <= tolerance, axis=0)
    return float(np.mean(alike)) >= config.agreement


def covered_runs(covered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last columns of the runs of covered columns, unjudged ones bridged (they neither end nor start a
    run: each takes the state of the judged column before it)."""
    judged = np.isfinite(covered)
    state = np.where(judged, covered, np.nan)
    index = np.where(judged, np.arange(covered.size), -1)
    np.maximum.accumulate(index, out=index)
    filled = np.where(index >= 0, state[np.maximum(index, 0)], 0.0) > 0.5
    padded = np.concatenate(([False], filled, [False])).astype(np.int8)
    return np.nonzero(np.diff(padded) == 1)[0], np.nonzero(np.diff(padded) == -1)[0] - 1


def sheet_span(covered: np.ndarray, min_width: int, bridge_px: int = 0) -> tuple[int, int] | None:
    """The widest run of covered columns (unjudged ones inside it bridged, and gaps of visible bars up to
    `bridge_px` wide: a leaning rod in front of the sheet) as (first, last) column, when it is at least `min_width`
    wide and bars are visible on both sides of it (a run reaching the end of the searched columns has an edge that
    cannot be measured); else None."""
    judged = np.isfinite(covered)
    starts, ends = covered_runs(covered)
    if starts.size == 0:
        return None
    filled = np.zeros(covered.size, bool)
    for a, b in zip(starts, ends, strict=True):
        filled[a:b + 1] = True
    for b, a in zip(ends[:-1], starts[1:], strict=True):
        if a - b - 1 <= bridge_px:
            filled[b + 1:a] = True
    padded = np.concatenate(([False], filled, [False])).astype(np.int8)
    starts = np.nonzero(np.diff(padded) == 1)[0]
    ends = np.nonzero(np.diff(padded) == -1)[0] - 1
    best = int(np.argmax(ends - starts))
    first, last = int(starts[best]), int(ends[best])
    if last - first + 1 < min_width or first == 0 or last == covered.size - 1:
        return None
    if not (judged[:first].any() and judged[last + 1:].any()):
        return None
    return first, last
