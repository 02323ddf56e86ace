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


def bar_contrast(white: np.ndarray, black: np.ndarray) -> np.ndarray:
    """Per column: mean grey of the white bar minus that of the black bar (float32; same columns)."""
    return white.mean(axis=0, dtype=np.float32) - black.mean(axis=0, dtype=np.float32)


def covered_columns(contrast: np.ndarray, empty_contrast: np.ndarray | None, config: CoverageConfig) -> np.ndarray:
    """Per column: 1.0 covered by the sheet, 0.0 bars visible, NaN not judged (no bar contrast when empty)."""
    if empty_contrast is None:
        return (contrast < config.min_contrast).astype(np.float32)
    covered = (contrast < config.share * empty_contrast).astype(np.float32)
    covered[~(empty_contrast >= config.min_contrast)] = np.nan
    return covered


def _agrees(values: np.ndarray, wanted: float, agreement: float) -> bool:
    judged = values[np.isfinite(values)]
    if judged.size < values.size / 2:   # mostly beyond the bar: no evidence either way
        return False
    return float(np.mean(judged == wanted)) >= agreement


def is_sheet_edge(covered: np.ndarray, x: float, side: str, config: CoverageConfig) -> bool:
    """Whether an edge at column `x` of `covered` (covered_columns) has the sheet on its sheet side (right of a
    'left' edge) and the bars visible on the other."""
    c = int(np.floor(x + 0.5))
    g, w = config.gap_px, config.window_px
    if c - g - w < 0 or c + g + w + 1 > covered.size:
        return False
    before, after = covered[c - g - w:c - g], covered[c + g + 1:c + g + w + 1]
    sheet, bar = (after, before) if side == 'left' else (before, after)
    return _agrees(sheet, 1.0, config.agreement) and _agrees(bar, 0.0, config.agreement)


def sheet_span(covered: np.ndarray, min_width: int) -> tuple[int, int] | None:
    """The widest run of covered columns (unjudged ones inside it bridged) as (first, last) column, when it is at
    least `min_width` wide and bars are visible on both sides of it (a run reaching the end of the searched columns
    has an edge that cannot be measured); else None."""
    judged = np.isfinite(covered)
    state = np.where(judged, covered, np.nan)
    # Fill unjudged columns with the state before them, so they neither end nor start a run.
    index = np.where(judged, np.arange(covered.size), -1)
    np.maximum.accumulate(index, out=index)
    filled = np.where(index >= 0, state[np.maximum(index, 0)], 0.0) > 0.5
    if not filled.any():
        return None
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
