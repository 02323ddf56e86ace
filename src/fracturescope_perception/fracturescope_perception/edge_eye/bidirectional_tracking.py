"""Bi-direction edge tracking (paper IV.D.3, Algorithm 1) on one side's mROI.

Vertical tracking finds the sheet edge as a vertical line of moving points (restoring points the static set
swallowed where the sheet edge lies over a background edge); horizontal tracking finds where the selected bar's
horizontal boundaries stop, i.e. where the sheet starts to cover the bar. Coordinates are mROI columns.
"""

from dataclasses import dataclass

import numpy as np

from fracturescope_perception.edge_eye.edge_points import Separation


@dataclass(frozen=True)
class BarGeometry:
    rows: tuple[int, int]            # the bar's [top, bottom) rows inside the mROI
    side: str                        # 'left': bar visible left of the edge; 'right': right of it


def recover_missing_points(s_m: np.ndarray, s_s: np.ndarray, tau_v: int, max_passes: int) -> np.ndarray:
    """Algorithm 1 steps 2-7: while the moving points cover fewer than tau_v rows, add the static points at
    (x +- 1, y - 1) of moving points (the sheet edge continuing over a background edge)."""
    s_m = s_m.copy()
    for _ in range(max_passes):
        if int(s_m.any(axis=1).sum()) >= tau_v:  # step 2-3: N = |unique y of S_m|
            break
        below = np.zeros_like(s_m)
        below[:-1] = s_m[1:]                        # a point at row y+1 proposes row y
        proposed = below.copy()
        proposed[:, 1:] |= below[:, :-1]            # x + 1
        proposed[:, :-1] |= below[:, 1:]            # x - 1
        added = proposed & s_s & ~s_m               # step 5
        if not added.any():
            break
        s_m |= added
    return s_m


def vertical_line(points: np.ndarray, tau_v: int, x_prev: float, max_jump: float) -> float | None:
    """Algorithm 1 step 8: the 3-column strip covering most rows (at least tau_v; ties: nearest x_prev, within
    max_jump of it); its position is the mean column of its points."""
    if points.shape[1] < 3:
        return None
    covered = points[:, :-2] | points[:, 1:-1] | points[:, 2:]
    counts = covered.sum(axis=0).astype(np.float64)
    centres = np.arange(1, points.shape[1] - 1, dtype=np.float64)
    counts[np.abs(centres - x_prev) > max_jump] = 0
    if counts.max() < tau_v:
        return None
    best = counts.max()
    candidates = np.nonzero(counts >= best - 0.5)[0]
    c = int(candidates[np.argmin(np.abs(centres[candidates] - x_prev))]) + 1
    # Position: mean column of the strip's points, leaving out rows of horizontal lines (the bar boundaries
    # run into the sheet edge and would pull it sideways).
    strip = points[:, c - 1:c + 2]
    line_rows = strip.sum(axis=1) > 1  # Canny edges are one point thick: more in a row is a crossing line
    ys, xs = np.nonzero(strip & ~line_rows[:, None])
    if xs.size == 0:
        ys, xs = np.nonzero(strip)
    return float(xs.mean() + c - 1)


def line_end(points: np.ndarray, row: int, side: str, max_gap: int, min_run: int) -> float | None:
    """End of the bar boundary near `row` (+-1 rows): the run of occupied columns starting at the bar-side border,
    bridging gaps up to max_gap; its last column towards the sheet."""
    rows = points[max(row - 1, 0):row + 2]
    if rows.size == 0:
        return None
    occupied = rows.any(axis=0)
    if side == 'right':
        occupied = occupied[::-1]
    filled = np.nonzero(occupied)[0]
    if filled.size == 0 or filled[0] > max_gap:
        return None
    gaps = np.nonzero(np.diff(filled) > max_gap + 1)[0]
    end = int(filled[gaps[0]]) if gaps.size else int(filled[-1])
    if end - int(filled[0]) + 1 < min_run:
        return None
    return float(points.shape[1] - 1 - end) if side == 'right' else float(end)


def horizontal_line(sep: Separation, bar: BarGeometry, max_gap: int, min_run: int, search_rows: int) -> float | None:
    """Algorithm 1 steps 10-11: when some common background points vanished (the sheet moved over the bar),
    the bar's end is among the static points, otherwise among the moving ones; the other set is the fallback
    (a sheet standing still leaves no moving bar points)."""
    vanished = int((sep.s_u & sep.s_i).sum()) < int(sep.s_u.sum())
    primary, secondary = (sep.s_s, sep.s_m) if vanished else (sep.s_m, sep.s_s)
    ends = []
    for boundary in bar.rows[0], bar.rows[1] - 1:
        lo, hi = max(boundary - search_rows, 0), min(boundary + search_rows + 1, sep.s_i.shape[0])
        for points in (primary, secondary, sep.s_i):
            band = points[lo:hi]
            if not band.any():
                continue
            row = lo + int(np.argmax(band.sum(axis=1)))
            end = line_end(points, row, bar.side, max_gap, min_run)
            if end is not None:
                ends.append(end)
                break
    return float(np.mean(ends)) if ends else None


@dataclass(frozen=True)
class Tracked:
    x_v: float | None                # vertical-line estimate, mROI columns
    x_h: float | None                # horizontal-line (bar end) estimate


def track(sep: Separation, bar: BarGeometry, x_prev: float, tau_v: int, max_jump: float, max_gap: int,
          min_run: int, search_rows: int) -> Tracked:
    s_m = recover_missing_points(sep.s_m, sep.s_s, tau_v, max_passes=sep.s_i.shape[0])
    x_v = vertical_line(s_m, tau_v, x_prev, max_jump)
    if x_v is None:
        # A sheet standing still for k frames is all static: look for the line in every point near x(t-1).
        x_v = vertical_line(sep.s_i, tau_v, x_prev, max_jump)
    x_h = horizontal_line(sep, bar, max_gap, min_run, search_rows)
    if x_h is not None and abs(x_h - x_prev) > max_jump:
        x_h = None
    return Tracked(x_v, x_h)
