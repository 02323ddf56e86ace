"""Line-camera scenes for Edge-Eye, rendered independently of the project's simulator.

Written from the Edge-Eye paper (seed 002: foam sheet in front of a vertical furnace, a white and a black reference
bar across the width behind the sheet, a 1080p line camera in front) and the perception README only; the project's
own simulator (src/fracturescope_sim) and its Edge-Eye benchmarks were never opened while writing this, so the figures
measured on these scenes test the tracker and its installation, not the simulator's assumptions.

What is modelled, per scene (``LineScene(seed)``, deterministic per seed):
- the sheet plane: x (mm) along the line, y (mm) downwards; the furnace front, the bars and the sheet all lie on it
  (the sheet's few cm in front of the bars are not modelled as parallax);
- a fronto-parallel pinhole camera (about 2 m from the sheet) with a roll of up to 1 deg about its optical axis,
  1.7-2.1 mm per pixel, focal length 0.52-0.66 x width, principal point up to 2.5 % / 3 % off centre, OpenCV's
  radial + tangential distortion (k1 -0.22..-0.03, k2 -0.03..0.10, p1 / p2 up to 0.0015, drawn again until the
  lens is one-to-one over the frame); every captured pixel is traced back through the lens (Newton inversion of the
  distortion) to the sheet plane;
- area sampling: straight boundaries (bars, sheet edges, rod) are drawn analytically with a ramp whose variance is
  the pixel footprint's plus a Gaussian optical blur (0.45-0.8 px); textures are pre-blurred the same way;
- a furnace front of its own design: refractory courses and staggered joints (level and plumb), steel struts with
  a lit flange, a cast shadow and bolts, soot streaks, rust blotches, mottling and grain;
- a white and a black bar (40-80 px thick, random heights, white above in 3 of 4 scenes, each tilted up to 0.6 deg
  on the sheet plane, the same left end and length, both ends 50-150 px inside the undistorted view's borders) with
  paint wear;
- light: a lamp gradient and hot spot on the sheet plane, cos^4-type vignetting (softened: 1 / (1 + a r^2)^2,
  a 0.1-0.6), weak light on about a third of the scenes (white bar at 0.18-0.35 of full scale in linear light, the
  camera gain and noise up), flicker (a global gain per frame, 0.5-5 %), dirt spots and haze on the protective glass,
  a few hot pixels, a gamma of 1.8-2.4 (8-bit levels are not linear in light) and signal-dependent sensor noise;
- the foam sheet: one of 11 colours, slightly translucent for the light ones, faint streaks along the travel
  direction; its left and right edges follow a trajectory in mm (drift, weave sinusoids, steps of one edge at about
  2 px per frame), sampled at 30 fps; it may enter the empty line from the top or the bottom (a wavy, tilted leading
  end), cast a shadow beside one or both edges on the bars and the furnace, and a dark rod (out of focus, leaning,
  with a highlight) may pass in front of the line;
- ground truth per frame: both edges in sheet-plane mm, whether any sheet is in view and whether it covers both bars
  over its whole width, and the situations of the frame (entering, step, shadow, rod, ...; edge_behind_rod when the
  rod lies over an edge on both bars, edge_behind_rod_one_bar on one of them);
- chessboard views (9 x 6 inner corners, known square size, white margin) held at random 3-D poses in front of the
  furnace through the same lens, with the board's outer corners pushed to the frame borders and corners; and the same
  board held flat on the sheet plane (target_view), the installation's other source of the scale.

`python benchmarks/independent_line_scenes.py --seed 3 --out /tmp/scene3` writes a few frames, empty frames and
chessboard views as PNG files, and prints the bars' length and left end.
"""

import argparse
from collections.abc import Iterator
from dataclasses import dataclass, field
import math
from pathlib import Path

import cv2
import numpy as np

FPS = 30.0
PATTERN = (9, 6)
_SQUARES = (PATTERN[0] + 1, PATTERN[1] + 1)

# Linear RGB reflectances of the foam colours, and how much of the background shows through each.
SHEET_COLOURS: dict[str, tuple[float, float, float]] = {
    'grey': (0.21, 0.21, 0.22), 'black': (0.028, 0.028, 0.032), 'white': (0.80, 0.80, 0.77),
    'red': (0.52, 0.05, 0.05), 'blue': (0.05, 0.11, 0.42), 'cream': (0.74, 0.66, 0.48),
    'green': (0.07, 0.33, 0.10), 'orange': (0.74, 0.27, 0.04), 'yellow': (0.74, 0.60, 0.05),
    'pink': (0.74, 0.36, 0.45), 'light_grey': (0.44, 0.44, 0.45),
}
TRANSLUCENCY = {'white': 0.08, 'cream': 0.06, 'yellow': 0.05, 'pink': 0.05, 'light_grey': 0.03, 'orange': 0.03}


def _ss(z: np.ndarray) -> np.ndarray:
    """Smoothstep coverage of a boundary at z = 0 (z in ramp widths, > 0 inside): 0.5 exactly on the boundary."""
    t = np.clip(z + 0.5, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _ramp_width(du: np.ndarray, dv: np.ndarray, blur_px: float) -> np.ndarray:
    """Smoothstep width (same units as du, dv) with the variance of a pixel's box footprint plus the optical blur:
    a coordinate changing by du, dv per pixel varies over a pixel with variance (du^2 + dv^2) (1/12 + blur^2), and a
    smoothstep of width w has variance w^2 / 20."""
    return np.sqrt(20.0 * (du * du + dv * dv) * (1.0 / 12.0 + blur_px * blur_px)).astype(np.float32)


@dataclass(frozen=True)
class Lens:
    """Pinhole with OpenCV's k1, k2, p1, p2 distortion (pixels; pixel centres at integers)."""

    f: float
    cx: float
    cy: float
    k1: float = 0.0
    k2: float = 0.0
    p1: float = 0.0
    p2: float = 0.0

    @property
    def camera_matrix(self) -> np.ndarray:
        return np.array([[self.f, 0.0, self.cx], [0.0, self.f, self.cy], [0.0, 0.0, 1.0]])

    @property
    def dist_coeffs(self) -> np.ndarray:
        return np.array([self.k1, self.k2, self.p1, self.p2, 0.0])

    def distort(self, xn: np.ndarray, yn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ideal normalised coordinates -> captured pixel coordinates."""
        r2 = xn * xn + yn * yn
        radial = 1.0 + self.k1 * r2 + self.k2 * r2 * r2
        xd = xn * radial + 2.0 * self.p1 * xn * yn + self.p2 * (r2 + 2.0 * xn * xn)
        yd = yn * radial + self.p1 * (r2 + 2.0 * yn * yn) + 2.0 * self.p2 * xn * yn
        return self.f * xd + self.cx, self.f * yd + self.cy

    def undistort(self, u: np.ndarray, v: np.ndarray, iterations: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Captured pixel coordinates -> ideal normalised coordinates (Newton on the distortion, float64)."""
        xd = (np.asarray(u, np.float64) - self.cx) / self.f
        yd = (np.asarray(v, np.float64) - self.cy) / self.f
        x, y = xd.copy(), yd.copy()
        k1, k2, p1, p2 = self.k1, self.k2, self.p1, self.p2
        for _ in range(iterations):
            r2 = x * x + y * y
            radial = 1.0 + k1 * r2 + k2 * r2 * r2
            g = 2.0 * k1 + 4.0 * k2 * r2
            fx = x * radial + 2.0 * p1 * x * y + p2 * (r2 + 2.0 * x * x) - xd
            fy = y * radial + p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * x * y - yd
            jxx = radial + g * x * x + 2.0 * p1 * y + 6.0 * p2 * x
            jxy = g * x * y + 2.0 * p1 * x + 2.0 * p2 * y
            jyy = radial + g * y * y + 6.0 * p1 * y + 2.0 * p2 * x
            det = jxx * jyy - jxy * jxy
            x -= (jyy * fx - jxy * fy) / det
            y -= (jxx * fy - jxy * fx) / det
        return x, y


@dataclass(frozen=True)
class Camera:
    """A fronto-parallel camera over the sheet plane: sheet point = centre + mm_per_px * R(roll) * f * (xn, yn)."""

    width: int
    height: int
    lens: Lens
    roll_deg: float
    mm_per_px: float
    centre_mm: tuple[float, float]
    blur_px: float

    def sheet_to_pixel(self, x_mm: np.ndarray, y_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sheet-plane mm -> captured pixel coordinates."""
        c, s = math.cos(math.radians(self.roll_deg)), math.sin(math.radians(self.roll_deg))
        dx = (np.asarray(x_mm, np.float64) - self.centre_mm[0]) / self.mm_per_px
        dy = (np.asarray(y_mm, np.float64) - self.centre_mm[1]) / self.mm_per_px
        # inverse rotation: R(-roll)
        xi, yi = c * dx + s * dy, -s * dx + c * dy
        return self.lens.distort(xi / self.lens.f, yi / self.lens.f)

    def ideal_to_sheet(self, x_px: np.ndarray | float, y_px: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """Undistorted-view pixel (with this lens's f, cx, cy) -> sheet-plane mm."""
        c, s = math.cos(math.radians(self.roll_deg)), math.sin(math.radians(self.roll_deg))
        xi, yi = np.asarray(x_px, np.float64) - self.lens.cx, np.asarray(y_px, np.float64) - self.lens.cy
        return (self.centre_mm[0] + self.mm_per_px * (c * xi - s * yi),
                self.centre_mm[1] + self.mm_per_px * (s * xi + c * yi))

    def pixel_to_sheet(self, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Captured pixel coordinates -> sheet-plane mm."""
        xn, yn = self.lens.undistort(u, v)
        c, s = math.cos(math.radians(self.roll_deg)), math.sin(math.radians(self.roll_deg))
        xi, yi = xn * self.lens.f, yn * self.lens.f
        return (self.centre_mm[0] + self.mm_per_px * (c * xi - s * yi),
                self.centre_mm[1] + self.mm_per_px * (s * xi + c * yi))


@dataclass(frozen=True)
class Bar:
    """A reference bar on the sheet plane: its axis starts at (left_mm, y_left_mm), runs length_mm at tilt_deg
    (+ lowers its right end), thickness_mm across; its ends are square to the axis."""

    name: str
    reflectance: tuple[float, float, float]
    left_mm: float
    y_left_mm: float
    length_mm: float
    thickness_mm: float
    tilt_deg: float

    def y_at(self, x_mm: np.ndarray | float) -> np.ndarray | float:
        """The axis's y at x (mm)."""
        return self.y_left_mm + (np.asarray(x_mm) - self.left_mm) * math.tan(math.radians(self.tilt_deg))

    def half_height_mm(self) -> float:
        """Half the bar's vertical extent at a given x."""
        return 0.5 * self.thickness_mm / math.cos(math.radians(self.tilt_deg))


@dataclass(frozen=True)
class Step:
    """One edge moved by delta_mm at a constant speed over `frames` frames from `start`."""

    edge: str
    start: int
    frames: int
    delta_mm: float


@dataclass(frozen=True)
class Rod:
    """A dark rod in front of the line (its projection on the sheet plane), in view for `frames` frames."""

    start: int
    frames: int
    x_mm: float
    speed_mm_s: float
    lean: float
    width_mm: float
    tone: float
    highlight: float
    defocus_mm: float

    def x_at(self, frame: int) -> float:
        return self.x_mm + self.speed_mm_s * (frame - self.start) / FPS


@dataclass(frozen=True)
class Shadow:
    """The sheet's shadow beyond one edge: full depth next to the edge, a penumbra at width_mm."""

    side: str
    width_mm: float
    depth: float
    penumbra_mm: float
    breathing: float
    period_s: float


@dataclass(frozen=True)
class Script:
    """The sheet's motion and the events of one sequence (all positions on the sheet plane, mm)."""

    frames: int
    colour: str
    centre_mm: float
    width_mm: float
    drift: tuple[tuple[tuple[float, float, float], ...], tuple[tuple[float, float, float], ...]]
    weave: tuple[float, float, float] | None
    steps: tuple[Step, ...]
    shadows: tuple[Shadow, ...]
    rods: tuple[Rod, ...]
    enter_frame: int | None = None
    enter_from_top: bool = True
    enter_start_mm: float = 0.0
    enter_speed_mm_s: float = 0.0
    lead_tilt: float = 0.0
    lead_wave: tuple[float, float, float] = (0.0, 1000.0, 0.0)

    def edges(self, frame: int) -> tuple[float, float]:
        """Left and right edge (mm) at a frame."""
        t = frame / FPS
        left, right = self.centre_mm - 0.5 * self.width_mm, self.centre_mm + 0.5 * self.width_mm
        for side, components in enumerate(self.drift):
            offset = sum(a * (math.sin(2 * math.pi * t / p + ph) - math.sin(ph)) for a, p, ph in components)
            if side == 0:
                left += offset
            else:
                right += offset
        if self.weave is not None:
            a, p, ph = self.weave
            w = a * (math.sin(2 * math.pi * t / p + ph) - math.sin(ph))
            left, right = left + w, right + w
        for step in self.steps:
            done = min(max(frame - step.start, 0), step.frames) / step.frames
            if step.edge == 'left':
                left += done * step.delta_mm
            else:
                right += done * step.delta_mm
        return left, right

    def lead_y(self, frame: int, x_mm: np.ndarray) -> np.ndarray | None:
        """The leading end's y (mm) along x, or None when the sheet was in view from the start."""
        if self.enter_frame is None:
            return None
        travelled = max(frame - self.enter_frame, 0) / FPS * self.enter_speed_mm_s
        a, wavelength, phase = self.lead_wave
        base = self.enter_start_mm + (travelled if self.enter_from_top else -travelled)
        return base + self.lead_tilt * (x_mm - self.centre_mm) + a * np.sin(2 * np.pi * x_mm / wavelength + phase)


@dataclass
class FrameTruth:
    """Ground truth of one frame: edges in sheet-plane mm (NaN without a sheet in view)."""

    index: int
    t: float
    left_mm: float
    right_mm: float
    sheet_in_view: bool
    covers_both_bars: bool
    situations: tuple[str, ...] = field(default_factory=tuple)


def _furnace_texture(rng: np.random.Generator, rows: int, cols: int, res: float,
                     x0: float, y0: float) -> tuple[np.ndarray, np.ndarray]:
    """Furnace front reflectance (rows x cols x 3, linear) at res mm per texel from (x0, y0), and a dirt
    modulation (rows x cols, about -1..1) used on the bars."""
    base = np.array([(0.16, 0.13, 0.11), (0.14, 0.14, 0.15), (0.21, 0.16, 0.12), (0.11, 0.10, 0.10)][
        rng.integers(4)]) * rng.uniform(0.8, 1.3)
    tex = np.empty((rows, cols, 3), np.float32)
    tex[:] = base.astype(np.float32)
    ys = y0 + np.arange(rows) * res
    xs = x0 + np.arange(cols) * res

    def band(coords: np.ndarray, lo: float, hi: float) -> slice:
        i0, i1 = np.searchsorted(coords, [lo, hi])
        return slice(int(i0), int(i1))

    # Refractory courses (level) with staggered vertical joints (plumb); each block its own shade.
    course = rng.uniform(220.0, 520.0)
    joint_len = rng.uniform(380.0, 900.0)
    seam_w, seam_dark = rng.uniform(4.0, 12.0), rng.uniform(0.35, 0.6)
    y_seam = y0 - rng.uniform(0.0, course)
    k = 0
    while y_seam < ys[-1] + course:
        top, bottom = y_seam, y_seam + course
        rs = band(ys, top, bottom)
        if rs.stop > rs.start:
            stagger = (k % 2) * 0.5 * joint_len + rng.uniform(-20.0, 20.0)
            x_joint = x0 - joint_len + stagger - rng.uniform(0.0, 40.0)
            while x_joint < xs[-1]:
                cs = band(xs, x_joint, x_joint + joint_len)
                if cs.stop > cs.start:
                    tex[rs, cs] *= np.float32(rng.uniform(0.85, 1.15))
                    jc = band(xs, x_joint - seam_w, x_joint + seam_w)
                    if jc.stop > jc.start:
                        d = np.abs(xs[jc] - x_joint)
                        tex[rs, jc] *= (1.0 - (1.0 - seam_dark) * _ss((0.5 * seam_w - d) / res))[None, :, None]
                x_joint += joint_len + rng.uniform(-6.0, 6.0)
        sr = band(ys, y_seam - seam_w, y_seam + seam_w)
        if sr.stop > sr.start:
            d = np.abs(ys[sr] - y_seam)
            tex[sr] *= (1.0 - (1.0 - seam_dark) * _ss((0.5 * seam_w - d) / res))[:, None, None]
        y_seam += course + rng.uniform(-5.0, 5.0)
        k += 1
    # Mottling (heat tint) and grain.
    coarse = rng.normal(0.0, 1.0, (max(rows // 120, 2), max(cols // 120, 2), 3)).astype(np.float32)
    tex *= 1.0 + 0.10 * cv2.resize(coarse, (cols, rows), interpolation=cv2.INTER_CUBIC)
    medium = rng.normal(0.0, 1.0, (max(rows // 25, 2), max(cols // 25, 2))).astype(np.float32)
    tex *= (1.0 + 0.06 * cv2.resize(medium, (cols, rows), interpolation=cv2.INTER_CUBIC))[:, :, None]
    grain = cv2.GaussianBlur(rng.normal(0.0, 1.0, (rows, cols)).astype(np.float32), (0, 0), 1.0)
    tex *= (1.0 + 0.12 * grain)[:, :, None]
    # Soot streaks running down from the top, soft across.
    for _ in range(int(rng.integers(3, 9))):
        xc, w = rng.uniform(xs[0], xs[-1]), rng.uniform(20.0, 110.0)
        y_end = rng.uniform(ys[0], ys[-1])
        cs = band(xs, xc - 2 * w, xc + 2 * w)
        across = np.exp(-0.5 * ((xs[cs] - xc) / (0.5 * w)) ** 2)
        along = _ss((y_end - ys) / 200.0)
        tex[:, cs] *= (1.0 - rng.uniform(0.1, 0.35) * along[:, None] * across[None, :])[:, :, None]
    # Rust blotches.
    for _ in range(int(rng.integers(2, 7))):
        xc, yc, r = rng.uniform(xs[0], xs[-1]), rng.uniform(ys[0], ys[-1]), rng.uniform(20.0, 90.0)
        rs, cs = band(ys, yc - 3 * r, yc + 3 * r), band(xs, xc - 3 * r, xc + 3 * r)
        blob = np.exp(-0.5 * (((ys[rs, None] - yc) ** 2 + (xs[None, cs] - xc) ** 2) / (r * r)))
        tint = np.array([1.5, 0.95, 0.7], np.float32)
        tex[rs, cs] *= 1.0 + (tint - 1.0) * blob[:, :, None].astype(np.float32) * rng.uniform(0.3, 0.8)
    # Steel struts (plumb), in front of the courses: lit flange, cast shadow to one side, bolts.
    shadow_side = 1.0 if rng.random() < 0.5 else -1.0
    x_strut = xs[0] + rng.uniform(100.0, 700.0)
    while x_strut < xs[-1] - 50.0:
        w = rng.uniform(50.0, 130.0)
        tone = np.array([0.24, 0.24, 0.26], np.float32) * rng.uniform(0.7, 1.6)
        cs = band(xs, x_strut - w, x_strut + w + 40.0)
        d = xs[cs] - x_strut
        inside = _ss((0.5 * w - np.abs(d - 0.5 * w)) / res)
        flange = 1.0 + 0.45 * _ss((8.0 - np.abs(d - (2.0 if shadow_side > 0 else w - 2.0))) / res)
        cast_from = w if shadow_side > 0 else 0.0
        cast = 1.0 - 0.45 * _ss((12.0 - np.abs(d - cast_from - shadow_side * 6.0)) / 2.0) * (1.0 - inside)
        mix = inside[None, :, None]
        strut = tone[None, None, :] * flange[None, :, None]
        tex[:, cs] = (tex[:, cs] * cast[None, :, None]) * (1.0 - mix) + strut * mix
        pitch = rng.uniform(120.0, 260.0)
        for yb in np.arange(ys[0] + rng.uniform(0, pitch), ys[-1], pitch):
            for xb in (x_strut + 0.25 * w, x_strut + 0.75 * w):
                rs, bc = band(ys, yb - 12, yb + 12), band(xs, xb - 12, xb + 12)
                dist = np.sqrt((ys[rs, None] - yb) ** 2 + (xs[None, bc] - xb) ** 2)
                tex[rs, bc] *= (1.0 - 0.5 * _ss((7.0 - dist) / res))[:, :, None]
        x_strut += rng.uniform(450.0, 1300.0)
    mod = cv2.GaussianBlur(rng.normal(0.0, 1.0, (rows, cols)).astype(np.float32), (0, 0), 6.0)
    mod /= max(float(np.abs(mod).max()), 1e-6)
    return np.clip(tex, 0.0, 1.0), mod


class LineScene:
    """A randomly built line-camera installation and its sequences (deterministic per seed)."""

    VIGNETTING = (0.1, 0.6)

    def __init__(self, seed: int, width: int = 1920, height: int = 1080, roll_deg: float | None = None,
                 distortion: bool = True) -> None:
        self.seed = seed
        self.width, self.height = width, height
        rng = np.random.default_rng([seed, 20261128, 1])
        size = width / 1920.0
        f = width * rng.uniform(0.52, 0.66)
        cx = (width - 1) / 2 + rng.uniform(-0.025, 0.025) * width
        cy = (height - 1) / 2 + rng.uniform(-0.03, 0.03) * height
        corner = math.hypot(max(cx, width - 1 - cx), max(cy, height - 1 - cy)) / f
        while True:
            k1, k2 = rng.uniform(-0.22, -0.03), rng.uniform(-0.03, 0.10)
            p1, p2 = (float(v) for v in rng.uniform(-0.0015, 0.0015, 2))
            # A real lens maps its whole field one to one: the radial curve must still rise past the corners.
            r = np.linspace(0.0, 3.0, 3001)
            rd = r * (1 + k1 * r * r + k2 * r ** 4)
            rising = np.nonzero(np.diff(rd) <= 0)[0]
            if rd[: rising[0] if rising.size else None].max() > 1.1 * corner:
                break
        lens = Lens(f, cx, cy, k1, k2, p1, p2) if distortion else Lens(f, cx, cy)
        roll = rng.uniform(-1.0, 1.0) if roll_deg is None else roll_deg
        # mm per px is defined at the ideal view of this focal length; scenes at other sizes keep the field of view.
        scale = rng.uniform(1.7, 2.1) / size
        # The sheet-plane point on the optical axis: mm counted from well left of the view.
        centre = (rng.uniform(2100.0, 2600.0), rng.uniform(800.0, 1300.0))
        self.camera = Camera(width, height, lens, roll, scale, centre, rng.uniform(0.45, 0.8))
        self._maps()
        self._bars(rng, size)
        self._light(rng)
        self._static_layer(rng)

    # -- geometry -------------------------------------------------------------------------------------------------
    def _maps(self) -> None:
        """Sheet-plane coordinates of every captured pixel, and how they change per pixel (ramp widths)."""
        cam = self.camera
        v, u = np.mgrid[0:self.height, 0:self.width].astype(np.float64)
        xn, yn = cam.lens.undistort(u, v)
        del u, v
        self.rn2 = (xn * xn + yn * yn).astype(np.float32)
        c, s = math.cos(math.radians(cam.roll_deg)), math.sin(math.radians(cam.roll_deg))
        k = cam.mm_per_px * cam.lens.f
        x = cam.centre_mm[0] + k * (c * xn - s * yn)
        y = cam.centre_mm[1] + k * (s * xn + c * yn)
        del xn, yn
        self.xmap, self.ymap = x.astype(np.float32), y.astype(np.float32)
        xv, xu = np.gradient(x)
        yv, yu = np.gradient(y)
        blur = cam.blur_px
        self.wx = _ramp_width(xu, xv, blur)
        self.wy = _ramp_width(yu, yv, blur)
        self._grads = (xu.astype(np.float32), xv.astype(np.float32), yu.astype(np.float32), yv.astype(np.float32))
        self.col_xmin, self.col_xmax = self.xmap.min(axis=0), self.xmap.max(axis=0)

    def _bars(self, rng: np.random.Generator, size: float) -> None:
        cam = self.camera
        thick = rng.uniform(40.0, 80.0, 2) * size
        gap = rng.uniform(40.0, 260.0) * size
        span = thick.sum() + gap
        top = rng.uniform(0.2 * self.height, 0.8 * self.height - span)
        white_above = rng.random() < 0.75
        first, second = (0, 1) if white_above else (1, 0)
        centre_rows = {first: top + 0.5 * thick[first], second: top + thick[first] + gap + 0.5 * thick[second]}
        tilts = rng.uniform(-0.6, 0.6, 2)
        # The ends 50-150 px inside the undistorted view's borders at the bars' rows (with barrel distortion the
        # captured frame reaches further out than an undistorted view of the same size: ends nearer the captured
        # borders are out of the view the installation measures in).
        mid_row = top + 0.5 * span
        _, yn = cam.lens.undistort(np.array([cam.lens.cx]), np.array([mid_row]))
        y_ideal = cam.lens.f * float(yn[0]) + cam.lens.cy
        left_mm = float(cam.ideal_to_sheet(rng.uniform(50, 150) * size, y_ideal)[0])
        right_mm = float(cam.ideal_to_sheet(self.width - 1 - rng.uniform(50, 150) * size, y_ideal)[0])
        left_mm = round(left_mm, 1)
        length = round((right_mm - left_mm) / math.cos(math.radians(max(abs(tilts[0]), abs(tilts[1])))), 1)
        bars = []
        for i, (name, refl) in enumerate((('white', rng.uniform(0.72, 0.86) * np.array([1.0, 1.0, 0.97])),
                                          ('black', rng.uniform(0.02, 0.045) * np.array([1.0, 1.0, 1.1])))):
            x_row, y_row = cam.pixel_to_sheet(np.array([cam.lens.cx]), np.array([centre_rows[i]]))
            y_left = float(y_row[0]) - (float(x_row[0]) - left_mm) * math.tan(math.radians(tilts[i]))
            bars.append(Bar(name, tuple(float(c) for c in refl), left_mm, y_left, length,
                            float(thick[i] * cam.mm_per_px), float(tilts[i])))
        self.bars = {b.name: b for b in bars}
        self.bar_left_mm, self.bar_length_mm = left_mm, length

    def bar_coverage(self, bar: Bar) -> np.ndarray:
        """Area coverage (H x W) of a bar in the captured frame."""
        c, s = math.cos(math.radians(bar.tilt_deg)), math.sin(math.radians(bar.tilt_deg))
        dx, dy = self.xmap - bar.left_mm, self.ymap - bar.y_left_mm
        along, across = c * dx + s * dy, -s * dx + c * dy
        xu, xv, yu, yv = self._grads
        wa = _ramp_width(c * xu + s * yu, c * xv + s * yv, self.camera.blur_px)
        wb = _ramp_width(-s * xu + c * yu, -s * xv + c * yv, self.camera.blur_px)
        half = 0.5 * bar.thickness_mm
        return (_ss((half - np.abs(across)) / wb) * _ss(along / wa) * _ss((bar.length_mm - along) / wa)).astype(
            np.float32)

    # -- light, glass and sensor ----------------------------------------------------------------------------------
    def _light(self, rng: np.random.Generator) -> None:
        cam = self.camera
        xc, yc = cam.centre_mm
        lamp = (1.0 + rng.uniform(-0.12, 0.12) * (self.xmap - xc) / 1000.0
                + rng.uniform(-0.15, 0.15) * (self.ymap - yc) / 1000.0)
        hx, hy, hs = xc + rng.uniform(-1200, 1200), yc + rng.uniform(-700, 700), rng.uniform(400, 1200)
        lamp += rng.uniform(0.0, 0.35) * np.exp(-0.5 * ((self.xmap - hx) ** 2 + (self.ymap - hy) ** 2) / hs ** 2)
        # Natural vignetting, cos^4-like (1.0 would be the bare law; lenses and shading correction soften it).
        vignette = 1.0 / (1.0 + rng.uniform(*self.VIGNETTING) * self.rn2) ** 2
        # Dirt on the protective glass: out of focus, so soft blobs fixed in the image; their scatter is a haze.
        glass = np.ones((self.height, self.width), np.float32)
        yy, xx = np.mgrid[0:self.height, 0:self.width]
        size = self.width / 1920.0
        for _ in range(int(rng.integers(6, 22))):
            u0, v0 = rng.uniform(0, self.width), rng.uniform(0, self.height)
            tiny = rng.random() < 0.3
            r = (rng.uniform(2.0, 5.0) if tiny else rng.uniform(10.0, 60.0)) * size
            a = rng.uniform(0.25, 0.5) if tiny else rng.uniform(0.03, 0.25)
            r0, r1 = int(max(v0 - 4 * r, 0)), int(min(v0 + 4 * r + 1, self.height))
            c0, c1 = int(max(u0 - 4 * r, 0)), int(min(u0 + 4 * r + 1, self.width))
            d2 = (yy[r0:r1, c0:c1] - v0) ** 2 + (xx[r0:r1, c0:c1] - u0) ** 2
            glass[r0:r1, c0:c1] *= (1.0 - a * np.exp(-0.5 * d2 / (r * r))).astype(np.float32)
        haze = cv2.GaussianBlur(1.0 - glass, (0, 0), 40.0 * size) * rng.uniform(0.0, 0.08)
        self.weak_light = bool(rng.random() < 0.35)
        # Exposure: the white bar at its row in the middle encodes to 0.7-0.95 of full scale (weak: 0.18-0.35).
        self.illum = (lamp * vignette * glass).astype(np.float32)
        white = self.bars['white']
        u, v = cam.sheet_to_pixel(np.array([white.left_mm + 0.5 * white.length_mm]),
                                  np.array([white.y_at(white.left_mm + 0.5 * white.length_mm)]))
        at_bar = float(self.illum[int(round(v[0])), int(round(u[0]))]) * white.reflectance[0]
        target = rng.uniform(0.18, 0.35) if self.weak_light else rng.uniform(0.7, 0.95)
        self.exposure = target / at_bar
        self.veil = (haze * 0.5).astype(np.float32)
        self.gamma = rng.uniform(1.8, 2.4)
        # Noise in encoded grey levels: sd = c0 + c1 * level / 255; the camera's gain raises both in weak light.
        gain = 2.2 if self.weak_light else 1.0
        self.noise_c0 = rng.uniform(0.8, 2.0) * gain
        self.noise_c1 = rng.uniform(0.5, 2.0) * math.sqrt(gain)
        self.flicker = (rng.uniform(0.005, 0.05), rng.uniform(0.5, 12.0), rng.uniform(0, 2 * math.pi))
        self.hot_pixels = (rng.integers(0, self.height, 25), rng.integers(0, self.width, 25),
                           rng.integers(0, 3, 25), rng.uniform(120, 255, 25))
        bank_rng = np.random.default_rng([self.seed, 20261128, 2])
        self._pad = 32
        self._noise_bank = [bank_rng.standard_normal((self.height + self._pad, self.width + self._pad, 3),
                                                     dtype=np.float32) for _ in range(3)]

    def encode(self, linear: np.ndarray) -> np.ndarray:
        """Linear radiance (with the exposure) -> grey levels 0..255 float (the camera's gamma)."""
        return 255.0 * np.power(np.clip(linear * self.exposure, 0.0, 1.0), 1.0 / self.gamma, dtype=np.float32)

    def _static_layer(self, rng: np.random.Generator) -> None:
        res = 1.25
        x0, x1 = float(self.xmap.min()) - 20.0, float(self.xmap.max()) + 20.0
        y0, y1 = float(self.ymap.min()) - 20.0, float(self.ymap.max()) + 20.0
        rows, cols = int((y1 - y0) / res) + 2, int((x1 - x0) / res) + 2
        tex, mod = _furnace_texture(rng, rows, cols, res, x0, y0)
        # Texture blur equal to a pixel's footprint plus the optical blur (in texels).
        sigma = self.camera.mm_per_px * math.sqrt(1.0 / 12.0 + self.camera.blur_px ** 2) / res
        tex = cv2.GaussianBlur(tex, (0, 0), sigma)
        mapx = (self.xmap - x0) / res
        mapy = (self.ymap - y0) / res
        lin = cv2.remap(tex, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        bar_mod = cv2.remap(mod, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        for bar in self.bars.values():
            cover = self.bar_coverage(bar)[:, :, None]
            refl = np.array(bar.reflectance, np.float32)[None, None, :]
            # Paint wear: the white bar a few % darker in patches, the black one a little lighter.
            wear = (1.0 + 0.04 * bar_mod) if bar.name == 'white' else (1.0 + 0.25 * np.abs(bar_mod))
            lin = lin * (1.0 - cover) + refl * wear[:, :, None] * cover
        self.background = lin.astype(np.float32)  # reflectance, no light
        self.static_lin = (lin * self.illum[:, :, None]).astype(np.float32)
        self.static_enc = self.encode(self.static_lin + self.veil[:, :, None])

    # -- the sheet --------------------------------------------------------------------------------------------------
    def make_script(self, seconds: float, colour: str | None = None, kind: int | None = None) -> Script:
        """A sequence's sheet motion and events; `kind` (0-3, default seed % 4) picks the mix:
        0 enters the empty line, drifts and steps; 1 is in view from the start (restart), weaves, a shadow on the
        right, rods, one step; 2 enters, a shadow on the left, steps, rods; 3 in view, drift, weave, steps, shadows
        on both sides."""
        rng = np.random.default_rng([self.seed, 20261128, 3])
        kind = self.seed % 4 if kind is None else kind
        order = ['grey', 'black', 'white', 'red', 'blue', 'cream', 'green', 'orange', 'yellow', 'pink', 'light_grey']
        colour = order[self.seed % len(order)] if colour is None else colour
        n = int(round(seconds * FPS))
        s = self.camera.mm_per_px
        lo, hi = self.bar_left_mm + 60 * s, self.bar_left_mm + self.bar_length_mm - 60 * s
        width = rng.uniform(0.4, 0.72) * (hi - lo)
        centre = 0.5 * (lo + hi) + rng.uniform(-0.5, 0.5) * (hi - lo - width - 200.0)

        def components() -> tuple[tuple[float, float, float], ...]:
            return tuple((rng.uniform(2.0, 14.0), rng.uniform(4.0, 20.0), rng.uniform(0, 2 * math.pi))
                         for _ in range(3))

        drift = (components(), components()) if kind in (0, 3) else (components()[:1], components()[:1])
        weave = (rng.uniform(5.0, 30.0), rng.uniform(2.0, 6.0), rng.uniform(0, 2 * math.pi)) if kind in (1, 3) \
            else None
        enter = kind in (0, 2)
        enter_frame, first_free = None, int(1.0 * FPS)
        lead = {}
        if enter:
            enter_frame = int(rng.integers(15, 40))
            from_top = bool(rng.random() < 0.5)
            speed = rng.uniform(150.0, 600.0)
            y_lo, y_hi = float(self.ymap.min()), float(self.ymap.max())
            lead = {'enter_frame': enter_frame, 'enter_from_top': from_top, 'enter_speed_mm_s': speed,
                    'enter_start_mm': y_lo - 60.0 if from_top else y_hi + 60.0,
                    'lead_tilt': rng.uniform(-0.08, 0.08),
                    'lead_wave': (rng.uniform(0.0, 25.0), rng.uniform(300.0, 1500.0), rng.uniform(0, 2 * math.pi))}
            first_free = enter_frame + int((y_hi - y_lo + 260.0) / speed * FPS) + 20
        shadows = []
        sides = {1: ('right',), 2: ('left',), 3: ('left', 'right')}.get(kind, ())
        for side in sides:
            shadows.append(Shadow(side, rng.uniform(15.0, 70.0), rng.uniform(0.3, 0.7), rng.uniform(6.0, 25.0),
                                  rng.uniform(0.0, 0.3), rng.uniform(1.0, 5.0)))
        base = Script(n, colour, centre, width, drift, weave, (), tuple(shadows), (), **lead)
        # Steps of one edge at about 2 px per frame, each one away from the bar ends.
        steps: list[Step] = []
        per_10s = seconds / 10.0
        count = max(1, round({0: 3, 1: 1, 2: 2, 3: 3}[kind] * per_10s))
        t0 = first_free
        for _ in range(count):
            if t0 >= n - 45:
                break
            start = int(rng.integers(t0, min(t0 + 60, n - 45)))
            edge = 'left' if rng.random() < 0.5 else 'right'
            speed = rng.uniform(1.6, 2.6) * s
            size = rng.uniform(18.0, 40.0) * s
            trial = Script(n, colour, centre, width, drift, weave, tuple(steps), (), ())
            left, right = trial.edges(start)
            sign = 1.0 if rng.random() < 0.5 else -1.0
            # Flip a step that would leave the bars or make the sheet narrower than 30 % of them.
            moved = (left + sign * size, right) if edge == 'left' else (left, right + sign * size)
            if not (lo + 100.0 < moved[0] and moved[1] < hi - 100.0 and moved[1] - moved[0] > 0.3 * (hi - lo)):
                sign = -sign
            frames = max(int(math.ceil(size / speed)), 2)
            steps.append(Step(edge, start, frames, sign * size))
            t0 = start + frames + int(rng.integers(45, 90))
        rods: list[Rod] = []
        if kind in (1, 2) or rng.random() < 0.3:
            t0 = max(first_free - 10, 10)
            for _ in range(max(1, round(2 * per_10s))):
                if t0 >= n - 40:
                    break
                start = int(rng.integers(t0, min(t0 + 90, n - 30)))
                frames = int(rng.integers(30, 90))
                left, right = base.edges(start)
                near = rng.random() < 0.6
                if near:
                    x = (left - rng.uniform(40.0, 160.0)) if rng.random() < 0.5 else (right + rng.uniform(40.0, 160.0))
                else:
                    x = rng.uniform(left + 200.0, right - 200.0)
                rods.append(Rod(start, frames, x, rng.uniform(-80.0, 80.0), rng.uniform(-0.07, 0.07),
                                rng.uniform(25.0, 60.0), rng.uniform(0.05, 0.2), rng.uniform(0.1, 0.5),
                                rng.uniform(4.0, 12.0)))
                t0 = start + frames + 20
        return Script(n, colour, centre, width, drift, weave, tuple(steps), tuple(shadows), tuple(rods), **lead)

    def _sheet_layer(self, script: Script) -> tuple[np.ndarray, np.ndarray]:
        """Linear radiance and grey levels of the frame where the sheet covers everything."""
        rng = np.random.default_rng([self.seed, 20261128, 4])
        refl = np.array(SHEET_COLOURS[script.colour], np.float32)
        tau = TRANSLUCENCY.get(script.colour, 0.0)
        # Streaks along the travel direction: a 1-D profile across the sheet.
        xs = np.arange(float(self.xmap.min()) - 10, float(self.xmap.max()) + 10, 1.0)
        profile = cv2.GaussianBlur(rng.normal(0, 1, (1, xs.size)).astype(np.float32), (0, 0), 12.0)[0]
        profile = 1.0 + 0.03 * profile / max(float(np.abs(profile).max()), 1e-6)
        streak = np.interp(self.xmap, xs, profile).astype(np.float32)
        lin = refl[None, None, :] * ((1.0 - tau) * streak * self.illum)[:, :, None] + tau * self.static_lin
        return lin.astype(np.float32), self.encode(lin + self.veil[:, :, None])

    def _columns(self, x_lo: float, x_hi: float) -> tuple[int, int]:
        """Captured columns whose sheet-plane x reaches into [x_lo, x_hi] on some row."""
        hit = np.nonzero((self.col_xmax >= x_lo) & (self.col_xmin <= x_hi))[0]
        if hit.size == 0:
            return 0, 0
        return int(hit[0]), int(hit[-1]) + 1

    def _composite(self, cols: slice, script: Script, frame: int, sheet: tuple[np.ndarray, np.ndarray],
                   left: float, right: float, rod: Rod | None) -> tuple[np.ndarray, float]:
        """Grey levels of all rows of a column slice with every moving thing drawn; also the sheet's largest
        coverage there (to tell whether any sheet is in view)."""
        x, y, wx = self.xmap[:, cols], self.ymap[:, cols], self.wx[:, cols]
        cover = _ss((x - left) / wx) * _ss((right - x) / wx)
        lead = script.lead_y(frame, x)
        if lead is not None:
            wy = self.wy[:, cols]
            cover = cover * (_ss((lead - y) / wy) if script.enter_from_top else _ss((y - lead) / wy))
        shade = np.ones_like(x)
        for sh in script.shadows:
            width = sh.width_mm * (1.0 + sh.breathing * math.sin(2 * math.pi * frame / FPS / sh.period_s))
            beyond = (left - x) if sh.side == 'left' else (x - right)
            ramp = np.sqrt(wx * wx + sh.penumbra_mm ** 2)
            # Full depth behind the sheet (hidden there) and next to this edge; none beyond the other edge.
            s = 1.0 - sh.depth * (1.0 - _ss((beyond - width) / ramp)) * (beyond > -0.5 * (right - left))
            if lead is not None:  # no shadow where there is no sheet yet
                s = 1.0 - (1.0 - s) * (_ss((lead - y) / 20.0) if script.enter_from_top else _ss((y - lead) / 20.0))
            shade *= s
        lin = (self.static_lin[:, cols] * (shade * (1.0 - cover))[:, :, None]
               + sheet[0][:, cols] * cover[:, :, None])
        if rod is not None:
            xr = rod.x_at(frame) + rod.lean * (y - self.camera.centre_mm[1])
            ramp = np.sqrt(wx * wx + rod.defocus_mm ** 2)
            across = (x - xr) / (0.5 * rod.width_mm)
            r = _ss((0.5 * rod.width_mm - np.abs(x - xr)) / ramp)
            tone = rod.tone + rod.highlight * np.exp(-((across + 0.35) / 0.25) ** 2)
            rod_lin = (tone * self.illum[:, cols])[:, :, None] * np.array([1.0, 1.0, 1.05], np.float32)
            lin = lin * (1.0 - r)[:, :, None] + rod_lin * r[:, :, None]
        return self.encode(lin + self.veil[:, cols, None]), float(cover.max(initial=0.0))

    def covers_both_bars(self, script: Script, frame: int, left: float, right: float) -> bool:
        """Whether the sheet covers both bars over its whole width (always once it has entered)."""
        xs = np.linspace(left, right, 97)
        lead = script.lead_y(frame, xs)
        if lead is None:
            return True
        margin = 2.0 * self.camera.mm_per_px  # the blurred end must be past the bar
        for bar in self.bars.values():
            y = bar.y_at(xs)
            half = bar.half_height_mm()
            if script.enter_from_top and np.any(lead < y + half + margin):
                return False
            if not script.enter_from_top and np.any(lead > y - half - margin):
                return False
        return True

    def render(self, script: Script, frame: int, sheet: tuple[np.ndarray, np.ndarray] | None = None
               ) -> tuple[np.ndarray, FrameTruth]:
        """Frame `frame` of a script: rgb8 (H x W x 3) and its ground truth."""
        if sheet is None:
            sheet = self._sheet_layer(script)
        left, right = script.edges(frame)
        rod = next((r for r in script.rods if r.start <= frame < r.start + r.frames), None)
        enc = self.static_enc.copy()
        entering = script.enter_frame is not None and (
            frame >= script.enter_frame and not self._sheet_past_frame(script, frame, left, right))
        in_view = script.enter_frame is None or frame >= script.enter_frame
        seen = 0.0
        if entering:
            enc, seen = self._composite(slice(0, self.width), script, frame, sheet, left, right, rod)
        elif in_view:
            s = self.camera.mm_per_px
            reach = 8.0 * s + max((sh.width_mm * (1 + sh.breathing) + 3 * sh.penumbra_mm for sh in script.shadows),
                                  default=0.0)
            bands = [self._columns(left - reach, left + 8 * s), self._columns(right - 8 * s, right + reach)]
            inner = self._columns(left + 8 * s, right - 8 * s)
            enc[:, inner[0]:inner[1]] = sheet[1][:, inner[0]:inner[1]]
            if rod is not None:
                xr = rod.x_at(frame)
                extent = abs(rod.lean) * 1500.0 + rod.width_mm + 4 * rod.defocus_mm + 10 * s
                bands.append(self._columns(xr - extent, xr + extent))
            for a, b in _merge(bands):
                enc[:, a:b], cover = self._composite(slice(a, b), script, frame, sheet, left, right, rod)
            seen = 1.0
        elif rod is not None:
            xr = rod.x_at(frame)
            extent = abs(rod.lean) * 1500.0 + rod.width_mm + 4 * rod.defocus_mm + 20
            a, b = self._columns(xr - extent, xr + extent)
            enc[:, a:b], _ = self._composite(slice(a, b), script, frame, sheet, -1e9, -1e9, rod)
        image = self._sensor(enc, frame)
        sheet_in_view = seen > 0.02
        covers = sheet_in_view and self.covers_both_bars(script, frame, left, right)
        truth = FrameTruth(frame, frame / FPS, left if sheet_in_view else math.nan,
                           right if sheet_in_view else math.nan, sheet_in_view, covers,
                           self._situations(script, frame, left, right, rod, sheet_in_view, covers))
        return image, truth

    def _sheet_past_frame(self, script: Script, frame: int, left: float, right: float) -> bool:
        xs = np.linspace(left, right, 97)
        lead = script.lead_y(frame, xs)
        y_lo, y_hi = float(self.ymap.min()), float(self.ymap.max())
        return bool(np.all(lead > y_hi + 40.0)) if script.enter_from_top else bool(np.all(lead < y_lo - 40.0))

    def _situations(self, script: Script, frame: int, left: float, right: float, rod: Rod | None,
                    in_view: bool, covers: bool) -> tuple[str, ...]:
        tags = []
        if not in_view:
            return ('empty',) if rod is None else ('empty', 'rod')
        if script.enter_frame is not None:
            full = self._full_cover_frame(script)
            if not covers or frame < full + 15:
                tags.append('entering')
        elif frame < 15:
            tags.append('restart')
        for step in script.steps:
            if step.start <= frame < step.start + step.frames + 15:
                tags.append('step')
                break
        if script.shadows:
            tags.append('shadow')
        if rod is not None:
            xr = rod.x_at(frame)
            near = min(abs(xr - left), abs(xr - right)) < 0.5 * rod.width_mm + 150.0
            tags.append('rod_near_edge' if near else 'rod')
            hidden = max(self.bars_hiding(rod, frame, left), self.bars_hiding(rod, frame, right))
            if hidden:
                tags.append('edge_behind_rod' if hidden == len(self.bars) else 'edge_behind_rod_one_bar')
        if script.weave is not None:
            tags.append('weave')
        if not tags:
            tags.append('drift')
        return tuple(tags)

    def bars_hiding(self, rod: Rod, frame: int, edge_mm: float) -> int:
        """On how many bars the rod, as drawn (its width plus the reach of its blurred border), lies over an edge at
        `edge_mm`, at the height where the edge crosses the bar's axis: there no camera sees that edge on that bar."""
        reach = 0.5 * rod.width_mm + 0.5 * math.hypot(self.camera.mm_per_px, rod.defocus_mm)
        return sum(abs(edge_mm - rod.x_at(frame) - rod.lean * (float(bar.y_at(edge_mm)) - self.camera.centre_mm[1]))
                   < reach for bar in self.bars.values())

    def _full_cover_frame(self, script: Script) -> int:
        cache = getattr(self, '_full_cache', {})
        key = id(script)
        if key not in cache:
            found = script.frames
            for f in range(script.enter_frame or 0, script.frames):
                if self.covers_both_bars(script, f, *script.edges(f)):
                    found = f
                    break
            cache[key] = found
            self._full_cache = cache
        return cache[key]

    def _sensor(self, enc: np.ndarray, frame: int) -> np.ndarray:
        """Flicker, noise, hot pixels, 8 bits."""
        a, freq, phase = self.flicker
        rng = np.random.default_rng([self.seed, 20261128, 5, frame])
        gain = 1.0 + a * math.sin(2 * math.pi * freq * frame / FPS + phase) + 0.3 * a * rng.standard_normal()
        g = np.float32(gain ** (1.0 / self.gamma))
        bank = self._noise_bank[int(rng.integers(len(self._noise_bank)))]
        dy, dx = rng.integers(0, self._pad, 2)
        noise = bank[dy:dy + self.height, dx:dx + self.width]
        out = enc * (g + np.float32(self.noise_c1 / 255.0) * noise)
        out += np.float32(self.noise_c0) * noise
        out += np.float32(0.5)
        np.clip(out, 0.0, 255.0, out=out)
        image = out.astype(np.uint8)
        rows, cols, chans, values = self.hot_pixels
        image[rows, cols, chans] = np.maximum(image[rows, cols, chans], values.astype(np.uint8))
        return image

    def frames(self, script: Script) -> Iterator[tuple[np.ndarray, FrameTruth]]:
        """Every frame of a script in order."""
        sheet = self._sheet_layer(script)
        for frame in range(script.frames):
            yield self.render(script, frame, sheet)

    def empty_frames(self, count: int = 5) -> list[np.ndarray]:
        """Frames of the empty line (flicker and noise differ)."""
        return [self._sensor(self.static_enc, 100000 + i) for i in range(count)]

    # -- chessboards ------------------------------------------------------------------------------------------------
    def square_mm(self) -> float:
        """The chessboard's square size (mm)."""
        rng = np.random.default_rng([self.seed, 20261128, 6])
        return round(float(rng.uniform(70.0, 110.0)), 1)

    def chessboard_views(self, count: int = 18, which: list[int] | None = None) -> list[np.ndarray]:
        """Views of a 9 x 6 chessboard (square_mm) at random poses, pushed to the frame's borders and corners;
        `which` renders only those of the `count` views (each the same as in the full set)."""
        q = self.square_mm()
        views = []
        for i in range(count):
            if which is None or i in which:
                rng, pose = self._view_pose(i)
                views.append(self._render_board(pose, q, rng))
        return views

    def target_view(self) -> np.ndarray:
        """The chessboard held flat on the sheet plane (its squares along the line), in the middle of the view: the
        installation's alternative to the bars' length for the scale."""
        q = self.square_mm()
        roll = math.radians(self.camera.roll_deg)
        rot = _rotation(0.0, 0.0, -roll)  # sheet-plane axes seen through the camera's roll
        line_z = self.camera.mm_per_px * self.camera.lens.f
        centre = np.array([0.5 * _SQUARES[0] * q, 0.5 * _SQUARES[1] * q, 0.0])
        t = np.array([0.0, 0.0, line_z]) - rot @ centre
        return self._render_board((rot, t), q, np.random.default_rng([self.seed, 20261128, 8]))

    def chessboard_corners(self, index: int) -> np.ndarray:
        """The true inner corners (54 x 2, captured px) of chessboard view `index`."""
        q = self.square_mm()
        _, (rot, t) = self._view_pose(index)
        i, j = np.meshgrid(np.arange(1, _SQUARES[0]), np.arange(1, _SQUARES[1]))
        pts = np.stack([i.ravel() * q, j.ravel() * q, np.zeros(i.size)], axis=1)
        return self._project(rot, t, pts)

    def _view_pose(self, index: int) -> tuple[np.random.Generator, tuple[np.ndarray, np.ndarray]]:
        anchors = [(0, 0), (1, 0), (0, 1), (1, 1), (0.5, 0), (0.5, 1), (0, 0.5), (1, 0.5), (0.5, 0.5)]
        rng = np.random.default_rng([self.seed, 20261128, 7, index])  # each view alone: `which` renders the same
        return rng, self._board_pose(rng, self.square_mm(), anchors[index % len(anchors)], index)

    def _board_outline(self, q: float) -> np.ndarray:
        margin = 0.4 * q
        w, h = _SQUARES[0] * q, _SQUARES[1] * q
        t = np.linspace(0.0, 1.0, 40)
        xs = np.concatenate([-margin + t * (w + 2 * margin), np.full(40, w + margin),
                             w + margin - t * (w + 2 * margin), np.full(40, -margin)])
        ys = np.concatenate([np.full(40, -margin), -margin + t * (h + 2 * margin), np.full(40, h + margin),
                             h + margin - t * (h + 2 * margin)])
        return np.stack([xs, ys, np.zeros_like(xs)], axis=1)

    def _project(self, rot: np.ndarray, t: np.ndarray, pts: np.ndarray) -> np.ndarray:
        cam = pts @ rot.T + t
        if np.any(cam[:, 2] < 100.0):  # behind or at the lens: no image
            return np.full((len(pts), 2), np.nan)
        xn, yn = cam[:, 0] / cam[:, 2], cam[:, 1] / cam[:, 2]
        if np.any(xn * xn + yn * yn > 4.0):  # far outside the field: the distortion polynomial means nothing there
            return np.full((len(pts), 2), np.nan)
        u, v = self.camera.lens.distort(xn, yn)
        return np.stack([u, v], axis=1)

    def _board_pose(self, rng: np.random.Generator, q: float, anchor: tuple[float, float],
                    index: int) -> tuple[np.ndarray, np.ndarray]:
        """A rotation and translation (camera frame, mm) with the board's outline just inside the frame."""
        lens = self.camera.lens
        line_z = self.camera.mm_per_px * lens.f
        outline = self._board_outline(q)
        for _ in range(50):
            ax, ay = np.radians(rng.uniform(-30, 30)), np.radians(rng.uniform(-30, 30))
            az = np.radians(rng.uniform(-15, 15) + (90.0 if index % 5 == 4 else 0.0))
            rot = _rotation(ax, ay, az)
            z = line_z * rng.uniform(0.5, 1.0)
            gap = rng.uniform(4.0, 18.0) * self.width / 1920.0
            t = np.array([0.0, 0.0, z]) - rot @ np.array([0.5 * _SQUARES[0] * q, 0.5 * _SQUARES[1] * q, 0.0])
            target = np.array([[gap, self.width - 1 - gap], [gap, self.height - 1 - gap]])
            for _ in range(30):
                pts = self._project(rot, t, outline)
                if not np.all(np.isfinite(pts)):
                    break
                lo, hi = pts.min(axis=0), pts.max(axis=0)
                shift = np.zeros(2)
                for k, a in enumerate(anchor):
                    if a == 0:
                        shift[k] = target[k, 0] - lo[k]
                    elif a == 1:
                        shift[k] = target[k, 1] - hi[k]
                    else:
                        centre = 0.5 * (target[k, 0] + target[k, 1])
                        shift[k] = centre - 0.5 * (lo[k] + hi[k])
                t = t + np.array([shift[0], shift[1], 0.0]) * t[2] / lens.f
            pts = self._project(rot, t, outline)
            if not np.all(np.isfinite(pts)):
                continue
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            fits = lo[0] >= 1 and lo[1] >= 1 and hi[0] <= self.width - 2 and hi[1] <= self.height - 2
            if fits and (hi - lo).min() > 0.18 * self.height:
                return rot, t
        raise RuntimeError(f'no chessboard pose for anchor {anchor}')

    def _render_board(self, pose: tuple[np.ndarray, np.ndarray], q: float, rng: np.random.Generator) -> np.ndarray:
        rot, t = pose
        pts = self._project(rot, t, self._board_outline(q))
        c0, r0 = np.floor(pts.min(axis=0)).astype(int) - 4
        c1, r1 = np.ceil(pts.max(axis=0)).astype(int) + 5
        c0, r0, c1, r1 = max(c0, 0), max(r0, 0), min(c1, self.width), min(r1, self.height)
        v, u = np.mgrid[r0:r1, c0:c1].astype(np.float64)
        xn, yn = self.camera.lens.undistort(u, v)
        normal = rot[:, 2]
        lam = (normal @ t) / (normal[0] * xn + normal[1] * yn + normal[2])
        p = np.stack([lam * xn - t[0], lam * yn - t[1], lam - t[2]], axis=-1)
        bx, by = p @ rot[:, 0], p @ rot[:, 1]
        bxv, bxu = np.gradient(bx)
        byv, byu = np.gradient(by)
        wbx = _ramp_width(bxu, bxv, self.camera.blur_px)
        wby = _ramp_width(byu, byv, self.camera.blur_px)
        margin = 0.4 * q
        w, h = _SQUARES[0] * q, _SQUARES[1] * q
        paper = (_ss((bx + margin) / wbx) * _ss((w + margin - bx) / wbx) * _ss((by + margin) / wby)
                 * _ss((h + margin - by) / wby))
        area = _ss(bx / wbx) * _ss((w - bx) / wbx) * _ss(by / wby) * _ss((h - by) / wby)

        def signed(coord: np.ndarray, width: np.ndarray, cells: int) -> np.ndarray:
            # +-1 by cell parity, ramping to 0 only at the inner grid lines (the area's border is `area`'s).
            f = coord / q
            k = np.clip(np.floor(f), 0, cells - 1)
            d_lo = np.where(k >= 1, f - k, 10.0)
            d_hi = np.where(k <= cells - 2, k + 1 - f, 10.0)
            dist = np.minimum(d_lo, d_hi) * q
            return np.where(k % 2 == 0, 1.0, -1.0) * np.minimum(1.0, 2.0 * dist / width)

        pattern = 0.5 + 0.5 * signed(bx, wbx, _SQUARES[0]) * signed(by, wby, _SQUARES[1])
        dark = area * pattern
        white, black = 0.82, 0.035
        refl = (white + (black - white) * dark).astype(np.float32)
        light = self.illum[r0:r1, c0:c1] * rng.uniform(0.9, 1.2)
        board = (refl * light)[:, :, None] * np.array([1.0, 1.0, 0.98], np.float32)
        lin = self.static_lin.copy()
        cut = lin[r0:r1, c0:c1]
        lin[r0:r1, c0:c1] = cut * (1.0 - paper)[:, :, None] + board * paper[:, :, None]
        return self._sensor(self.encode(lin + self.veil[:, :, None]), 200000 + int(rng.integers(1 << 20)))


def _rotation(ax: float, ay: float, az: float) -> np.ndarray:
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


def _merge(bands: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping column intervals merged."""
    merged: list[list[int]] = []
    for a, b in sorted(b for b in bands if b[1] > b[0]):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--size', default='1920x1080', help='W x H')
    parser.add_argument('--frames', type=int, nargs='*', default=[0, 60, 120, 180])
    parser.add_argument('--out', type=Path, required=True)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split('x'))
    scene = LineScene(args.seed, width, height)
    args.out.mkdir(parents=True, exist_ok=True)
    script = scene.make_script(max(args.frames) / FPS + 0.1)
    sheet = scene._sheet_layer(script)
    for frame in args.frames:
        image, truth = scene.render(script, frame, sheet)
        cv2.imwrite(str(args.out / f'frame_{frame:04d}.png'), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        print(truth)
    for i, image in enumerate(scene.empty_frames(2)):
        cv2.imwrite(str(args.out / f'empty_{i}.png'), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    for i, image in enumerate(scene.chessboard_views()):
        cv2.imwrite(str(args.out / f'board_{i:02d}.png'), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    print(f'--bar-length-mm {scene.bar_length_mm} --bar-left-mm {scene.bar_left_mm} '
          f'--square-mm {scene.square_mm()}  ({script.colour}, {scene.camera})')


if __name__ == '__main__':
    main()
