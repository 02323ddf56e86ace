"""The sheet-plane view: the ideal (undistorted) view turned back by the camera's roll, each reference bar's tilt
sheared out. The tracker's stages work in this view unchanged (paper IV.C-IV.D assume level bars and vertical sheet
edges); a column of it is a vertical line on the sheet plane, so x * mm_per_px + x_origin_mm is sheet-plane mm.

Roll: the camera turned by `roll_deg` about its optical axis shows a sheet-plane point q at the ideal pixel
p = c + R(roll) (q - c), c the principal point, R(a) = [[cos a, -sin a], [sin a, cos a]] (x right, y down: a
positive roll turns the scene clockwise in the image). Unrolling gives q, in which the sheet edges are vertical.

Tilt: a bar mounted off level runs at `tilt_deg` on the sheet plane (positive: its right end lower). The shear
v = y - (x - pivot) tan(tilt) makes it level and leaves every vertical line where it was (x is kept), so the sheet
edge still crosses the bar at its true column; the bar's rows are those at the pivot column (the view's centre).
Each bar has its own shear over the rows nearer to it than to the other bar.
"""

from dataclasses import dataclass
import math

import numpy as np


@dataclass(frozen=True)
class BarLine:
    rows: tuple[int, int]            # [top, bottom) of the bar at the pivot column, sheet-plane view px
    tilt_deg: float                  # the bar's angle on the sheet plane, degrees


@dataclass(frozen=True)
class SheetPlaneGeometry:
    roll_deg: float                  # camera roll about the optical axis, degrees
    bars: tuple[BarLine, ...]        # the reference bars (their tilts and rows)
    pivot_x: float                   # column about which the tilts are sheared out, px

    @property
    def is_identity(self) -> bool:
        return self.roll_deg == 0.0 and all(bar.tilt_deg == 0.0 for bar in self.bars)

    def band_edges(self) -> list[float]:
        """Rows where one bar's shear hands over to the next one's: half-way between neighbouring bars."""
        bars = sorted(self.bars, key=lambda b: b.rows[0])
        return [(a.rows[1] + b.rows[0]) / 2.0 for a, b in zip(bars, bars[1:], strict=False)]

    def bar_of_row(self, row: float) -> BarLine:
        bars = sorted(self.bars, key=lambda b: b.rows[0])
        return bars[int(np.searchsorted(self.band_edges(), row, side='right'))]

    def homography(self, bar: BarLine, principal_point: tuple[float, float]) -> np.ndarray:
        """3x3 matrix taking ideal-view pixels to sheet-plane-view pixels in the rows of `bar`."""
        return shear(bar.tilt_deg, self.pivot_x) @ unroll(self.roll_deg, principal_point)


def unroll(roll_deg: float, centre: tuple[float, float]) -> np.ndarray:
    """Ideal pixel p -> sheet-plane point q = c + R(-roll) (p - c), as a 3x3 homogeneous matrix."""
    c, s = math.cos(math.radians(roll_deg)), math.sin(math.radians(roll_deg))
    rotation = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    to_centre = np.array([[1.0, 0.0, -centre[0]], [0.0, 1.0, -centre[1]], [0.0, 0.0, 1.0]])
    back = np.array([[1.0, 0.0, centre[0]], [0.0, 1.0, centre[1]], [0.0, 0.0, 1.0]])
    return back @ rotation @ to_centre


def shear(tilt_deg: float, pivot_x: float) -> np.ndarray:
    """v = y - (x - pivot) tan(tilt), x kept: a bar at `tilt_deg` becomes level, vertical lines stay vertical."""
    t = math.tan(math.radians(tilt_deg))
    return np.array([[1.0, 0.0, 0.0], [-t, 1.0, pivot_x * t], [0.0, 0.0, 1.0]])


def apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """A 3x3 homogeneous matrix applied to (N, 2) points."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    out = np.column_stack([pts, np.ones(len(pts))]) @ matrix.T
    return out[:, :2] / out[:, 2:3]
