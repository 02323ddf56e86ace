"""What the line camera looks at (paper Fig. 1, 4, 8): furnace wall, two reference bars, shading plate, the sheet.

Everything is a function of continuous ideal-pinhole pixel coordinates of the 1080p view (pixel centres at integers),
so the same scene renders at 1080p for the camera and at 2x for training the super-resolution network.
"""

from dataclasses import dataclass

import cv2
import numpy as np

# Eleven sheet colours (paper V.A: 11 colours in 7 kinds), RGB as the camera sees them under furnace light.
# Grey sits between the bars (poor contrast with both); black contrasts best with the white bar.
SHEET_COLOURS: dict[str, tuple[int, int, int]] = {
    'white': (226, 224, 218),
    'cream': (222, 208, 170),
    'yellow': (214, 190, 52),
    'orange': (220, 120, 40),
    'red': (178, 38, 42),
    'pink': (214, 140, 160),
    'green': (52, 132, 74),
    'blue': (40, 82, 168),
    'purple': (104, 62, 132),
    'grey': (128, 128, 126),
    'black': (30, 30, 32),
}


@dataclass(frozen=True)
class SceneLayout:
    """Where things are in the ideal (undistorted) 1080p view, in pixels."""

    width: int = 1920
    height: int = 1080
    mm_per_px: float = 1.87                       # paper IV: 1.2 m away, 1080p, 120 deg lens
    white_bar_rows: tuple[int, int] = (420, 480)  # top, bottom (exclusive) of the white reference bar
    black_bar_rows: tuple[int, int] = (600, 660)
    bar_columns: tuple[int, int] = (40, 1880)     # both bars span this range (their ends are static edges)
    plate_rows: int = 120                         # the shading plate covers the view above this row
    strut_columns: tuple[int, ...] = (210, 1710)  # dark vertical furnace struts (static vertical edges)
    strut_width: int = 26
    truth_row: float = 540.0                      # ground-truth edge positions are taken on this row
    # Bars mounted off level: each bar turned about its centre by this angle on the sheet plane (degrees; y points
    # down, so a positive tilt lowers the right end). Its rows are then those at its centre column.
    white_bar_tilt_deg: float = 0.0
    black_bar_tilt_deg: float = 0.0

    @property
    def bar_rows(self) -> dict[str, tuple[int, int]]:
        return {'white': self.white_bar_rows, 'black': self.black_bar_rows}


WHITE_BAR_RGB = np.array([236, 236, 232], np.float32)
BLACK_BAR_RGB = np.array([22, 22, 24], np.float32)
PLATE_RGB = np.array([46, 46, 50], np.float32)
FURNACE_RGB = np.array([92, 50, 34], np.float32)
STRUT_RGB = np.array([40, 34, 32], np.float32)


def _box(value: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (value >= lo) & (value < hi)


def _turned(xs: np.ndarray, ys: np.ndarray, x0: float, y0: float, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of (xs, ys) in a frame turned by `degrees` about (x0, y0): along and across its x axis."""
    c, s = np.float32(np.cos(np.radians(degrees))), np.float32(np.sin(np.radians(degrees)))
    dx, dy = xs - x0, ys - y0
    return x0 + dx * c + dy * s, y0 - dx * s + dy * c


def static_scene(xs: np.ndarray, ys: np.ndarray, layout: SceneLayout) -> np.ndarray:
    """RGB float32 of the static scene (no sheet) at ideal coordinates xs, ys (same shape), hard boundaries."""
    out = np.empty((*xs.shape, 3), np.float32)
    # Furnace wall: glowing brickwork, brighter towards the heater below; mortar joints are static edges.
    glow = 0.75 + 0.35 * np.clip(ys / layout.height, 0.0, 1.0)
    course = np.floor(ys / 46.0)
    joint_x = np.mod(xs + 47.0 * np.mod(course, 2.0), 94.0)
    mortar = (np.mod(ys, 46.0) < 3.0) | (joint_x < 3.0)
    shade = glow * (1.0 - 0.28 * mortar) * (1.0 + 0.04 * np.sin(xs * 0.013 + 1.7 * course))
    out[:] = FURNACE_RGB * shade[..., None]
    for x0 in layout.strut_columns:
        out[_box(xs, x0, x0 + layout.strut_width)] = STRUT_RGB
    bx0, bx1 = layout.bar_columns
    in_bar_x = _box(xs, bx0, bx1)
    for rows, rgb, tilt in ((layout.white_bar_rows, WHITE_BAR_RGB, layout.white_bar_tilt_deg),
                            (layout.black_bar_rows, BLACK_BAR_RGB, layout.black_bar_tilt_deg)):
        centre_y = (rows[0] + rows[1]) / 2.0
        if tilt:  # the bar's own coordinates: along it and across it, turned about its centre
            along, across = _turned(xs, ys, (bx0 + bx1) / 2.0, centre_y, tilt)
            bar = _box(along, bx0, bx1) & _box(across, *rows)
        else:
            along, across = xs, ys
            bar = in_bar_x & _box(ys, *rows)
        out[bar] = rgb * (1.0 - 0.04 * np.abs(xs[bar] - layout.width / 2) / layout.width)[:, None]
        # Mounting bolts every 300 px: small static blobs inside the bar.
        bolt = bar & ((np.mod(along - bx0 - 150.0, 300.0) - 150.0) ** 2 + (across - centre_y) ** 2 < 36.0)
        out[bolt] = np.array([120, 120, 118], np.float32)
    plate = ys < layout.plate_rows + 4.0 * np.sin(xs / 300.0)
    out[plate] = PLATE_RGB
    return out


def render_ideal(layout: SceneLayout, x0: float, y0: float, width: int, height: int, scale: float,
                 supersample: int = 3) -> np.ndarray:
    """The static scene on a `width` x `height` grid of pixels `1/scale` apart (ideal px), starting at (x0, y0),
    box-filtered over supersample^2 points per pixel (so edges are area-correct)."""
    s = supersample
    offsets = (np.arange(s, dtype=np.float32) + 0.5) / s - 0.5
    xs = x0 + (np.arange(width, dtype=np.float32)[:, None] + offsets[None, :]).ravel() / scale
    ys = y0 + (np.arange(height, dtype=np.float32)[:, None] + offsets[None, :]).ravel() / scale
    grid_x, grid_y = np.meshgrid(xs, ys)
    fine = static_scene(grid_x, grid_y, layout)
    return fine.reshape(height, s, width, s, 3).mean(axis=(1, 3))


def sheet_coverage(distance_px: np.ndarray, blur_px: float) -> np.ndarray:
    """Share of a pixel covered by the sheet, `distance_px` inside its edge, through an optical blur of
    `blur_px` (Gaussian sigma) approximated by the logistic curve (max deviation 0.01)."""
    z = np.clip(distance_px * (-1.702 / max(blur_px, 1e-3)), -30.0, 30.0)
    return 1.0 / (1.0 + np.exp(z))


def sheet_texture(height: int, width: int, seed: int, amplitude: float = 3.0) -> np.ndarray:
    """Foam sheet texture (int8, additive grey levels): faint streaks along the travel direction and speckle.
    Kept below one 16-level bin on purpose: foam is nearly uniform, so the frame cache can hit (paper IV.C.4)."""
    rng = np.random.default_rng(seed)
    streaks = rng.normal(0.0, 1.0, (1, width)).astype(np.float32)
    streaks = cv2.GaussianBlur(streaks, (0, 0), 6.0) * 4.0
    speckle = cv2.GaussianBlur(rng.normal(0.0, 1.0, (height, width)).astype(np.float32), (0, 0), 1.2) * 2.0
    texture = np.clip((streaks + speckle) * (amplitude / 3.0), -amplitude, amplitude)
    return np.round(texture).astype(np.int8)
