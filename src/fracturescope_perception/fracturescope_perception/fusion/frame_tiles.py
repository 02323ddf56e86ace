"""A whole RGB + thermal camera pair -> network tiles: registration onto the RGB view, scene-scale thermal
background removed, the frame cut into overlapping tiles of the network's input size (or, for a dense head, the
whole grid and the windows it answers for).

One definition for the node and for training (training tiles are cut from synthesized frames by this very code),
so the network never sees input prepared differently from what it was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from fracturescope_perception.fusion.registration import (
    Registration,
    RegistrationError,
    aspect_changed,
    overlap_box,
    pixel_scale,
    thermal_on_rgb_grid,
)
from fracturescope_perception.fusion.thermal_background import smooth_background
from fracturescope_perception.fusion.tiling import tile_boxes

# why a pair is refused; each is a /diagnostics counter of the defect detector, rejected_<reason>
PAIR_REJECTIONS = ('bad_rgb_image', 'bad_thermal_image', 'empty_image', 'nan_temperature', 'size_mismatch',
                   'no_overlap', 'temperature_out_of_range')


class PairError(ValueError):
    """A pair the detector refuses, and why (one of PAIR_REJECTIONS)."""

    def __init__(self, reason: str, message: str) -> None:
        if reason not in PAIR_REJECTIONS:
            raise ValueError(f'unknown pair rejection reason {reason!r}')
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ThermalBackground:
    """How the card's model wants the thermal contrast: 'frame_median' (T minus the tile's median) or
    'local_median' (T minus smooth_background over cells of cell_px, window_cells wide, on the network's grid)."""

    method: str = 'frame_median'
    cell_px: int = 4
    window_cells: int = 9

    @staticmethod
    def from_card(normalisation: dict) -> ThermalBackground:
        spec = normalisation.get('thermal_background', {'method': 'frame_median'})
        background = ThermalBackground(**spec)
        if background.method not in ('frame_median', 'local_median'):
            raise ValueError(f'unknown thermal background method {background.method!r}')
        return background


@dataclass(frozen=True)
class Tiling:
    tile_px: int = 0              # tile side in RGB pixels; 0: the whole seen view as one input
    overlap: float = 0.25         # share of a tile's side shared with its neighbour, 0..0.9
    min_tile_seen: float = 0.9    # tiles the thermal camera sees less of are not classified, 0..1
    min_view_seen: float = 0.2    # pairs whose thermal camera sees less of the RGB view are refused, 0..1
    min_region_tiles: int = 1     # regions of fewer agreeing tiles are not reported (a real defect spans several)
    dense: bool = False           # the network once over the whole grid (the card's dense file), not tile by tile


@dataclass(frozen=True)
class FrameGrid:
    """A pair on the network's grid (network pixels: the RGB frame scaled by the network's size over the tile's)."""

    rgb: np.ndarray               # H x W x 3 uint8
    contrast_k: np.ndarray        # H x W float32 thermal contrast [K]; NaN where the thermal camera does not see
    seen: np.ndarray              # H x W bool: where the thermal camera sees
    rgb_size: tuple[int, int]     # the RGB frame's width, height [px]
    seen_box: tuple[int, int, int, int]  # the part of the RGB view the thermal camera sees, RGB pixels
    view_seen: float              # share of the RGB view the thermal camera sees, 0..1

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]

    def seen_share(self, boxes: np.ndarray) -> np.ndarray:
        """Per box (grid pixels): the share of it the thermal camera sees."""
        if not len(boxes):
            return np.zeros(0)
        seen = cv2.integral(self.seen.astype(np.uint8))       # sums over any box in four look-ups
        x0, y0, x1, y1 = np.asarray(boxes).T
        inside = seen[y1, x1] - seen[y0, x1] - seen[y1, x0] + seen[y0, x0]
        return inside / np.maximum((x1 - x0) * (y1 - y0), 1)

    def to_rgb_pixels(self, boxes: np.ndarray) -> np.ndarray:
        return grid_to_rgb_pixels(boxes, self.rgb_size, self.size)


def grid_to_rgb_pixels(boxes: np.ndarray, rgb_size: tuple[int, int], grid: tuple[int, int]) -> np.ndarray:
    """Grid boxes -> RGB pixel boxes (x0, y0, x1, y1, end exclusive)."""
    scale = np.array([rgb_size[0] / grid[0], rgb_size[1] / grid[1]] * 2)
    limit = np.array([rgb_size[0], rgb_size[1]] * 2)
    return np.minimum(np.round(np.asarray(boxes, np.float64).reshape(-1, 4) * scale), limit).astype(np.int64)


@dataclass(frozen=True)
class TileBatch:
    rgb: np.ndarray               # N x S x S x 3 uint8
    thermal_contrast_k: np.ndarray  # N x S x S float32, temperature over the background [K]
    boxes: np.ndarray             # N x 4 int, x0 y0 x1 y1 in RGB pixels (end exclusive)
    seen_box: tuple[int, int, int, int]  # the part of the RGB view the thermal camera sees, RGB pixels
    view_seen: float              # share of the RGB view the thermal camera sees, 0..1


def check_pair(rgb: np.ndarray, thermal_c: np.ndarray) -> None:
    """Raise PairError for a pair no registration can make sense of."""
    if rgb.size == 0 or thermal_c.size == 0:
        raise PairError('empty_image', 'an image of the pair has no pixels')
    if not np.isfinite(thermal_c).all():
        bad = int(np.size(thermal_c) - np.count_nonzero(np.isfinite(thermal_c)))
        raise PairError('nan_temperature', f'thermal frame has {bad} NaN or infinite temperatures')


class FrameTiler:
    def __init__(self, size: int, background: ThermalBackground, tiling: Tiling,
                 registration: Registration | None = None) -> None:
        self.size, self.background, self.tiling, self.registration = size, background, tiling, registration

    def homography(self, rgb_size: tuple[int, int], thermal_size: tuple[int, int]) -> np.ndarray:
        """Thermal px -> RGB px for this pair; uncalibrated cameras must show the same view."""
        registration = self.registration
        if registration is None:
            if aspect_changed(rgb_size, thermal_size):
                raise PairError('size_mismatch', f'RGB {rgb_size[0]}x{rgb_size[1]} and thermal {thermal_size[0]}x'
                                f'{thermal_size[1]} cannot show one view: calibrate the camera registration')
            registration = Registration.same_view(rgb_size, thermal_size)
        try:
            return registration.for_sizes(rgb_size, thermal_size)
        except RegistrationError as error:
            raise PairError('size_mismatch', str(error)) from error

    def grid(self, rgb: np.ndarray, thermal_c: np.ndarray, multiple: int = 1) -> FrameGrid:
        """The pair on the network's grid, its sides rounded to a `multiple` of network pixels (a dense head's
        window stride: the windows then cover it exactly)."""
        check_pair(rgb, thermal_c)
        rgb_size, thermal_size = (rgb.shape[1], rgb.shape[0]), (thermal_c.shape[1], thermal_c.shape[0])
        to_rgb = self.homography(rgb_size, thermal_size)
        s = self.size
        if self.tiling.tile_px <= 0:
            grid = (s, s)
        else:
            factor = self.tiling.tile_px / s
            grid = tuple(max(s, multiple * round(side / factor / multiple)) for side in rgb_size)
        thermal = thermal_on_rgb_grid(thermal_c, pixel_scale(rgb_size, grid) @ to_rgb, grid)
        seen = np.isfinite(thermal)
        view_seen = float(seen.mean())
        box = overlap_box(seen)
        if box is None or view_seen < self.tiling.min_view_seen:
            raise PairError('no_overlap', f'the thermal camera sees {100 * view_seen:.0f} % of the RGB view '
                                          f'(at least {100 * self.tiling.min_view_seen:.0f} % needed)')
        seen_box = tuple(int(v) for v in grid_to_rgb_pixels(np.array([box]), rgb_size, grid)[0])
        return FrameGrid(cv2.resize(rgb, grid, interpolation=cv2.INTER_AREA), self._contrast(thermal), seen,
                         rgb_size, seen_box, view_seen)

    def tiles(self, rgb: np.ndarray, thermal_c: np.ndarray) -> TileBatch:
        grid = self.grid(rgb, thermal_c)
        s = self.size
        if self.tiling.tile_px <= 0:
            boxes = np.array([[0, 0, s, s]])
        else:
            boxes = tile_boxes(grid.size[0], grid.size[1], s, max(1, round(s * (1.0 - self.tiling.overlap))))
            boxes = boxes[grid.seen_share(boxes) >= self.tiling.min_tile_seen]
        rgb_tiles = np.stack([grid.rgb[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes]) if len(boxes) else \
            np.zeros((0, s, s, 3), np.uint8)
        contrast_tiles = np.stack([grid.contrast_k[y0:y1, x0:x1] for x0, y0, x1, y1 in boxes]) if len(boxes) else \
            np.zeros((0, s, s), np.float32)
        if self.background.method == 'frame_median' and len(boxes):
            medians = np.nanmedian(contrast_tiles.reshape(len(boxes), -1), axis=1)
            contrast_tiles = contrast_tiles - medians[:, None, None]
        return TileBatch(rgb_tiles, np.nan_to_num(contrast_tiles, nan=0.0).astype(np.float32),
                         grid.to_rgb_pixels(boxes), grid.seen_box, grid.view_seen)

    def windows(self, grid: FrameGrid, stride: int) -> np.ndarray:
        """Every window of the network's size `stride` apart on `grid`, row by row, as a dense head answers for
        them: N x 4 grid boxes (x0, y0, x1, y1)."""
        s = self.size
        return np.array([(x, y, x + s, y + s) for y in range(0, grid.size[1] - s + 1, stride)
                         for x in range(0, grid.size[0] - s + 1, stride)], np.int64)

    def _contrast(self, thermal: np.ndarray) -> np.ndarray:
        if self.background.method == 'frame_median':
            return thermal
        return thermal - smooth_background(thermal, self.background.cell_px, self.background.window_cells)
