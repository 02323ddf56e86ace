"""Whole frames as overlapping tiles, and tile decisions merged into defect regions.

The network sees one tile at a time (its training shows it one patch of surface); a frame of any size is covered
by a grid of tiles whose last row and column are aligned to the frame's border, so no pixel is left out. Tiles that
agree on a defect label and overlap or touch form one region; its box is the union of theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

import numpy as np


def tile_starts(length: int, tile: int, stride: int) -> list[int]:
    """Start positions covering 0..length with tiles of `tile`, at most `stride` apart, the last one at the end."""
    if length <= tile:
        return [0]
    n = math.ceil((length - tile) / stride) + 1
    return [round(i * (length - tile) / (n - 1)) for i in range(n)]


def tile_boxes(width: int, height: int, tile: int, stride: int) -> np.ndarray:
    """N x 4 int (x0, y0, x1, y1), end exclusive, row by row."""
    ys, xs = tile_starts(height, tile, stride), tile_starts(width, tile, stride)
    return np.array([(x, y, min(x + tile, width), min(y + tile, height)) for y in ys for x in xs], np.int64)


@dataclass(frozen=True)
class Region:
    label: str                          # a class name or the anomaly label
    box: tuple[int, int, int, int]      # x0, y0, x1, y1 in the frame's pixels, end exclusive
    confidence: float                   # highest confidence of its tiles
    scores: np.ndarray                  # class probabilities of its most confident tile
    anomaly_score: float                # highest anomaly score of its tiles
    tiles: int


def _touch(a: np.ndarray, b: np.ndarray) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def merge_regions(boxes: np.ndarray, labels: list[str], confidence: np.ndarray, scores: np.ndarray,
                  anomaly: np.ndarray, background_label: str) -> list[Region]:
    """Connected groups of touching tiles with the same label (other than background_label), most confident first."""
    parent = list(range(len(boxes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    members = [i for i, label in enumerate(labels) if label != background_label]
    for a_index, a in enumerate(members):
        for b in members[a_index + 1:]:
            if labels[a] == labels[b] and _touch(boxes[a], boxes[b]):
                parent[root(a)] = root(b)
    groups: dict[int, list[int]] = {}
    for i in members:
        groups.setdefault(root(i), []).append(i)
    regions = []
    for group in groups.values():
        best = max(group, key=lambda i: confidence[i])
        b = boxes[group]
        regions.append(Region(labels[best], (int(b[:, 0].min()), int(b[:, 1].min()), int(b[:, 2].max()),
                                             int(b[:, 3].max())), float(confidence[best]), scores[best],
                              float(anomaly[group].max()), len(group)))
    return sorted(regions, key=lambda r: -r.confidence)
