"""Reference-bar selection (paper IV.C.1, eq. 3-5): use the bar that contrasts most with this sheet colour.

Per bar: |Sobel x| (eq. 4) of the grey (eq. 3) bar band; windows of m x n px every eta px; each window's gradient
list is the per-row maximum; the two non-overlapping windows with the largest mean hold the two sheet edges, and
the bar's score is eq. 5. The chosen bar's two windows also give the initial edge positions.
"""

from dataclasses import dataclass
import math

import cv2
import numpy as np


@dataclass(frozen=True)
class BarScore:
    name: str
    score: float                     # eq. 5
    windows: tuple[int, int]         # left x of the two best windows, sorted (left edge first), px of the band
    edges_px: tuple[float, float]    # strongest gradient column in each window (initial edge guess), px


def sobel_x(grey: np.ndarray) -> np.ndarray:
    """|S_x * grey| with S_x = [[1,0,-1],[2,0,-2],[1,0,-1]] (eq. 4), float32."""
    return np.abs(cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3))  # eq. 4 (sign irrelevant: magnitude)


def bar_score(mu1: float, sigma1: float, mu2: float, sigma2: float) -> float:
    """s = mu1 + mu2 - |mu1 - mu2| - ln((sigma1 + 1)(sigma2 + 1)) (eq. 5): strong, equal and steady edges win."""
    return mu1 + mu2 - abs(mu1 - mu2) - math.log((sigma1 + 1.0) * (sigma2 + 1.0))  # eq. 5


def score_bar(name: str, band: np.ndarray, window_px: int, step_px: int,
              allowed: np.ndarray | None = None) -> BarScore:
    """`band`: grey uint8 rows of one bar (m rows) over the searchable columns. `allowed` (bool per column): only
    windows touching an allowed column are candidates (where the sheet's coverage of the bars changes, so that a
    shadow or a static edge on an uncovered bar is not taken for an edge; see bar_coverage)."""
    gradient = sobel_x(band)
    width = gradient.shape[1]
    starts = np.arange(0, max(width - window_px, 0) + 1, step_px)
    # Per window: the maximum of each row (the gradient list), then its mean and standard deviation.
    lists = np.stack([gradient[:, s:s + window_px].max(axis=1) for s in starts])
    mu, sigma = lists.mean(axis=1), lists.std(axis=1)
    if allowed is not None:
        touching = np.array([allowed[s:s + window_px].any() for s in starts])
        mu = np.where(touching, mu, -np.inf)
    order = np.argsort(-mu)
    first = int(order[0])
    second = next((int(i) for i in order[1:] if abs(int(starts[i]) - int(starts[first])) >= window_px), None)
    if second is None or not np.isfinite(mu[first]) or not np.isfinite(mu[second]):
        return BarScore(name, -math.inf, (int(starts[first]), int(starts[first])), (math.nan, math.nan))
    chosen = sorted((first, second), key=lambda i: starts[i])
    edges = []
    for i in chosen:
        column_strength = gradient[:, starts[i]:starts[i] + window_px].mean(axis=0)
        if allowed is not None:  # the guess too only where allowed (a shadow edge may share the window)
            column_strength = np.where(allowed[starts[i]:starts[i] + window_px], column_strength, -1.0)
        edges.append(float(starts[i] + int(np.argmax(column_strength))))
    score = bar_score(float(mu[chosen[0]]), float(sigma[chosen[0]]), float(mu[chosen[1]]), float(sigma[chosen[1]]))
    return BarScore(name, score, (int(starts[chosen[0]]), int(starts[chosen[1]])), (edges[0], edges[1]))


def select_bar(bands: dict[str, np.ndarray], window_px: int, step_px: int,
               allowed: np.ndarray | None = None) -> tuple[BarScore, dict[str, BarScore]]:
    """The bar with the highest eq. 5 score, and every bar's score (`allowed`: see score_bar)."""
    scores = {name: score_bar(name, band, window_px, step_px, allowed) for name, band in bands.items()}
    best = max(scores.values(), key=lambda s: s.score)
    return best, scores
