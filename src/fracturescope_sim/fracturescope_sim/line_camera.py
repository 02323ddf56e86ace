"""Simulated 1080p line camera in front of the vertical furnace (paper Fig. 1, 4): frames with ground truth.

Rendering is done in the captured (distorted) image directly. The static scene (furnace, bars, plate) is rendered
once, through the lens. Each frame then only: copies that layer, fills the sheet's interior from a scrolling
texture, blends the two edge bands (the only place where the lens geometry changes per frame: coverage of each
captured pixel is computed from the ideal coordinate it sees), and applies light, glare, dirt and noise with
saturating uint8 operations. About 5 ms per 1920x1080 frame on one core (benchmarks/edge_eye.json, `render_ms`).
The sheet's interior texture is not warped by the lens: it is a faint, nearly uniform foam pattern whose geometry
does not matter; the edges, bars and everything static are geometrically exact.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
import math

import cv2
import numpy as np

from fracturescope_sim.edge_trajectory import EdgeTrajectory, SheetEdges
from fracturescope_sim.furnace_scene import SHEET_COLOURS, SceneLayout, render_ideal, sheet_coverage, sheet_texture
from fracturescope_sim.lens_distortion import LensModel

DEFAULT_LENS = LensModel(width=1920, height=1080, focal_px=1100.0, cx=962.5, cy=538.0,
                         k1=-0.12, k2=0.035, p1=0.0008, p2=-0.0012, k3=0.0)


@dataclass(frozen=True)
class Conditions:
    """Disturbances of one recording (paper V.B and Fig. 22)."""

    noise_sigma: float = 2.0          # sensor noise, std of grey levels
    flicker: float = 0.03             # relative amplitude of the light flicker
    flicker_hz: float = 3.7           # apparent flicker frequency at 30 fps (mains beat), Hz
    light_gain: float = 1.0           # below 1: weak background light
    reflection: float = 0.0           # peak grey levels a glare spot on the glass adds (0: none)
    dirt: float = 0.0                 # opacity of the dirt on the glass (0: clean)
    startup_bend_px: float = 0.0      # edge bending at start-up, px at the frame's top/bottom (decays)
    startup_tau_s: float = 3.0        # decay time of the bending, s
    edge_blur_px: float = 0.7         # optical blur of the sheet edge (Gaussian sigma), px
    # A soft shadow falling across the bars (behind the sheet, so only where the bars show): cast by a rod in front
    # of the line (a fixed, slightly oblique band) or by the sheet itself (its silhouette shifted by
    # (shadow_x_px, shadow_y_px): a band beside the right edge, and below the leading end of an entering sheet).
    shadow: float = 0.0               # share of the light the shadow takes away at its core (0: none)
    shadow_from: str = 'rod'          # 'rod' or 'sheet'
    shadow_x_px: float = 420.0        # rod: ideal column of the band's centre at mid-height; sheet: shift to the right
    shadow_y_px: float = 240.0        # sheet: shift downwards, ideal px
    shadow_width_px: float = 30.0     # rod: width of the band's core, ideal px
    shadow_soft_px: float = 5.0       # softness of the shadow's borders (Gaussian sigma), ideal px


CONDITIONS: dict[str, Conditions] = {
    'nominal': Conditions(),
    'reflection': Conditions(reflection=150.0),
    'weak_light': Conditions(light_gain=0.42, noise_sigma=2.5),
    'dirt': Conditions(dirt=0.55),
    'startup': Conditions(startup_bend_px=16.0, edge_blur_px=1.4),
    'rod_shadow': Conditions(shadow=0.55),
    'sheet_shadow': Conditions(shadow=0.5, shadow_from='sheet', shadow_x_px=60.0),
}
SHADOW_MARGIN_PX = 60.0               # the shadow reaches this far above the white and below the black bar, ideal px


@dataclass(frozen=True)
class LineCameraConfig:
    layout: SceneLayout = field(default_factory=SceneLayout)
    lens: LensModel = DEFAULT_LENS
    colour: str = 'white'
    conditions: Conditions = field(default_factory=Conditions)
    fps: float = 30.0
    sheet_speed_mm_s: float = 1000.0  # travel downwards (paper: about 1 m/s)
    seed: int = 0
    # Camera turned about its optical axis (degrees): the whole scene, bars and sheet edges, turns about the
    # principal point; positive turns it clockwise in the image (x right, y down). Truth stays on the sheet plane.
    roll_deg: float = 0.0


@dataclass(frozen=True)
class LineCameraFrame:
    index: int
    t: float                          # s since the start of the recording
    image: np.ndarray                 # (height, width, 3) uint8, RGB
    truth: SheetEdges | None          # edges on the truth row in ideal-view mm; None: no sheet


@dataclass(frozen=True)
class _Optics:
    """The lens-dependent part of the scene, shared by every simulator with the same lens and layout."""

    ideal_x: np.ndarray               # (h, w) float32: ideal x of the sheet plane seen by each captured pixel
    ideal_y: np.ndarray               # (the unrolled ideal view: the layout's coordinates)
    col_min: np.ndarray               # per captured column, min / max of ideal_x over rows (for edge bands)
    col_max: np.ndarray
    row_min: np.ndarray               # per captured row, min / max of ideal_y over columns (for an entering sheet)
    row_max: np.ndarray
    static: np.ndarray                # (h, w, 3) uint8, static scene through the lens
    plate_rows: int                   # captured rows that contain some shading plate
    plate_mask: np.ndarray            # (plate_rows, w, 1) bool: plate pixels (in front of the sheet)


def unrolled(ideal_x: np.ndarray, ideal_y: np.ndarray, centre: tuple[float, float],
             roll_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Sheet-plane (layout) coordinates seen at ideal pixels of a camera rolled by `roll_deg` about `centre`:
    q = c + R(-roll) (p - c), the image being p = c + R(roll) (q - c) with R(a) = [[cos a, -sin a], [sin a, cos a]]."""
    c, s = math.cos(math.radians(roll_deg)), math.sin(math.radians(roll_deg))
    dx, dy = ideal_x - centre[0], ideal_y - centre[1]
    return centre[0] + c * dx + s * dy, centre[1] - s * dx + c * dy


@lru_cache(maxsize=4)
def _optics(lens: LensModel, layout: SceneLayout, roll_deg: float = 0.0) -> _Optics:
    ideal_x, ideal_y = lens.scene_coordinates()
    if roll_deg:
        ideal_x, ideal_y = (a.astype(np.float32) for a in unrolled(ideal_x.astype(np.float64),
                                                                   ideal_y.astype(np.float64),
                                                                   (lens.cx, lens.cy), roll_deg))
    # Render the ideal scene with a margin (the lens sees a little beyond the ideal frame near the corners).
    margin = 64
    ideal = render_ideal(layout, -margin, -margin, layout.width + 2 * margin, layout.height + 2 * margin, 1.0, 2)
    ideal = cv2.GaussianBlur(ideal, (0, 0), 0.5)
    static = cv2.remap(ideal, ideal_x + margin, ideal_y + margin, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    static = np.clip(np.round(static), 0, 255).astype(np.uint8)
    plate = ideal_y < layout.plate_rows + 4.0 * np.sin(ideal_x / 300.0) + 1.0
    rows = int(np.nonzero(plate.any(axis=1))[0].max()) + 1 if plate.any() else 0
    return _Optics(ideal_x, ideal_y, ideal_x.min(axis=0), ideal_x.max(axis=0), ideal_y.min(axis=1),
                   ideal_y.max(axis=1), static, rows, plate[:rows, :, None])


class LineCamera:
    """Renders frame i of a recording: deterministic in (config, trajectory, i)."""

    def __init__(self, config: LineCameraConfig, trajectory: EdgeTrajectory) -> None:
        if config.colour not in SHEET_COLOURS:
            raise ValueError(f'unknown sheet colour {config.colour!r}; one of {", ".join(SHEET_COLOURS)}')
        self.config = config
        self.trajectory = trajectory
        layout = config.layout
        self._optics = _optics(config.lens, layout, config.roll_deg)
        h, w = layout.height, layout.width
        self._scroll_period = 512
        texture = sheet_texture(h + self._scroll_period, w, config.seed)
        colour = np.array(SHEET_COLOURS[config.colour], np.int16)
        self._sheet = np.clip(colour + texture[..., None].astype(np.int16), 0, 255).astype(np.uint8)
        rng = np.random.default_rng([config.seed, 1])
        self._noise_pos, self._noise_neg = _noise_buffers(h * w * 3 + 65536, config.conditions.noise_sigma, rng)
        self._dirt = _dirt_patches(layout, config.conditions.dirt, rng) if config.conditions.dirt > 0 else []
        self._glare = _glare_patch(config.conditions.reflection) if config.conditions.reflection > 0 else None
        self._flicker_phase = float(rng.uniform(0.0, 2.0 * math.pi))
        if config.conditions.shadow_from not in ('rod', 'sheet'):
            raise ValueError(f'unknown shadow source {config.conditions.shadow_from!r}; rod or sheet')
        self._static = self._optics.static
        cond = config.conditions
        if cond.shadow > 0 and cond.shadow_from == 'rod':  # static: part of the scene the tracker learns as empty
            self._static = self._static.copy()
            self._shade(self._static, lambda ux, uy: _band(ux - cond.shadow_x_px - 0.15 * (uy - layout.truth_row),
                                                           cond.shadow_width_px, cond.shadow_soft_px),
                        (0, layout.width))

    @property
    def mm_per_px(self) -> float:
        return self.config.layout.mm_per_px

    def frame(self, index: int) -> LineCameraFrame:
        t = index / self.config.fps
        edges = self.trajectory(t)
        return LineCameraFrame(index, t, self.render(t, edges, index), edges)

    def render(self, t: float, edges: SheetEdges | None, index: int = 0) -> np.ndarray:
        cond = self.config.conditions
        optics = self._optics
        out = self._static.copy()
        if edges is not None:
            if cond.shadow > 0 and cond.shadow_from == 'sheet':
                self._sheet_shadow(out, edges)
            self._draw_sheet(out, t, edges)
            if optics.plate_rows:  # the plate is in front of the sheet
                np.copyto(out[:optics.plate_rows], optics.static[:optics.plate_rows], where=optics.plate_mask)
        gain = cond.light_gain * (1.0 + cond.flicker * math.sin(2.0 * math.pi * cond.flicker_hz * t
                                                                 + self._flicker_phase))
        if abs(gain - 1.0) > 1e-6:
            cv2.convertScaleAbs(out, dst=out, alpha=gain)
        if self._glare is not None:
            self._add_glare(out, t)
        for y0, x0, keep, add in self._dirt:
            patch = out[y0:y0 + keep.shape[0], x0:x0 + keep.shape[1]]
            patch[:] = np.clip(patch * keep + add, 0, 255).astype(np.uint8)
        if cond.noise_sigma > 0:
            self._add_noise(out, index)
        return out

    def _draw_sheet(self, out: np.ndarray, t: float, edges: SheetEdges) -> None:
        layout, cond, optics = self.config.layout, self.config.conditions, self._optics
        xl = edges.left_mm / layout.mm_per_px
        xr = edges.right_mm / layout.mm_per_px
        bend = cond.startup_bend_px * math.exp(-t / cond.startup_tau_s) if cond.startup_bend_px else 0.0
        half_h = layout.height / 2.0
        blur = cond.edge_blur_px
        reach = 5.0 * blur + 1.5 + abs(bend)
        offset = int(t * self.config.sheet_speed_mm_s / layout.mm_per_px) % self._scroll_period
        sheet = self._sheet[offset:offset + layout.height]

        def band(x: float) -> tuple[int, int]:
            lo = int(np.searchsorted(optics.col_max, x - reach))
            hi = int(np.searchsorted(optics.col_min, x + reach, side='right'))
            return lo, hi

        (l0, l1), (r0, r1) = band(xl), band(xr)
        if l1 > r0:
            raise ValueError(f'sheet too narrow to render: {edges.width_mm:.0f} mm')
        # An entering sheet covers the rows above its leading end: whole rows above `top`, blended down to `bottom`.
        front = edges.front_mm / layout.mm_per_px
        top = int(np.searchsorted(optics.row_max, front - reach))
        bottom = int(np.searchsorted(optics.row_min, front + reach, side='right'))
        behind = out[top:bottom].copy() if bottom > top else None
        out[:bottom, l1:r0] = sheet[:bottom, l1:r0]
        for (c0, c1), side in (((l0, l1), -1.0), ((r0, r1), 1.0)):
            if c1 <= c0:
                continue
            ux = optics.ideal_x[:bottom, c0:c1]
            uy = optics.ideal_y[:bottom, c0:c1]
            # Bending at start-up: the edges bow outwards away from the truth row.
            edge = (xr if side > 0 else xl) + side * bend * ((uy - layout.truth_row) / half_h) ** 2
            inside = (edge - ux) if side > 0 else (ux - edge)
            alpha = sheet_coverage(inside, blur)[..., None]
            base = out[:bottom, c0:c1].astype(np.float32)
            out[:bottom, c0:c1] = (base + alpha * (sheet[:bottom, c0:c1].astype(np.float32) - base) + 0.5
                                   ).astype(np.uint8)
        if behind is not None:
            alpha = sheet_coverage(front - optics.ideal_y[top:bottom], blur)[..., None]
            drawn = out[top:bottom].astype(np.float32)
            out[top:bottom] = (behind + alpha * (drawn - behind) + 0.5).astype(np.uint8)

    def _shade(self, out: np.ndarray, share: Callable[[np.ndarray, np.ndarray], np.ndarray],
               cols: tuple[int, int]) -> None:
        """Darken `out` by the shadow: `share(ideal_x, ideal_y)` in [0, 1] of the full shadow, over captured columns
        `cols` of the rows around the bars."""
        layout, cond, optics = self.config.layout, self.config.conditions, self._optics
        y_top = layout.white_bar_rows[0] - SHADOW_MARGIN_PX
        y_bottom = layout.black_bar_rows[1] + SHADOW_MARGIN_PX
        reach = 4.0 * cond.shadow_soft_px
        r0 = int(np.searchsorted(optics.row_max, y_top - reach))
        r1 = int(np.searchsorted(optics.row_min, y_bottom + reach, side='right'))
        c0, c1 = max(cols[0], 0), min(cols[1], out.shape[1])
        if r1 <= r0 or c1 <= c0:
            return
        ux, uy = optics.ideal_x[r0:r1, c0:c1], optics.ideal_y[r0:r1, c0:c1]
        rows = sheet_coverage(uy - y_top, cond.shadow_soft_px) * sheet_coverage(y_bottom - uy, cond.shadow_soft_px)
        keep = 1.0 - cond.shadow * rows * share(ux, uy)
        out[r0:r1, c0:c1] = (out[r0:r1, c0:c1] * keep[..., None] + 0.5).astype(np.uint8)

    def _sheet_shadow(self, out: np.ndarray, edges: SheetEdges) -> None:
        """The sheet's silhouette shifted by (shadow_x_px, shadow_y_px), on the background (drawn before the sheet,
        which then covers the part behind it)."""
        layout, cond, optics = self.config.layout, self.config.conditions, self._optics
        soft, dx, dy = cond.shadow_soft_px, cond.shadow_x_px, cond.shadow_y_px
        xl, xr = edges.left_mm / layout.mm_per_px + dx, edges.right_mm / layout.mm_per_px + dx
        front = edges.front_mm / layout.mm_per_px + dy
        reach = 4.0 * soft + 2.0
        # Only the columns where it is not hidden behind the sheet, unless the leading end's shadow is in view.
        lo = xl if front < layout.black_bar_rows[1] + SHADOW_MARGIN_PX + reach else xr - dx
        cols = (int(np.searchsorted(optics.col_max, lo - reach)),
                int(np.searchsorted(optics.col_min, xr + reach, side='right')))

        def share(ux: np.ndarray, uy: np.ndarray) -> np.ndarray:
            inside = sheet_coverage(ux - xl, soft) * sheet_coverage(xr - ux, soft)
            return inside * sheet_coverage(front - uy, soft) if math.isfinite(front) else inside

        self._shade(out, share, cols)

    def _add_glare(self, out: np.ndarray, t: float) -> None:
        """A reflection on the glass drifting slowly across the left edge and both bars."""
        layout = self.config.layout
        gh, gw = self._glare.shape[:2]
        cx = layout.width * (0.22 + 0.08 * math.sin(2.0 * math.pi * t / 23.0))
        cy = (layout.white_bar_rows[0] + layout.black_bar_rows[1]) / 2.0 + 60.0 * math.sin(2.0 * math.pi * t / 17.0)
        y0, x0 = int(cy - gh / 2), int(cx - gw / 2)
        ys, xs = slice(max(y0, 0), min(y0 + gh, layout.height)), slice(max(x0, 0), min(x0 + gw, layout.width))
        patch = self._glare[ys.start - y0:ys.stop - y0, xs.start - x0:xs.stop - x0]
        cv2.add(out[ys, xs], patch, dst=out[ys, xs])

    def _add_noise(self, out: np.ndarray, index: int) -> None:
        n = out.size
        start = int(np.random.default_rng([self.config.seed, 2, index]).integers(0, self._noise_pos.size - n))
        flat = out.reshape(-1)
        cv2.add(flat, self._noise_pos[start:start + n], dst=flat)
        cv2.subtract(flat, self._noise_neg[start:start + n], dst=flat)


def _band(distance_px: np.ndarray, width_px: float, soft_px: float) -> np.ndarray:
    """Share of a soft band of core width `width_px` at `distance_px` from its centre line."""
    return sheet_coverage(width_px / 2.0 - np.abs(distance_px), soft_px)


def _noise_buffers(size: int, sigma: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian noise split into its positive and negative parts (uint8), so it adds with saturating cv2 ops;
    each frame reads a window at a random offset (drawing 6 M normals per frame would cost 60 ms)."""
    noise = np.round(rng.normal(0.0, sigma, size)).astype(np.int16)
    return np.clip(noise, 0, 255).astype(np.uint8), np.clip(-noise, 0, 255).astype(np.uint8)


def _glare_patch(peak: float) -> np.ndarray:
    h, w = 240, 170
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    g = np.exp(-(((xs - w / 2) / (w / 4.5)) ** 2 + ((ys - h / 2) / (h / 4.0)) ** 2))
    rgb = np.stack([g * peak, g * peak * 0.97, g * peak * 0.9], axis=-1)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def _dirt_patches(layout: SceneLayout, opacity: float, rng: np.random.Generator) -> list:
    """Smudges and specks on the glass: (y0, x0, keep factor (h, w, 1), added rgb (h, w, 3)) per patch; half of
    them over the bars, where they hurt."""
    patches = []
    rows = (layout.white_bar_rows[0] - 40, layout.black_bar_rows[1] + 40)
    for i in range(40):
        size = int(rng.integers(8, 60))
        y0 = int(rng.integers(*rows)) if i % 2 == 0 else int(rng.integers(0, layout.height - size))
        x0 = int(rng.integers(0, layout.width - size))
        ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
        r = np.hypot(xs - size / 2, ys - size / 2) / (size / 2)
        a = np.clip(1.0 - r ** 2, 0.0, 1.0) * opacity * float(rng.uniform(0.4, 1.0))
        a = cv2.GaussianBlur(a, (0, 0), max(size / 8.0, 0.8))[..., None]
        dirt_rgb = np.array([70, 60, 48], np.float32)
        patches.append((min(y0, layout.height - size), x0, 1.0 - a, a * dirt_rgb))
    return patches


def with_conditions(config: LineCameraConfig, name: str) -> LineCameraConfig:
    if name not in CONDITIONS:
        raise ValueError(f'unknown condition {name!r}; one of {", ".join(CONDITIONS)}')
    return replace(config, conditions=CONDITIONS[name])
