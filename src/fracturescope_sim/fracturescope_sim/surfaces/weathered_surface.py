"""Weathered concrete: RGB + thermal inspection frames composited as a stack of layers, like a photo editor.

Texture model: a base albedo from fBm value-noise octaves and Worley (cellular) aggregate made with OpenCV's
labelled distance transform; a finish layer (board or plywood formwork with tie holes, trowel arcs, broom
striations, shotcrete spray, bush-hammer pits, exposed aggregate, tiled precast panels with sealed joints, smooth
formed with lift lines); bugholes; a relief height map in mm. Weathering layers are then blended in multiply /
screen / normal modes: grime, rain streaks, a moss-free biofilm tint, sun bleaching, efflorescence bloom, dust.
Every length is drawn in millimetres and converted with spec.mm_per_px.
Defect models: signed-distance fields. Cracks: distance to random Catmull-Rom skeletons with aggregate-scale
zigzag and tapering width (anti-aliased core for sub-pixel hairlines, spalled lips on wide ones, branches), or
to a warped Voronoi edge network (map cracking). Corrosion: capsule / blob SDF stains with soft falloff, gravity
run-off streak masks, spalls with rusty bar traces, cracks along the bar, and a larger delaminated patch.
Leaks: noisy wet-front SDFs with tide-line rings, drip columns, seeping joints and efflorescence. Unseen kinds:
broken-out areas with ribbed steel bars, foreign objects, buried heat sources, moss / algae / small plants.
Thermal model: a two-node (cover + core) per-pixel surface energy balance stepped implicitly through the last
hour: sun with cloud passages and shadows that move, gusting wind, long-wave exchange with the sky, evaporation,
a deep temperature and buried sources; lateral conduction as per-step Gaussian diffusion; then apparent
temperature from emissivity and reflected radiation. So thermal lags what RGB shows.
Camera model: exposure, defocus / motion blur, lateral chromatic aberration, off-centre colour lens shading,
rolling-shutter flicker bands, RGGB mosaic with shot and read noise, white balance, tone curve, OpenCV
demosaicing, ISP sharpening and a JPEG round trip. Thermal sensor: optics blur, area sampling with a sub-pixel
misregistration, narcissus, row / column fixed-pattern noise, NETD noise, offset error and quantisation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import math

import cv2
import numpy as np

from fracturescope_sim.surfaces.frame import KINDS, FrameSpec, Region, SyntheticFrame

FAMILY = 'weathered'

_F32 = np.float32
_SIGMA_SB = 5.670e-8
_EPS_CAMERA = 0.95        # emissivity the radiometric camera is set to
_STEPS = 18               # implicit time steps over the last hour
_HOUR_S = 3600.0

# Defect footprint on the surface [mm] (log-uniform), before clamping to the frame.
_SIZE_MM = {'crack': (60.0, 1500.0), 'corrosion': (60.0, 700.0), 'leak': (80.0, 1200.0),
            'exposed_rebar': (60.0, 600.0), 'foreign_object': (25.0, 450.0), 'hot_spot': (60.0, 800.0),
            'vegetation': (30.0, 500.0)}


# ----------------------------------------------------------------------------------------------- small helpers
def _u(rng: np.random.Generator, a: float, b: float) -> float:
    return float(rng.uniform(a, b))


def _lu(rng: np.random.Generator, a: float, b: float) -> float:
    return float(math.exp(rng.uniform(math.log(a), math.log(b))))


def _pick(rng: np.random.Generator, options: list[str], p: list[float] | None = None) -> str:
    if p is not None:
        q = np.asarray(p, float)
        return options[int(rng.choice(len(options), p=q / q.sum()))]
    return options[int(rng.integers(len(options)))]


def _sstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) * (1.0 / (e1 - e0)), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(h, dtype=_F32)[:, None], np.arange(w, dtype=_F32)[None, :]


def _down(a: np.ndarray, k: int) -> np.ndarray:
    """Block mean by k (ROIs are k-aligned, so this is exact area sampling onto the thermal work grid)."""
    if k == 1:
        return a.astype(_F32, copy=False)
    return cv2.resize(a.astype(_F32, copy=False), (a.shape[1] // k, a.shape[0] // k), interpolation=cv2.INTER_AREA)


def _blur(a: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; wide kernels go through a shrunken copy to stay cheap."""
    if sigma < 0.3:
        return a
    if sigma <= 6.0 or min(a.shape[:2]) < 16:
        return cv2.GaussianBlur(a, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    f = int(sigma / 3.0)
    h, w = a.shape[:2]
    small = cv2.resize(a, (max(2, w // f), max(2, h // f)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / f, borderType=cv2.BORDER_REFLECT)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _noise(rng: np.random.Generator, h: int, w: int, cell: float, octaves: int = 1, gain: float = 0.5,
           aspect: float = 1.0) -> np.ndarray:
    """fBm value noise of about unit std; features `cell` px across and `cell * aspect` px down."""
    cx, cy = max(float(cell), 1.0), max(float(cell) * aspect, 1.0)
    acc = rng.standard_normal((max(2, int(h / cy) + 2), max(2, int(w / cx) + 2)), dtype=_F32)
    amp = 1.0
    for _ in range(octaves - 1):
        cx, cy = cx * 0.5, cy * 0.5
        if cx < 1.5 or cy < 1.5:
            break
        size = (max(2, int(w / cx) + 2), max(2, int(h / cy) + 2))
        acc = cv2.resize(acc, size, interpolation=cv2.INTER_CUBIC)
        amp *= gain
        acc += amp * rng.standard_normal((size[1], size[0]), dtype=_F32)
    acc -= acc.mean()
    acc *= 1.0 / (float(acc.std()) + 1e-6)
    return cv2.resize(acc, (w, h), interpolation=cv2.INTER_CUBIC)


def _cells(rng: np.random.Generator, h: int, w: int, cell: float, attrs: tuple[Callable[[int], np.ndarray], ...] = ()
           ) -> tuple[np.ndarray, np.ndarray, int, list[np.ndarray]]:
    """Worley noise: F1 distance [px], cell index and per-cell attributes (callables of the cell count) per pixel.

    Big cells are solved on a shrunken grid; F1 and the attributes are then upsampled smoothly, the index by
    nearest neighbour, so nothing blocky reaches the image through F1 or the attributes.
    """
    s = max(1, int(cell / 7.0))
    hs, ws = -(-h // s), -(-w // s)
    c = max(cell / s, 1.5)
    pad = int(c) + 2
    ny, nx = int((hs + 2 * pad) / c) + 1, int((ws + 2 * pad) / c) + 1
    gy, gx = np.mgrid[0:ny, 0:nx].astype(_F32)
    px = ((gx + rng.random((ny, nx), dtype=_F32)) * c).astype(np.int32)
    py = ((gy + rng.random((ny, nx), dtype=_F32)) * c).astype(np.int32)
    seeds = np.ones((hs + 2 * pad, ws + 2 * pad), np.uint8)
    ok = (px < seeds.shape[1]) & (py < seeds.shape[0])
    seeds[py[ok], px[ok]] = 0
    dist, lab = cv2.distanceTransformWithLabels(seeds, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    n = int(lab.max())
    dist, lab = dist[pad:pad + hs, pad:pad + ws], lab[pad:pad + hs, pad:pad + ws] - 1
    maps = [fn(n)[lab].astype(_F32) for fn in attrs]
    if s > 1:
        dist = cv2.resize(dist, (w, h), interpolation=cv2.INTER_LINEAR) * float(s)
        lab = cv2.resize(lab, (w, h), interpolation=cv2.INTER_NEAREST)
        maps = [cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR) for m in maps]
    return dist, lab, n, maps


def _spline(ctrl: np.ndarray, step: float) -> np.ndarray:
    """Catmull-Rom curve through control points, sampled about every `step` px."""
    p = np.vstack([2 * ctrl[0] - ctrl[1], ctrl, 2 * ctrl[-1] - ctrl[-2]])
    seg = float(np.hypot(*np.diff(ctrl, axis=0).T).max())
    m = max(2, int(seg / step) + 1)
    t = np.linspace(0.0, 1.0, m, endpoint=False)[None, :, None]
    p0, p1, p2, p3 = p[:-3, None], p[1:-2, None], p[2:-1, None], p[3:, None]
    out = 0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t * t
                 + (3 * p1 - p0 - 3 * p2 + p3) * t ** 3)
    return np.vstack([out.reshape(-1, 2), ctrl[-1:]])


def _arclen(pts: np.ndarray) -> np.ndarray:
    return np.concatenate(([0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))))


def _zigzag(rng: np.random.Generator, pts: np.ndarray, knot_px: float, amp_px: float) -> np.ndarray:
    """Piecewise-linear lateral jitter along a path: a crack detours around aggregate grains."""
    s = _arclen(pts)
    if s[-1] <= 0:
        return pts
    knots = np.arange(0.0, s[-1] + knot_px, max(knot_px, 1.0))
    off = np.interp(s, knots, rng.uniform(-amp_px, amp_px, len(knots)))
    tang = np.gradient(pts, axis=0)
    tang /= np.maximum(np.hypot(tang[:, 0], tang[:, 1]), 1e-6)[:, None]
    return pts + off[:, None] * np.stack([-tang[:, 1], tang[:, 0]], 1)


def _skeleton_field(h: int, w: int, lines: list[tuple[np.ndarray, np.ndarray]]
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Distance to a set of width-carrying polylines, the width of the nearest skeleton pixel, and an AA core."""
    mask = np.ones((h, w), np.uint8)
    widths = np.zeros((h, w), _F32)
    aa = np.zeros((h, w), np.uint8)
    for pts, wid in lines:
        s = _arclen(pts)
        if len(pts) < 2 or s[-1] <= 0:
            continue
        t = np.arange(0.0, s[-1], 0.5)
        x, y, ww = np.interp(t, s, pts[:, 0]), np.interp(t, s, pts[:, 1]), np.interp(t, s, wid)
        xi, yi = np.rint(x).astype(np.int32), np.rint(y).astype(np.int32)
        ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        mask[yi[ok], xi[ok]] = 0
        widths[yi[ok], xi[ok]] = ww[ok]
        cv2.polylines(aa, [np.rint(pts * 16).astype(np.int32)], False, 255, 1, cv2.LINE_AA, 4)
    if mask.all():
        return None
    d, lab = cv2.distanceTransformWithLabels(mask, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    wmap = widths.ravel()[np.flatnonzero(mask.ravel() == 0)][lab - 1]
    return d, wmap, aa


def _blob(rng: np.random.Generator, h: int, w: int, cx: float, cy: float, rx: float, ry: float,
          rough: float, angle: float = 0.0, octaves: int = 3) -> np.ndarray:
    """Normalised SDF of a noisy ellipse: < 0 inside, 0 on the front, about (r - 1)."""
    yy, xx = _grid(h, w)
    ca, sa = math.cos(angle), math.sin(angle)
    u, v = (xx - cx) * ca + (yy - cy) * sa, (yy - cy) * ca - (xx - cx) * sa
    r = np.sqrt((u / max(rx, 0.5)) ** 2 + (v / max(ry, 0.5)) ** 2)
    if rough > 0:
        r = r + rough * _noise(rng, h, w, max(2.0, 0.45 * min(rx, ry)), octaves)
    return r - 1.0


def _rust_colour(rng: np.random.Generator) -> np.ndarray:
    pal = np.array([[0.50, 0.22, 0.07], [0.30, 0.13, 0.05], [0.24, 0.07, 0.035], [0.52, 0.33, 0.11],
                    [0.38, 0.16, 0.06]], _F32)
    i, j = rng.integers(len(pal), size=2)
    c = pal[i] + _u(rng, 0, 1) * (pal[j] - pal[i])
    grey = float(c.mean())
    return (grey + _u(rng, 0.45, 1.0) * (c - grey)).astype(_F32)


# ----------------------------------------------------------------------------------------------- scene
@dataclass
class _Scene:
    setting: str                 # 'sun', 'overcast', 'night', 'tunnel'
    vertical: bool               # gravity runs down the image (walls, piers, linings) or not (slabs, soffits)
    ta: float                    # air temperature at the end of the hour [degC]
    rh: float
    hc: float                    # mean convective coefficient [W/m2K]
    gust: float                  # relative gust amplitude
    i_sun: float                 # direct sun on the surface plane when unclouded [W/m2]
    i_dif: float                 # diffuse short-wave [W/m2]
    t_sky: float                 # sky radiant temperature [degC]
    f_sky: float                 # sky view factor of the surface
    deep_off: float              # core temperature minus air [K]
    drift: float                 # air warming rate [K/h]
    evap_k: float                # evaporative cooling of a fully wet surface [K]
    core_gap_k: float            # core minus the surface's own equilibrium temperature [K]
    clouds: list[tuple[float, float]]   # times [s, end = 0] when the sun is hidden
    light: tuple[float, float, float]   # unit vector to the key light (x right, y down, z to camera)
    e_dir: float
    e_amb: float
    c_dir: np.ndarray
    c_amb: np.ndarray
    shadow_v: tuple[float, float]       # sun-shadow velocity [RGB px / s]
    lamp: bool                   # lit by a lamp on the robot / tunnel luminaires

    def sun_at(self, t: float) -> float:
        if self.i_sun <= 0:
            return 0.0
        return 0.0 if any(a <= t < b for a, b in self.clouds) else 1.0


def _draw_scene(rng: np.random.Generator, spec: FrameSpec) -> _Scene:
    setting = _pick(rng, ['sun', 'overcast', 'night', 'tunnel'], [0.36, 0.2, 0.14, 0.3])
    ta = float(spec.ambient_c) if spec.ambient_c is not None else _u(rng, 0.0, 45.0)
    vertical = rng.random() < 0.8
    rh = _u(rng, 0.2, 0.9)
    clouds: list[tuple[float, float]] = []
    i_sun, i_dif, lamp = 0.0, 0.0, False
    if setting == 'sun':
        i_sun, i_dif = _u(rng, 250, 850), _u(rng, 50, 160)
        hc, t_sky, f_sky, deep = _u(rng, 6, 25), ta - _u(rng, 10, 25), 0.5, _u(rng, -6, 3)
        r = rng.random()
        if r < 0.3:        # sun went in a few minutes ago: RGB flat, thermal still remembers
            clouds.append((-_u(rng, 60, 1200), 1.0))
        elif r < 0.55:     # sun just came out
            clouds.append((-_HOUR_S - 1, -_u(rng, 60, 900)))
        elif r < 0.75:     # a passing cloud earlier in the hour
            a = -_u(rng, 900, 3300)
            clouds.append((a, a + _u(rng, 120, 800)))
        az = -math.pi / 2 + rng.normal(0, 0.9)
        zen = math.radians(_u(rng, 35, 80))
        light = (math.cos(az) * math.sin(zen), math.sin(az) * math.sin(zen), math.cos(zen))
        e_dir, e_amb = 1.0, _u(rng, 0.18, 0.4)
        c_dir = np.array([1.0, _u(rng, 0.92, 0.98), _u(rng, 0.82, 0.93)], _F32)
        c_amb = np.array([_u(rng, 0.8, 0.9), _u(rng, 0.9, 0.95), 1.05], _F32)
    elif setting == 'overcast':
        i_dif = _u(rng, 60, 300)
        hc, t_sky, f_sky, deep = _u(rng, 5, 20), ta - _u(rng, 1, 7), 0.5, _u(rng, -4, 4)
        light = (rng.normal(0, 0.2), -_u(rng, 0.3, 0.6), 0.0)
        e_dir, e_amb = _u(rng, 0.1, 0.35), 1.0
        c_dir = c_amb = np.array([_u(rng, 0.93, 1.0), _u(rng, 0.97, 1.0), _u(rng, 1.0, 1.07)], _F32)
    elif setting == 'night':
        hc, t_sky, f_sky, deep = _u(rng, 4, 18), ta - _u(rng, 8, 25), 0.5, _u(rng, 1.0, 8.0)
        light = (float(np.clip(rng.normal(0, 0.2), -0.35, 0.35)), float(np.clip(rng.normal(0, 0.2), -0.35, 0.35)), 0.0)
        e_dir, e_amb, lamp = 1.0, _u(rng, 0.02, 0.12), True
        c_dir = np.array(_pick_colour(rng, ['led', 'halogen', 'cool_led']), _F32)
        c_amb = np.array([0.8, 0.85, 1.0], _F32)
    else:
        hc, t_sky, f_sky = _u(rng, 2.5, 8), ta + _u(rng, -1.5, 1.0), 0.0
        deep = _u(rng, 2.5, 8.0) * (1 if rng.random() < 0.5 else -1)
        light = (rng.normal(0, 0.3), -_u(rng, 0.2, 0.8), 0.0)
        e_dir, e_amb, lamp = 1.0, _u(rng, 0.2, 0.6), True
        c_dir = np.array(_pick_colour(rng, ['sodium', 'led', 'cool_led', 'fluorescent', 'halogen']), _F32)
        c_amb = c_dir * np.array([0.95, 1.0, 1.05], _F32)
    lx, ly, lz = light
    if lz == 0.0:
        lz = math.sqrt(max(0.05, 1.0 - min(lx * lx + ly * ly, 0.9)))
    nrm = math.sqrt(lx * lx + ly * ly + lz * lz)
    light = (lx / nrm, ly / nrm, lz / nrm)
    # keep the core at least 4 K away from the surface's own equilibrium: that difference is what makes a
    # delaminated (decoupled) cover visible, and real structures rarely sit at equilibrium with the air
    t_rad = f_sky * t_sky + (1 - f_sky) * ta
    t_eq = (hc * ta + 5.5 * t_rad + 0.6 * (i_dif + i_sun * (0.0 if clouds and clouds[0][1] > 0 else 1.0))) / (hc + 5.5)
    gap_k = ta + deep - t_eq
    if abs(gap_k) < 4.0:
        deep = t_eq - ta + math.copysign(_u(rng, 4.0, 7.0), gap_k if gap_k != 0 else 1.0)
    # evaporative drive: vapour pressure deficit (in K of psychrometric equivalent) and wind
    es = 0.6108 * math.exp(17.27 * ta / (ta + 237.3))
    vpd_k = es * (1 - rh) / 0.066
    drive = min(1.0, vpd_k / 22.0) ** 0.7 * min(1.0, max(0.3, hc / 14.0))
    evap_k = 1.0 + 4.5 * drive * _u(rng, 0.7, 1.0)
    ang = _u(rng, 0, 2 * math.pi)
    v_px = _lu(rng, 30, 500) / 3600.0 / spec.mm_per_px
    v_px = min(v_px, 1.2 * max(spec.width, spec.height) / 3600.0)
    return _Scene(setting, vertical, ta, rh, hc, _u(rng, 0.1, 0.5), i_sun, i_dif, t_sky, f_sky, deep,
                  rng.normal(0, 1.2), evap_k, ta + deep - t_eq, clouds, light, e_dir, e_amb, c_dir, c_amb,
                  (v_px * math.cos(ang), v_px * math.sin(ang)), lamp)


def _pick_colour(rng: np.random.Generator, names: list[str]) -> list[float]:
    table = {'sodium': [1.0, 0.7, 0.36], 'led': [1.0, 0.96, 0.9], 'cool_led': [0.9, 0.97, 1.06],
             'fluorescent': [0.93, 1.0, 0.9], 'halogen': [1.0, 0.84, 0.64]}
    c = table[_pick(rng, names)]
    return [ci * _u(rng, 0.97, 1.03) for ci in c]


# ----------------------------------------------------------------------------------------------- canvas
@dataclass
class _Shadow:
    poly: np.ndarray             # polygon in RGB px at the end of the hour
    penumbra: float              # blur sigma [RGB px]
    strength: float              # fraction of direct light blocked
    t_gone: float                # time [s] after which it is gone (0: still there)
    sun: bool                    # a sun shadow (moves, enters the thermal history) or a lamp shadow


@dataclass
class _Canvas:
    spec: FrameSpec
    k: int
    mpp: float
    h: int
    w: int
    hp: int
    wp: int
    th: int
    tw: int
    alb: np.ndarray
    hgt: np.ndarray
    gloss: np.ndarray
    occl: np.ndarray
    label: np.ndarray
    eps: np.ndarray
    wet: np.ndarray
    g12: np.ndarray
    c1: np.ndarray
    q: np.ndarray
    dt_rel: np.ndarray
    obj_t: np.ndarray
    obj_e: np.ndarray
    obj_a: np.ndarray
    tone: float = 0.3
    shadows: list[_Shadow] = field(default_factory=list)

    @staticmethod
    def make(spec: FrameSpec, k: int) -> _Canvas:
        hp, wp = -(-spec.height // k) * k, -(-spec.width // k) * k
        th, tw = hp // k, wp // k

        def z(v: float = 0.0) -> np.ndarray:
            return np.full((th, tw), v, _F32)
        return _Canvas(spec, k, float(spec.mm_per_px), spec.height, spec.width, hp, wp, th, tw,
                       np.empty((hp, wp, 3), _F32), np.zeros((hp, wp), _F32), np.zeros((hp, wp), _F32),
                       np.ones((hp, wp), _F32), np.zeros((hp, wp), np.uint8),
                       z(0.93), z(), z(1.0), z(1.0), z(), z(), z(), z(0.95), z())

    def rs(self, box: tuple[int, int, int, int]) -> tuple[slice, slice]:
        return slice(box[1], box[3]), slice(box[0], box[2])

    def ws(self, box: tuple[int, int, int, int]) -> tuple[slice, slice]:
        k = self.k
        return slice(box[1] // k, box[3] // k), slice(box[0] // k, box[2] // k)

    def mark(self, box: tuple[int, int, int, int], mask: np.ndarray, kind: str) -> None:
        lab = self.label[self.rs(box)]
        lab[mask & (lab == 0)] = KINDS.index(kind)

    def stain(self, box: tuple[int, int, int, int], alpha: np.ndarray, colour: np.ndarray) -> None:
        """Multiply-mode stain that keeps the texture beneath: factor lerps from 1 to colour / base tone."""
        a = alpha[..., None]
        ratio = colour / self.tone
        ratio = ratio * min(1.0, 1.1 / float(ratio.max()))      # a stain hardly ever brightens the surface
        self.alb[self.rs(box)] *= 1.0 + a * (ratio - 1.0)

    def paint(self, box: tuple[int, int, int, int], alpha: np.ndarray, colour: np.ndarray | float) -> None:
        """Normal-mode layer: covers the surface with `colour` at opacity alpha."""
        view = self.alb[self.rs(box)]
        view += alpha[..., None] * (colour - view)


def _work_factor(spec: FrameSpec) -> int:
    """Thermal work grid = RGB / k with k chosen so the grid is >= 1.25x the thermal sensor."""
    return max(1, int(min(spec.width / (1.25 * spec.thermal_width), spec.height / (1.25 * spec.thermal_height))))


# ----------------------------------------------------------------------------------------------- base texture
_FINISHES = ['smooth', 'board', 'plywood', 'trowel', 'broom', 'shotcrete', 'bush_hammer', 'exposed', 'precast']


def _base_texture(cv: _Canvas, rng: np.random.Generator, sc: _Scene) -> str:
    h, w, mpp = cv.hp, cv.wp, cv.mpp
    finish = _pick(rng, _FINISHES, [0.16, 0.14, 0.13, 0.08 if sc.vertical else 0.2, 0.02 if sc.vertical else 0.12,
                                    0.1, 0.07, 0.06, 0.12])
    tone = _lu(rng, 0.11, 0.5)
    if finish == 'bush_hammer':
        tone = min(0.55, tone * 1.15)
    cv.tone = tone
    tints = [[1, 1, 1], [1.06, 1.0, 0.9], [0.94, 0.99, 1.07], [1.05, 1.03, 0.86], [1.06, 0.98, 0.95],
             [0.96, 1.0, 0.98], [1.02, 1.0, 0.97]]
    tint = np.array(tints[int(rng.integers(len(tints)))], _F32) * (1 + rng.normal(0, 0.015, 3)).astype(_F32)
    lum = np.ones((h, w), _F32)
    hgt = cv.hgt
    # mottling at several scales and a faint colour wander
    lum += _u(rng, 0.03, 0.12) * _noise(rng, h, w, _lu(rng, 30, 300) / mpp, 4)
    sand = max(0.5, _u(rng, 0.3, 1.2) / mpp)
    if sand < 6:
        fine = _noise(rng, h, w, sand, 2)
        lum += _u(rng, 0.02, 0.07) * fine
        hgt += _u(rng, 0.03, 0.12) * fine
    paste = _lu(rng, 1.5, 6.0) / mpp          # cement paste and fine aggregate speckle
    if paste >= 1.0:
        sp = _noise(rng, h, w, paste, 2)
        lum += _u(rng, 0.02, 0.08) * sp
        hgt += _u(rng, 0.03, 0.15) * sp
    chroma = _noise(rng, h, w, _lu(rng, 60, 600) / mpp, 2)
    # aggregate from Worley cells: stones with their own tone, exposed in proportion to the finish
    expose = {'smooth': 0.03, 'board': 0.05, 'plywood': 0.04, 'trowel': 0.06, 'broom': 0.1, 'shotcrete': 0.12,
              'bush_hammer': 0.55, 'exposed': 0.75, 'precast': 0.08}[finish] * _u(rng, 0.5, 1.3)
    stone_rgb = None
    agg_px = _lu(rng, 5, 22) / mpp
    if agg_px >= 3 and expose > 0.02:
        cellp = agg_px * 1.15
        f1, _, _, (rad, sl, sw) = _cells(rng, h, w, cellp, (
            lambda n: rng.uniform(0.3, 0.48, n) * cellp,
            lambda n: rng.choice(np.array([0.5, 0.7, 0.85, 1.0, 1.15, 1.3]), n),
            lambda n: rng.normal(0, 0.06, n)))
        jag = _noise(rng, h, w, max(1.5, agg_px * 0.35), 2) * (0.12 * agg_px)
        inside = rad - f1 - jag
        stone = _sstep(-1.0, 1.0, inside)
        dome = _sstep(0.0, 1.0, inside / (rad + 1.0))      # stones rise gently over their radius
        lum *= 1.0 + expose * stone * (sl - 1.0)
        stone_rgb = (stone * expose, sw)
        relief = 1.2 if finish in ('exposed', 'bush_hammer') else 0.25
        hgt += dome * (relief * min(1.0, agg_px * mpp / 10.0))
    # bugholes: hemispherical pores, most small
    dens = _lu(rng, 150, 3000) * (2.0 if finish == 'smooth' else 1.0)
    area_m2 = h * w * mpp * mpp * 1e-6
    n_p = int(min(rng.poisson(dens * area_m2), 3000))
    if n_p:
        r_mm = np.exp(rng.uniform(math.log(0.4), math.log(7.0), n_p)) ** 1.0
        r_mm = np.minimum(r_mm, np.exp(rng.uniform(math.log(0.4), math.log(7.0), n_p)))
        r_px = r_mm / mpp
        ys, xs = rng.integers(0, h, n_p), rng.integers(0, w, n_p)
        small = (r_px >= 0.35) & (r_px < 1.5)
        hgt[ys[small], xs[small]] -= (r_mm[small] * 0.8).astype(_F32)
        lum[ys[small], xs[small]] *= (1.0 - 0.3 * np.minimum(r_px[small], 1.0)).astype(_F32)
        big = np.flatnonzero(r_px >= 1.5)[:400]
        if len(big):
            pm = np.zeros((h, w), np.uint8)
            for i in big:
                ax = (int(r_px[i] * 16), int(r_px[i] * 16 * _u(rng, 0.6, 1.0)))
                cv2.ellipse(pm, (int(xs[i] * 16), int(ys[i] * 16)), ax, _u(rng, 0, 180), 0, 360,
                            int(min(255, 60 + r_mm[i] * 30)), -1, cv2.LINE_AA, 4)
            pf = cv2.GaussianBlur(pm.astype(_F32) * (1.0 / 255), (0, 0), 0.7)
            hgt -= pf * 3.0
            lum *= 1.0 - 0.25 * np.minimum(pf * 1.6, 1.0)
    _finish_layer(cv, rng, sc, finish, lum, hgt)
    cv.alb[:] = (tone * lum)[..., None] * tint
    cv.alb[..., 0] *= 1.0 + 0.025 * chroma
    cv.alb[..., 2] *= 1.0 - 0.025 * chroma
    if stone_rgb is not None:
        a, sw = stone_rgb
        cv.alb[..., 0] *= 1.0 + a * sw
        cv.alb[..., 2] *= 1.0 - a * sw
    return finish


def _finish_layer(cv: _Canvas, rng: np.random.Generator, sc: _Scene, finish: str, lum: np.ndarray,
                  hgt: np.ndarray) -> None:
    h, w, mpp = cv.hp, cv.wp, cv.mpp
    yy, xx = _grid(h, w)
    if finish == 'board':
        horiz = rng.random() < 0.7
        bw = _u(rng, 75, 200) / mpp
        n_len = h if horiz else w
        coord = np.arange(n_len, dtype=_F32) + _u(rng, 0, bw)
        idx = (coord // bw).astype(np.int32)
        tones = (1.0 + rng.normal(0, 0.045, idx.max() + 2)).astype(_F32)
        prof = tones[idx]
        edge = np.abs(coord - (idx + 0.5) * bw) - 0.5 * bw
        fin = np.exp(-(edge / max(0.6, 1.2 / mpp)) ** 2).astype(_F32)
        prof = prof * (1.0 - _u(rng, 0.05, 0.2) * fin)
        grain_along, grain_across = _u(rng, 40, 200) / mpp, _u(rng, 1.5, 4) / mpp
        if horiz:
            grain = _noise(rng, h, w, grain_along, 3, aspect=grain_across / grain_along)
            lum *= prof[:, None]
            hgt += fin[:, None] * _u(rng, 0.3, 1.5)
        else:
            grain = _noise(rng, h, w, grain_across, 3, aspect=grain_along / grain_across)
            lum *= prof[None, :]
            hgt += fin[None, :] * _u(rng, 0.3, 1.5)
        lum += _u(rng, 0.015, 0.05) * grain
        hgt += _u(rng, 0.1, 0.4) * grain
        _tie_holes(cv, rng, lum, hgt, _u(rng, 450, 900) / mpp)
    elif finish == 'plywood':
        pw, ph = (_u(rng, 1200, 2440) / mpp, _u(rng, 600, 1220) / mpp)
        if rng.random() < 0.5:
            pw, ph = ph, pw
        ox, oy = _u(rng, 0, pw), _u(rng, 0, ph)
        ci = ((np.arange(w) + ox) // pw).astype(np.int32)
        ri = ((np.arange(h) + oy) // ph).astype(np.int32)
        tones = (1.0 + rng.normal(0, 0.05, (ri.max() + 1, ci.max() + 1))).astype(_F32)
        lum *= tones[ri[:, None], ci[None, :]]
        jx = np.abs(((xx + ox) % pw) - 0.5 * pw) - 0.5 * pw
        jy = np.abs(((yy + oy) % ph) - 0.5 * ph) - 0.5 * ph
        jw = max(0.6, _u(rng, 0.8, 2.5) / mpp)
        joint = np.maximum(np.exp(-(jx / jw) ** 2), np.exp(-(jy / jw) ** 2))
        lum *= 1.0 - _u(rng, 0.04, 0.18) * joint
        hgt += joint * _u(rng, 0.3, 1.5)
        _tie_holes(cv, rng, lum, hgt, _u(rng, 500, 700) / mpp)
    elif finish == 'trowel':
        f = max(1, int(min(h, w) / 64))
        hs, ws_ = max(2, h // f), max(2, w // f)
        sy_, sx_ = _grid(hs, ws_)
        acc = np.zeros((hs, ws_), _F32)
        n_arc = int(min(30, 3 + h * w * mpp * mpp * 1e-6 / 0.03))
        for _ in range(n_arc):
            cx_, cy_ = _u(rng, -0.3, 1.3) * ws_, _u(rng, -0.3, 1.3) * hs
            rad = _u(rng, 150, 500) / mpp / f
            bw_ = _u(rng, 15, 70) / mpp / f
            r = np.sqrt((sx_ - cx_) ** 2 + (sy_ - cy_) ** 2)
            acc += _u(rng, -1, 1) * np.exp(-((r - rad) / max(bw_, 0.5)) ** 2)
        acc = cv2.resize(acc, (w, h), interpolation=cv2.INTER_CUBIC)
        lum *= 1.0 + _u(rng, 0.02, 0.06) * acc
        cv.gloss += np.clip(acc, 0, None) * _u(rng, 0.0, 0.06)
    elif finish == 'broom':
        across, along = _u(rng, 1, 3) / mpp, _u(rng, 60, 300) / mpp
        st = _noise(rng, h, w, along, 2, aspect=across / along)
        lum += _u(rng, 0.03, 0.08) * st
        hgt += _u(rng, 0.1, 0.4) * st
    elif finish == 'shotcrete':
        lump = _noise(rng, h, w, _u(rng, 5, 18) / mpp, 4)
        hgt += _u(rng, 0.6, 2.0) * lump
        lum += _u(rng, 0.01, 0.04) * lump
    elif finish == 'bush_hammer':
        # hammer craters: a random half of small Worley cells are pitted, plus granular roughness
        cell = max(1.5, _u(rng, 1.5, 4.0) / mpp)
        frac = _u(rng, 0.3, 0.7)
        f1, _, _, (on,) = _cells(rng, h, w, cell, (lambda n: rng.random(n) < frac,))
        pit = np.clip(1.0 - f1 / (0.6 * cell), 0, 1) ** 0.7 * on
        hgt -= _u(rng, 0.4, 1.5) * pit
        lum *= 1.0 - _u(rng, 0.04, 0.12) * pit
        grain = _noise(rng, h, w, max(0.7, 0.5 / mpp), 1)
        hgt += 0.15 * grain
        lum += 0.04 * grain
    elif finish == 'precast':
        pw, ph = _u(rng, 600, 3000) / mpp, _u(rng, 600, 3000) / mpp
        ox, oy = _u(rng, 0, pw), _u(rng, 0, ph)
        ci = ((np.arange(w) + ox) // pw).astype(np.int32)
        ri = ((np.arange(h) + oy) // ph).astype(np.int32)
        tones = (1.0 + rng.normal(0, 0.06, (ri.max() + 1, ci.max() + 1))).astype(_F32)
        lum *= tones[ri[:, None], ci[None, :]]
        dx = 0.5 * pw - np.abs(((xx + ox) % pw) - 0.5 * pw)      # distance to the nearest joint centre line
        dy = 0.5 * ph - np.abs(((yy + oy) % ph) - 0.5 * ph)
        dj = np.minimum(dx, dy)
        jw, ch = _u(rng, 8, 25) / mpp, _u(rng, 3, 12) / mpp
        joint = _sstep(0.5 * jw + 0.7, 0.5 * jw - 0.7, dj)
        cham = _sstep(0.5 * jw + ch, 0.5 * jw, dj)
        hgt -= cham * (ch * mpp * 0.8) + joint * 8.0
        seal = _u(rng, 0.15, 0.5)
        lum *= 1.0 - joint * (1.0 - seal)
        cv.gloss += joint * _u(rng, 0.0, 0.1)
    else:  # smooth formed: release-agent clouding and a pour lift line
        lum += _u(rng, 0.01, 0.04) * _noise(rng, h, w, _u(rng, 40, 200) / mpp, 2)
        if rng.random() < 0.5:
            y0 = _u(rng, 0, h)
            band = np.exp(-((yy - y0) / max(1.0, _u(rng, 3, 25) / mpp)) ** 2)
            lum *= 1.0 - _u(rng, 0.03, 0.12) * band * (1 + 0.5 * _noise(rng, 1, w, 80 / mpp))
        if rng.random() < 0.4:
            _tie_holes(cv, rng, lum, hgt, _u(rng, 500, 1000) / mpp)


def _tie_holes(cv: _Canvas, rng: np.random.Generator, lum: np.ndarray, hgt: np.ndarray, pitch: float) -> None:
    """Form-tie holes on a grid: plugged with mortar or left open."""
    h, w, mpp = cv.hp, cv.wp, cv.mpp
    ox, oy = _u(rng, 0, pitch), _u(rng, 0, pitch)
    r = _u(rng, 10, 17) / mpp
    if r < 1.0:
        return
    plugged = rng.random() < 0.6
    m = np.zeros((h, w), np.uint8)
    for y in np.arange(oy - pitch, h + pitch, pitch):
        for x in np.arange(ox - pitch, w + pitch, pitch):
            if -r < x < w + r and -r < y < h + r:
                cv2.circle(m, (int(x * 16), int(y * 16)), int(r * 16), 255, -1, cv2.LINE_AA, 4)
    if not m.any():
        return
    mf = m.astype(_F32) * (1.0 / 255)
    ring = np.clip(mf - cv2.erode(mf, np.ones((3, 3), np.uint8)), 0, 1)
    if plugged:
        lum *= 1.0 + mf * _u(rng, -0.2, 0.15) - 0.3 * ring
        hgt -= mf * _u(rng, 1, 5)
    else:
        lum *= 1.0 - 0.75 * mf
        hgt -= mf * 15.0


# ----------------------------------------------------------------------------------------------- weathering
def _weathering(cv: _Canvas, rng: np.random.Generator, sc: _Scene) -> list[str]:
    h, w, mpp = cv.hp, cv.wp, cv.mpp
    alb = cv.alb
    yy, _ = _grid(h, w)
    done: list[str] = []
    yfrac = yy * (1.0 / max(h, 1))
    if rng.random() < 0.8:   # grime: multiply, heavier low on walls or under a ledge
        g = np.clip(0.5 + 0.5 * _noise(rng, h, w, _lu(rng, 80, 800) / mpp, 3), 0, 1)
        ramp = yfrac if rng.random() < 0.6 else 1.0 - yfrac
        g = g * (0.5 + 0.5 * ramp) if sc.vertical else g
        dirt = np.array([_u(rng, 0.5, 0.7), _u(rng, 0.48, 0.62), _u(rng, 0.4, 0.55)], _F32)
        alb *= 1.0 - (_u(rng, 0.1, 0.45) * g)[..., None] * (1.0 - dirt)
        done.append('grime')
    if sc.vertical and rng.random() < 0.6:   # rain streaks: long thin runs washed down from the top
        across = _lu(rng, 3, 15) / mpp
        s = _noise(rng, h, w, across, 2, aspect=_u(rng, 15, 60))
        s = np.clip((s - _u(rng, 0.2, 1.0)) * 1.5, 0, 1)
        start = _u(rng, -0.3, 0.5)
        s *= _sstep(start, start + 0.35, yfrac + 0.15 * _noise(rng, 1, w, across * 3, 1))
        if rng.random() < 0.65:
            alb *= (1.0 - _u(rng, 0.06, 0.25) * s)[..., None]
        else:
            alb *= (1.0 + _u(rng, 0.05, 0.2) * s)[..., None]
        done.append('rain_streaks')
    if rng.random() < 0.35:   # biofilm: desaturated dark olive tint, no green cushions
        b = np.clip(_noise(rng, h, w, _lu(rng, 100, 600) / mpp, 3) * 0.6 + _u(rng, -0.5, 0.2), 0, 1)
        if sc.vertical:
            b *= 0.3 + 0.7 * yfrac
        tintb = np.array([_u(rng, 0.5, 0.62), _u(rng, 0.55, 0.64), _u(rng, 0.5, 0.58)], _F32)
        alb *= 1.0 - (_u(rng, 0.1, 0.4) * b)[..., None] * (1.0 - tintb)
        done.append('biofilm')
    if rng.random() < 0.3:   # sun bleaching: screen towards pale warm grey and desaturate
        bl = np.clip(0.5 + 0.6 * _noise(rng, h, w, _lu(rng, 300, 2000) / mpp, 2), 0, 1) * _u(rng, 0.1, 0.35)
        grey = alb.mean(axis=2, keepdims=True)
        alb += bl[..., None] * (grey - alb)
        alb += (bl * 0.5)[..., None] * (np.array([0.55, 0.54, 0.5], _F32) - alb)
        done.append('sun_bleach')
    if rng.random() < 0.12:   # old dry efflorescence bloom
        e = np.clip(_noise(rng, h, w, _lu(rng, 50, 300) / mpp, 3) - _u(rng, 0.6, 1.4), 0, 1)
        e *= np.clip(0.6 + 0.6 * _noise(rng, h, w, max(0.7, 1.0 / mpp), 1), 0, 1)
        alb += (e * _u(rng, 0.15, 0.4))[..., None] * (np.float32(0.72) - alb)
        done.append('efflorescence_bloom')
    if rng.random() < 0.5:   # dust speckles
        n = int(min(4000, h * w * _u(rng, 0.0005, 0.004)))
        ys, xs = rng.integers(0, h, n), rng.integers(0, w, n)
        alb[ys, xs] *= rng.uniform(0.6, 1.3, (n, 1)).astype(_F32)
    return done


# ----------------------------------------------------------------------------------------------- placement
def _place(rng: np.random.Generator, cv: _Canvas, kinds: tuple[str, ...]) -> dict[str, tuple[int, int, int, int]]:
    """Non-overlapping k-aligned boxes inside the frame, sized in mm and clamped to the frame."""
    w, h, k, mpp = cv.w, cv.h, cv.k, cv.mpp
    uniq = list(dict.fromkeys(kinds))
    n = max(1, len(uniq))
    m = min(w, h)
    hi = 0.92 if n == 1 else max(0.3, 0.95 / math.sqrt(n))
    lo = min(max(8.0, 0.16 * m), hi * m)
    boxes: dict[str, tuple[int, int, int, int]] = {}
    for kind in uniq:
        for attempt in range(60):
            shrink = 0.95 ** attempt
            size = _lu(rng, *_SIZE_MM[kind]) / mpp
            asp = math.exp(rng.normal(0, 0.8 if kind == 'crack' else 0.35))
            bw = min(max(size * math.sqrt(asp), lo), hi * w) * shrink
            bh = min(max(size / math.sqrt(asp), lo), hi * h) * shrink
            bw, bh = max(bw, min(6.0, w)), max(bh, min(6.0, h))
            x0, y0 = _u(rng, 0, max(0.0, w - bw)), _u(rng, 0, max(0.0, h - bh))
            box = (int(x0 // k) * k, int(y0 // k) * k, min(cv.wp, -(-int(x0 + bw) // k) * k),
                   min(cv.hp, -(-int(y0 + bh) // k) * k))
            if box[2] - box[0] < k or box[3] - box[1] < k:
                continue
            if all(box[2] + k <= b[0] or b[2] + k <= box[0] or box[3] + k <= b[1] or b[3] + k <= box[1]
                   for b in boxes.values()):
                boxes[kind] = box
                break
    return boxes


def _dims(box: tuple[int, int, int, int]) -> tuple[int, int]:
    return box[3] - box[1], box[2] - box[0]


# ----------------------------------------------------------------------------------------------- cracks
def _crack_lines(rng: np.random.Generator, bh: int, bw: int, mpp: float, w_mm: float, branches: int
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    long_x = bw >= bh
    a, b = (float(bw), float(bh)) if long_x else (float(bh), float(bw))
    p0 = np.array([_u(rng, 0.0, 0.12) * a, _u(rng, 0.1, 0.9) * b])
    p1 = np.array([_u(rng, 0.88, 1.0) * a, _u(rng, 0.1, 0.9) * b])
    if not long_x:
        p0, p1 = p0[::-1], p1[::-1]
    if rng.random() < 0.5:
        p0, p1 = p1, p0
    lines = [(_tortuous(rng, p0, p1, mpp, _u(rng, 0.1, 0.6)), None)]
    main = lines[0][0]
    s = _arclen(main)
    u = s / max(s[-1], 1e-6)
    f0, f1 = _u(rng, 0.05, 0.5), _u(rng, 0.05, 0.5)
    taper = np.clip(np.minimum(u / f0, (1 - u) / f1), 0, 1) ** 0.7
    wobble = np.exp(0.35 * np.interp(s, np.linspace(0, s[-1], 12), rng.normal(0, 1, 12)))
    wid = (w_mm / mpp) * (0.08 + 0.92 * taper) * wobble
    out = [(main, wid)]
    for _ in range(branches):
        i = int(rng.integers(len(main) // 5, max(len(main) // 5 + 1, 4 * len(main) // 5)))
        tang = main[min(i + 1, len(main) - 1)] - main[max(i - 1, 0)]
        ang = math.atan2(tang[1], tang[0]) + (1 if rng.random() < 0.5 else -1) * _u(rng, 0.4, 1.2)
        length = _u(rng, 0.2, 0.6) * s[-1]
        q1 = main[i] + length * np.array([math.cos(ang), math.sin(ang)])
        q1 = np.clip(q1, [0, 0], [bw - 1, bh - 1])
        if np.hypot(*(q1 - main[i])) < 4:
            continue
        br = _tortuous(rng, main[i], q1, mpp, _u(rng, 0.1, 0.5))
        sb = _arclen(br)
        wb = wid[i] * _u(rng, 0.35, 0.75) * (1 - sb / max(sb[-1], 1e-6)) ** 0.8
        out.append((br, wb))
    return out


def _tortuous(rng: np.random.Generator, p0: np.ndarray, p1: np.ndarray, mpp: float, tort: float) -> np.ndarray:
    """Spline skeleton from p0 to p1 with a bridged random-walk meander and aggregate-scale zigzag."""
    length = float(np.hypot(*(p1 - p0)))
    n = 3 + int(rng.integers(0, 5))
    t = np.linspace(0, 1, n)
    walk = np.cumsum(rng.normal(0, 1, n))
    walk -= walk[0] + t * (walk[-1] - walk[0])
    d = (p1 - p0) / max(length, 1e-6)
    off = walk * tort * length / n
    ctrl = p0[None] + t[:, None] * (p1 - p0)[None] + off[:, None] * np.array([-d[1], d[0]])[None]
    pts = _spline(ctrl, 2.0)
    agg = _u(rng, 3, 15) / mpp
    pts = _zigzag(rng, pts, agg, _u(rng, 0.15, 0.45) * agg)
    return _zigzag(rng, pts, agg * 0.3, 0.12 * agg)


def _map_network(rng: np.random.Generator, bh: int, bw: int, mpp: float) -> tuple[np.ndarray, np.ndarray]:
    cell = float(np.clip(_lu(rng, 40, 250) / mpp, 6.0, max(6.0, min(bh, bw) / 2.5)))
    cell = max(cell, min(bh, bw) / 10.0)
    _, lab, _, _ = _cells(rng, bh, bw, cell)
    yy, xx = _grid(bh, bw)
    amp = cell * _u(rng, 0.06, 0.18)
    mx = (xx + amp * _noise(rng, bh, bw, cell * 0.35, 3)).astype(_F32)
    my = (yy + amp * _noise(rng, bh, bw, cell * 0.35, 3)).astype(_F32)
    labw = cv2.remap(lab.astype(_F32), mx, my, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    edge = np.zeros((bh, bw), bool)
    edge[:, 1:] |= labw[:, 1:] != labw[:, :-1]
    edge[1:, :] |= labw[1:, :] != labw[:-1, :]
    d = cv2.distanceTransform(np.where(edge, 0, 1).astype(np.uint8), cv2.DIST_L2, 3)
    wmap = (_lu(rng, 0.08, 1.0) / mpp) * np.exp(0.45 * _noise(rng, bh, bw, cell * 0.7, 2))
    win = _sstep(0.05, -0.25, _blob(rng, bh, bw, bw / 2, bh / 2, bw / 2, bh / 2, 0.15))
    gap = _sstep(-0.7, 0.1, _noise(rng, bh, bw, cell * 1.3, 2))
    return d, (wmap * win * gap).astype(_F32)


def _crack(cv: _Canvas, rng: np.random.Generator, sc: _Scene, box: tuple[int, int, int, int]) -> str:
    bh, bw = _dims(box)
    mpp = cv.mpp
    variant = _pick(rng, ['hairline', 'single', 'branching', 'wide', 'map'], [0.22, 0.22, 0.22, 0.14, 0.2])
    aa = None
    if variant == 'map':
        d, wmap = _map_network(rng, bh, bw, mpp)
    else:
        w_mm = {'hairline': (0.05, 0.3), 'single': (0.3, 1.5), 'branching': (0.2, 2.0), 'wide': (2.0, 8.0)}[variant]
        nb = int(rng.integers(1, 4)) if variant == 'branching' else int(rng.random() < 0.2)
        res = _skeleton_field(bh, bw, _crack_lines(rng, bh, bw, mpp, _lu(rng, *w_mm), nb))
        if res is None:
            return variant
        d, wmap, aa = res
    return _paint_crack(cv, rng, box, d, wmap, aa, variant, 'crack')


def _paint_crack(cv: _Canvas, rng: np.random.Generator, box: tuple[int, int, int, int], d: np.ndarray,
                 wmap: np.ndarray, aa: np.ndarray | None, variant: str, kind: str,
                 colour: np.ndarray | None = None) -> str:
    """Shade a crack from its distance field: dark cavity, dirty / moist margin, spalled lips, thermal trace."""
    mpp, rs = cv.mpp, cv.rs(box)
    bh, bw = d.shape
    d = np.minimum(d, 1e4)            # no skeleton in the ROI gives FLT_MAX distances
    live = wmap > 0.02
    wv = np.where(live, np.maximum(wmap, 0.4), 0.0)          # dirt and micro-spalls keep hairlines faintly visible
    cov = np.clip(wv * 0.5 + 0.5 - d, 0, 1) * np.minimum(wv, 1.0)
    if aa is not None:
        cov = np.maximum(cov, aa * (np.minimum(wv, 1.0) * (1.0 / 255)))
    dark = _u(rng, 0.55, 0.8) if variant in ('hairline', 'map') else _u(rng, 0.7, 0.92)
    halo_px = max(0.7, _u(rng, 0.3, 2.5) / mpp)
    halo = np.exp(-(d / (wv * 0.5 + halo_px)) ** 2) * live
    hs = _u(rng, 0.03, 0.16)
    factor = (1.0 - dark * cov) * (1.0 - hs * halo * (1 - cov))
    cv.alb[rs] *= factor[..., None]
    if colour is not None:
        cv.stain(box, cov * 0.5 + 0.4 * halo, colour)
    cv.hgt[rs] -= cov * np.minimum(wv * mpp * 3.0, 25.0)
    mask = cov > 0.06
    if variant == 'wide':
        lip_px = _u(rng, 1.5, 6.0) * wv.max() * 0.25 + _u(rng, 1, 6) / mpp
        n01 = np.clip(0.5 + 0.4 * _noise(rng, bh, bw, max(2.0, lip_px), 2), 0, 1)
        lip = _sstep(0.0, -1.5, d - wv * 0.5 - lip_px * n01) * (1 - cov) * live
        cv.hgt[rs] -= lip * _u(rng, 1, 6)
        cv.alb[rs] *= (1.0 + lip * _u(rng, -0.25, 0.2) * (1 + 0.3 * _noise(rng, bh, bw, 2.0)))[..., None]
        mask |= lip > 0.3
    # thermal: a moist crack is a thin cool line, a deep open one a small discontinuity, a dry one nothing
    wsl = cv.ws(box)
    moist = rng.random() < 0.55
    if moist:
        band = np.exp(-(d / (wv * 0.5 + _u(rng, 2, 12) / mpp)) ** 2) * live
        cv.wet[wsl] = np.maximum(cv.wet[wsl], _down(band, cv.k) * _u(rng, 0.3, 1.5))
        cv.alb[rs] *= (1.0 - _u(rng, 0.03, 0.12) * band)[..., None]
    if variant in ('wide', 'single', 'branching') and rng.random() < 0.5:
        cv.g12[wsl] *= 1.0 - 0.6 * _down(np.minimum(cov * 3, 1.0), cv.k)
    cv.eps[wsl] += (0.975 - cv.eps[wsl]) * _down(cov, cv.k)
    mask = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    cv.mark(box, mask, kind)
    return variant


# ----------------------------------------------------------------------------------------------- corrosion
def _corrosion(cv: _Canvas, rng: np.random.Generator, sc: _Scene, box: tuple[int, int, int, int]) -> str:
    bh, bw = _dims(box)
    mpp, rs, wsl = cv.mpp, cv.rs(box), cv.ws(box)
    variant = _pick(rng, ['runoff', 'spalling', 'bar_crack', 'stain', 'point_bleed'], [0.26, 0.2, 0.18, 0.2, 0.16])
    yy, xx = _grid(bh, bw)
    rust = _rust_colour(rng)
    horiz = rng.random() < (0.65 if sc.vertical else 0.5)
    # work in bar coordinates: a along the bar, b across it (b grows downwards for a horizontal bar)
    along, across = (xx, yy) if horiz else (yy, xx)
    la, lb = (bw, bh) if horiz else (bh, bw)
    bar_r = max(0.5, _u(rng, 4, 14) / mpp)
    if variant == 'runoff' and horiz:
        b_bar = _u(rng, 0.15, 0.35) * lb
    else:
        b_bar = _u(rng, 0.35, 0.65) * lb
    a0, a1 = _u(rng, 0.12, 0.35) * la, _u(rng, 0.65, 0.88) * la
    if variant == 'point_bleed':
        a0 = a1 = _u(rng, 0.35, 0.65) * la
    meander = _noise(rng, bh, bw, max(2.0, la / 3), 2) * (0.02 * lb)
    da = np.maximum(np.maximum(a0 - along, along - a1), 0)
    db = across - b_bar + meander
    dist = np.sqrt(da * da + db * db)
    r_st = min(bar_r * _u(rng, 0.8, 2.0) + _u(rng, 1.5, 8) / mpp, 0.2 * lb)
    mott = np.clip(0.8 + 0.25 * _noise(rng, bh, bw, max(1.5, r_st), 3), 0.3, 1.2)
    # intermittent blotches along the bar where the cover is thinnest
    cell_a = max(2.0, _u(rng, 15, 80) / mpp)
    if horiz:
        along_mod = _noise(rng, 1, bw, cell_a, 2)
    else:
        along_mod = _noise(rng, bh, 1, 1.0, 2, aspect=cell_a)
    along_mod = np.clip(_u(rng, 0.3, 0.9) + 0.6 * along_mod, 0.1, 1.0)
    core = np.exp(-(np.maximum(dist - 0.2 * r_st, 0) / r_st) ** 1.3) * along_mod
    halo = np.exp(-(dist / min(r_st * _u(rng, 1.5, 3.0), 0.3 * lb)) ** 2) * _u(rng, 0.08, 0.3)
    alpha = (core * _u(rng, 0.6, 0.95) + halo) * mott
    spall = None
    if sc.vertical and (variant in ('runoff', 'point_bleed') or rng.random() < 0.4):
        # run-off falls from the bar in sparse streaks, each with its own strength and length
        col_cell = max(1.2, _u(rng, 1.5, 6) / mpp)
        cols = np.clip((_noise(rng, 1, bw, col_cell, 2) - _u(rng, -0.4, 0.5)) * 2.0, 0, 1)
        if horiz:
            src = core.max(axis=0, keepdims=True)
            ys_start = b_bar
        else:
            src = np.exp(-((xx - b_bar) / max(2.0, r_st * _u(rng, 0.8, 2.0))) ** 2)
            ys_start = a1 if variant != 'point_bleed' else a0
        length = (bh - ys_start) * np.clip(0.5 + 0.35 * _noise(rng, 1, bw, col_cell * 2, 1), 0.1, 1.0)
        dy = yy - ys_start
        streak = cols * src * np.exp(-np.maximum(dy, 0) / np.maximum(length, 1.0)) * _sstep(-r_st, 0, dy)
        streak = _blur(streak.astype(_F32), max(0.0, 0.4 / mpp))
        alpha = alpha + streak * _u(rng, 0.5, 0.95) * (1 - np.minimum(alpha, 1))
    if variant == 'spalling':
        cx, cy = ((a0 + a1) / 2, b_bar) if horiz else (b_bar, (a0 + a1) / 2)
        rx = (a1 - a0) / 2 * _u(rng, 0.5, 0.9) if horiz else _u(rng, 0.15, 0.3) * bw
        ry = _u(rng, 0.15, 0.3) * bh if horiz else (a1 - a0) / 2 * _u(rng, 0.5, 0.9)
        sdf = _blob(rng, bh, bw, cx, cy, max(rx, 3), max(ry, 3), _u(rng, 0.1, 0.3))
        spall = _sstep(0.03, -0.03, sdf)
        floor = _sstep(0.0, -0.25, sdf)
        depth = _u(rng, 6, 30)
        rough = _noise(rng, bh, bw, max(1.5, 4 / mpp), 3)
        cv.hgt[rs] -= spall * (depth * (0.4 + 0.6 * floor) + 2.5 * rough)
        broken = _u(rng, 0.6, 1.05) * (1 + 0.15 * rough)
        cv.alb[rs] *= (1.0 + spall * (broken - 1.0))[..., None]
        # the bar itself, rusty, inside the spall
        u = (across - b_bar) / bar_r
        on = (np.abs(u) < 1) & (spall > 0.5) & (along >= a0) & (along <= a1)
        bar_alpha = on * _sstep(1.0, 0.7, np.abs(u))
        cv.hgt[rs] += bar_alpha * (depth * 0.6 + bar_r * mpp * np.sqrt(np.clip(1 - u * u, 0, 1)))
        dark_rust = rust * _u(rng, 0.35, 0.7)
        cv.paint(box, bar_alpha * 0.9, dark_rust * (0.8 + 0.2 * (1 + rough[..., None] * 0.3)))
        alpha = alpha * (1.0 - 0.6 * spall)
        cv.g12[wsl] *= 1.0 + _down(spall, cv.k)
        cv.eps[wsl] += (0.9 - cv.eps[wsl]) * _down(bar_alpha, cv.k)
    win = _sstep(0, 0.12 * bw, xx) * _sstep(bw, 0.88 * bw, xx) * _sstep(0, 0.1 * bh, yy) * _sstep(bh, 0.9 * bh, yy)
    alpha = np.clip(alpha, 0, 1) * win
    cv.stain(box, alpha, rust)
    mask = alpha > 0.1
    if spall is not None:
        mask |= spall > 0.5
    if variant == 'bar_crack':
        if horiz:
            p0, p1 = np.array([a0, b_bar]), np.array([a1, b_bar])
        else:
            p0, p1 = np.array([b_bar, a0]), np.array([b_bar, a1])
        pts = _tortuous(rng, p0, p1, mpp, 0.05)
        s = _arclen(pts)
        wid = (_lu(rng, 0.2, 1.5) / mpp) * (0.3 + 0.7 * np.clip(np.sin(np.pi * s / max(s[-1], 1)), 0, 1) ** 0.5)
        res = _skeleton_field(bh, bw, [(pts, wid)])
        if res is not None:
            _paint_crack(cv, rng, box, res[0], res[1], res[2], 'single', 'corrosion', rust * 0.6)
    # delaminated cover: an air gap over a patch larger than the stain
    cx, cy = ((a0 + a1) / 2, b_bar) if horiz else (b_bar, (a0 + a1) / 2)
    ext_a = max((a1 - a0) / 2 + r_st * _u(rng, 1.5, 4.0), _u(rng, 0.25, 0.4) * la)
    ext_b = max(r_st * _u(rng, 2.5, 6.0), _u(rng, 0.25, 0.4) * lb)
    rx, ry = (ext_a, ext_b) if horiz else (ext_b, ext_a)
    rx, ry = min(rx, bw * 0.5), min(ry, bh * 0.5)
    dsdf = _blob(rng, bh, bw, cx, cy, rx, ry, 0.12)
    delam = _sstep(0.1, -0.25, dsdf)
    # air gap: the cover over it follows the air, sky and sun instead of the core; stronger drive, weaker gap
    gap = _u(rng, 0.02, 0.1) * (1.0 + min(2.0, max(0.0, abs(sc.core_gap_k) - 8.0) / 6.0))
    delam = _sstep(0.1, -0.25, dsdf)
    dw = _down(delam, cv.k)
    cv.g12[wsl] *= 1.0 - (1.0 - gap) * dw
    cv.c1[wsl] *= 1.0 - 0.35 * dw
    mask |= delam > 0.5
    cv.mark(box, mask, 'corrosion')
    return variant


# ----------------------------------------------------------------------------------------------- leaks
def _wet_front(rng: np.random.Generator, bh: int, bw: int, vertical: bool, src: tuple[float, float],
               rx: float, ry_up: float, ry_dn: float, rough: float) -> np.ndarray:
    """Normalised radius of a gravity-stretched noisy wet front (1 = front)."""
    yy, xx = _grid(bh, bw)
    dx, dy = xx - src[0], yy - src[1]
    if vertical:
        ry = np.where(dy > 0, ry_dn, ry_up)
        rxe = rx * (1.0 + 0.5 * np.clip(dy / max(ry_dn, 1.0), 0, 1))
    else:
        ry, rxe = ry_dn, rx
    r = np.sqrt((dx / np.maximum(rxe, 1.0)) ** 2 + (dy / np.maximum(ry, 1.0)) ** 2)
    return r + rough * _noise(rng, bh, bw, max(2.0, 0.5 * min(rx, ry_dn)), 4, gain=0.55)


def _leak(cv: _Canvas, rng: np.random.Generator, sc: _Scene, box: tuple[int, int, int, int]) -> str:
    bh, bw = _dims(box)
    mpp, rs, wsl = cv.mpp, cv.rs(box), cv.ws(box)
    variants = ['wet_patch', 'tide_line', 'drip_runs', 'efflorescence', 'joint_seep']
    variant = _pick(rng, variants, [0.22, 0.22, 0.22 if sc.vertical else 0.0, 0.18, 0.16])
    yy, xx = _grid(bh, bw)
    if sc.vertical:
        src = (_u(rng, 0.3, 0.7) * bw, _u(rng, 0.06, 0.25) * bh)
        rx = _u(rng, 0.5, 0.9) * min(src[0], bw - src[0]) / 1.6
        ry_up = min(_u(rng, 0.04, 0.15) * bh + 1, 0.6 * src[1])
        ry_dn = (bh - src[1]) * (_u(rng, 0.25, 0.45) if variant == 'drip_runs' else _u(rng, 0.5, 0.85))
    else:
        src = (_u(rng, 0.4, 0.6) * bw, _u(rng, 0.4, 0.6) * bh)
        rx, ry_up = _u(rng, 0.25, 0.42) * bw, 0.0
        ry_dn = _u(rng, 0.25, 0.42) * bh
    if variant == 'joint_seep':
        yj = src[1]
        dy = yy - yj
        fall = (bh - yj) * _u(rng, 0.3, 0.8) if sc.vertical else _u(rng, 0.1, 0.3) * bh
        cols = np.clip(0.7 + 0.35 * _noise(rng, 1, bw, max(2.0, bw / 4), 2), 0.3, 1)
        cols = cols * (0.2 + 0.8 * _sstep(0, 0.15 * bw, xx) * _sstep(bw, 0.85 * bw, xx))
        r = np.where(dy >= 0, dy / (max(fall, 1.0) * cols), -dy / max(2.0, 0.15 * fall))
        r = r + 0.06 * _noise(rng, bh, bw, max(2.0, fall * 0.4), 3)
        p0, p1 = np.array([0.0, yj]), np.array([bw - 1.0, yj])
        jp = _tortuous(rng, p0, p1, mpp, 0.03)
        res = _skeleton_field(bh, bw, [(jp, np.ones(len(jp)))])
        joint = np.exp(-(res[0] / 1.2) ** 2) if res is not None else 0.0
        cv.alb[rs] *= (1.0 - 0.45 * joint)[..., None]
        cv.hgt[rs] -= joint * 3.0
    else:
        r = _wet_front(rng, bh, bw, sc.vertical, src, rx, ry_up, ry_dn, _u(rng, 0.04, 0.12))
    wet = _sstep(1.0, 1.0 - _u(rng, 0.08, 0.3), r) * np.clip(1.15 - 0.5 * r, 0.4, 1.0)
    mask = wet > 0.12
    if variant == 'drip_runs':
        runs = np.zeros((bh, bw), _F32)
        n_runs = int(rng.integers(2, 9))
        for _ in range(n_runs):
            x0 = src[0] + rng.normal(0, rx * 0.5)
            y0 = src[1] + ry_dn * _u(rng, 0.5, 0.9)
            y1 = y0 + (bh - y0) * _u(rng, 0.5, 1.0)
            ys = np.linspace(y0, y1, 24)
            xs = x0 + np.cumsum(rng.normal(0, max(0.3, 0.4 / mpp), 24))
            wr = max(1, int(round(_u(rng, 2, 10) / mpp)))
            pts = np.rint(np.stack([xs, ys], 1) * 16).astype(np.int32)
            cv2.polylines(runs, [pts], False, _u(rng, 0.6, 1.0), wr, cv2.LINE_8, 4)
        runs = _blur(runs, max(0.5, _u(rng, 0.5, 2.0) / mpp)) * (1.0 - 0.6 * _sstep(0.3 * bh, bh, yy))
        wet = np.maximum(wet, np.clip(runs * 1.4, 0, 1))
        mask |= runs > 0.2
    darken = _u(rng, 0.35, 0.6) * (1.0 + 0.15 * _noise(rng, bh, bw, max(1.5, 5 / mpp), 2))
    cv.alb[rs] *= (1.0 - np.minimum(wet * 1.5, 1.0) * darken)[..., None]     # damp shows almost as dark as wet
    cv.gloss[rs] += wet * _u(rng, 0.04, 0.35)
    if variant in ('tide_line', 'joint_seep') or rng.random() < 0.25:
        scale = max(1.0, min(rx, ry_dn))
        ring_w = max(0.6, _u(rng, 1, 4) / mpp) / scale
        salt = rng.random() < 0.45
        rings = np.zeros((bh, bw), _F32)
        for level in sorted(rng.uniform(1.02, 1.35, int(rng.integers(1, 4)))):
            rings = np.maximum(rings, np.exp(-((r - level) / ring_w) ** 2) * _u(rng, 0.5, 1.0))
        rings *= _sstep(-0.8, 0.2, _noise(rng, bh, bw, max(2.0, scale * 0.3), 2))
        if salt:
            cv.paint(box, rings * _u(rng, 0.3, 0.7), np.array([0.72, 0.71, 0.68], _F32))
        else:
            cv.stain(box, rings * _u(rng, 0.4, 0.8), np.array([0.14, 0.11, 0.08], _F32) * (cv.tone / 0.25))
        older = _sstep(1.4, 1.1, r) * (1 - _sstep(1.1, 0.95, r))
        cv.alb[rs] *= (1.0 - 0.06 * older)[..., None]
        mask |= rings > 0.3
    if variant == 'efflorescence':
        # white crystalline deposits: streaky, strongest along the drying front and below it
        asp = _u(rng, 6, 20) if sc.vertical else 1.0
        st = _noise(rng, bh, bw, max(1.0, _u(rng, 1.5, 5) / mpp), 3, aspect=asp)
        zone = _sstep(1.35, 0.9, r) * (0.5 + 0.5 * _sstep(0.5, 1.0, r))
        if sc.vertical:
            zone = zone * (0.4 + 0.6 * _sstep(src[1], bh, yy))
        crystals = np.clip(1 + 0.25 * _noise(rng, bh, bw, max(0.6, 0.5 / mpp)), 0.6, 1.4)
        crust = _sstep(0.2, 0.6, _noise(rng, bh, bw, max(1.5, _u(rng, 3, 15) / mpp), 3) + _u(rng, -0.3, 0.5))
        eff = np.maximum(np.clip(st * 0.6 + _u(rng, 0.1, 0.6), 0, 1) ** 1.5, crust) * zone * crystals
        eff = np.clip(eff, 0, 1)
        cv.paint(box, eff * _u(rng, 0.5, 0.9), np.array([0.8, 0.8, 0.77], _F32))
        cv.hgt[rs] += eff * 0.3
        mask |= eff > 0.15
    wdown = _down(wet, cv.k)
    cv.wet[wsl] = np.maximum(cv.wet[wsl], wdown * sc.evap_k)
    cv.eps[wsl] += (0.965 - cv.eps[wsl]) * wdown
    cv.g12[wsl] *= 1.0 + 0.4 * wdown          # moisture conducts heat better
    cv.mark(box, mask, 'leak')
    return variant


# ----------------------------------------------------------------------------------------------- exposed rebar
def _exposed_rebar(cv: _Canvas, rng: np.random.Generator, sc: _Scene, box: tuple[int, int, int, int]) -> str:
    bh, bw = _dims(box)
    mpp, rs, wsl = cv.mpp, cv.rs(box), cv.ws(box)
    variant = _pick(rng, ['single_bar', 'parallel_bars', 'mesh'])
    yy, xx = _grid(bh, bw)
    sdf = _blob(rng, bh, bw, bw / 2, bh / 2, bw * _u(rng, 0.36, 0.48), bh * _u(rng, 0.36, 0.48), _u(rng, 0.1, 0.22))
    sdf = sdf + 0.05 * _noise(rng, bh, bw, max(1.5, min(bh, bw) * 0.04), 1)
    area = _sstep(0.02, -0.02, sdf)
    depth = _u(rng, 15, 50)
    rough = _noise(rng, bh, bw, max(1.5, 5 / mpp), 3)
    floor = _sstep(0.0, -0.2, sdf)
    cv.hgt[rs] -= area * (depth * (0.3 + 0.7 * floor) + 3.0 * rough)
    cv.alb[rs] *= (1.0 + area * (_u(rng, 0.65, 1.05) * (1 + 0.18 * rough) - 1.0))[..., None]
    steel = np.array([0.2, 0.2, 0.21], _F32) * _u(rng, 0.65, 1.25)
    dia = _u(rng, 10, 32) / mpp
    bars = []
    if variant == 'mesh':
        bars = [(True, _u(rng, 0.35, 0.65) * bh), (False, _u(rng, 0.35, 0.65) * bw)]
    elif variant == 'parallel_bars':
        horiz = rng.random() < 0.6
        n = int(rng.integers(2, 4))
        span = bh if horiz else bw
        bars = [(horiz, (0.25 + 0.5 * (i + _u(rng, 0.2, 0.8)) / n) * span) for i in range(n)]
    else:
        horiz = rng.random() < 0.6
        bars = [(horiz, _u(rng, 0.35, 0.65) * (bh if horiz else bw))]
    bar_all = np.zeros((bh, bw), _F32)
    pitch = max(2.0, 0.7 * dia)
    for horiz, c in bars:
        across, along = (yy - c, xx) if horiz else (xx - c, yy)
        u = across / (dia / 2)
        body = _sstep(1.0, 0.85, np.abs(u)) * _sstep(-0.05, -0.12, sdf)
        if not body.any():
            continue
        # transverse ribs and the two longitudinal ribs of deformed bar
        rib = np.maximum((np.sin(2 * np.pi * along / pitch + 0.6 * u) > 0.6).astype(_F32),
                         np.exp(-((np.abs(u) - 0.75) / 0.08) ** 2))
        cv.hgt[rs] = cv.hgt[rs] * (1 - body) + body * (-depth * 0.4 + (dia / 2) * mpp * (np.sqrt(
            np.clip(1 - u * u, 0, 1)) + 0.08 * rib))
        scale = np.clip(0.8 + 0.3 * _noise(rng, bh, bw, max(1.5, _u(rng, 3, 12) / mpp), 2), 0.4, 1.3)
        col = steel * ((1.0 - 0.2 * rib) * scale)[..., None]
        cv.paint(box, body, col)
        bar_all = np.maximum(bar_all, body)
    if rng.random() < 0.4:       # a few rust flecks on otherwise clean steel
        fl = np.clip(_noise(rng, bh, bw, max(1.0, 1.5 / mpp), 1) - 1.6, 0, 1) * bar_all
        cv.stain(box, fl, _rust_colour(rng))
    cv.gloss[rs] += bar_all * _u(rng, 0.12, 0.45)
    bw_ = _down(bar_all, cv.k)
    aw = _down(area, cv.k)
    cv.eps[wsl] += (_u(rng, 0.15, 0.4) - cv.eps[wsl]) * bw_
    cv.g12[wsl] *= (1.0 + 0.5 * aw) * (1.0 + 3.0 * bw_)
    cv.c1[wsl] *= 1.0 - 0.3 * aw
    cv.mark(box, cv2.dilate((area > 0.5).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool), 'exposed_rebar')
    return variant


# ----------------------------------------------------------------------------------------------- foreign objects
_OBJECTS = {'cable': (150, 2000), 'glove': (180, 280), 'bottle': (180, 330), 'bag': (200, 500), 'tool': (150, 350),
            'tape': (50, 250), 'zip_tie': (100, 300), 'bolt': (25, 70), 'cap': (25, 40)}


def _object_shape(rng: np.random.Generator, obj: str, bh: int, bw: int, mpp: float
                  ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray, float]]]:
    """Mask (uint8) and coloured parts (mask, rgb, gloss) of an object, drawn with cv2 primitives."""
    m = np.zeros((bh, bw), np.uint8)
    lo, hi = _OBJECTS[obj]
    size = min(bh, bw) if obj == 'cable' else min(min(bh, bw), _lu(rng, lo, hi) / mpp)
    c = np.array([_u(rng, 0.5 * size, max(0.5 * size, bw - 0.5 * size)),
                  _u(rng, 0.5 * size, max(0.5 * size, bh - 0.5 * size))])
    ang = _u(rng, 0, 180)
    parts: list[tuple[np.ndarray, np.ndarray, float]] = []
    vivid = [[0.6, 0.25, 0.02], [0.02, 0.02, 0.02], [0.7, 0.55, 0.02], [0.03, 0.12, 0.5], [0.5, 0.02, 0.02],
             [0.6, 0.6, 0.6], [0.05, 0.3, 0.05], [0.35, 0.02, 0.3]]

    def colour() -> np.ndarray:
        return np.array(vivid[int(rng.integers(len(vivid)))], _F32) * _u(rng, 0.7, 1.1)

    def rot(pts: np.ndarray) -> np.ndarray:
        a = math.radians(ang)
        rm = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        return (pts @ rm.T + c)

    def fill(pts: np.ndarray, target: np.ndarray) -> None:
        cv2.fillPoly(target, [np.rint(pts * 16).astype(np.int32)], 255, cv2.LINE_AA, 4)

    if obj in ('cable', 'zip_tie'):
        thick = max(2.0, (_u(rng, 5, 25) if obj == 'cable' else _u(rng, 3, 8)) / mpp)
        ctrl = np.stack([np.linspace(-0.1, 1.1, 5) * bw, rng.uniform(0.2, 0.8, 5) * bh], 1)
        if rng.random() < 0.5:
            ctrl = ctrl[:, ::-1] * np.array([bw / max(bh, 1), bh / max(bw, 1)])
        if obj == 'zip_tie':
            ctrl = np.stack([np.linspace(0.15, 0.85, 4) * bw, rng.uniform(0.35, 0.65, 4) * bh], 1)
        pts = _spline(ctrl, 2.0)
        cv2.polylines(m, [np.rint(pts * 16).astype(np.int32)], False, 255, max(1, int(thick)), cv2.LINE_AA, 4)
        parts.append((m, colour(), _u(rng, 0.2, 0.6)))
    elif obj == 'glove':
        s = size * 0.42
        palm = np.zeros_like(m)
        cv2.ellipse(palm, (int(c[0] * 16), int(c[1] * 16)), (int(s * 0.45 * 16), int(s * 0.55 * 16)), ang, 0, 360,
                    255, -1, cv2.LINE_AA, 4)
        m |= palm
        a = math.radians(ang)
        for i in range(5):
            fa = a - math.pi / 2 + (i - 1.5) * 0.28 + (0.9 if i == 4 else 0.0)
            base = c + np.array([math.cos(fa), math.sin(fa)]) * s * 0.4
            tip = c + np.array([math.cos(fa), math.sin(fa)]) * s * (0.95 if i != 4 else 0.7) * _u(rng, 0.85, 1.0)
            cv2.line(m, tuple(np.rint(base * 16).astype(int)), tuple(np.rint(tip * 16).astype(int)), 255,
                     max(1, int(s * 0.17)), cv2.LINE_AA, 4)
        cuff = rot(np.array([[-0.45, 0.45], [0.45, 0.45], [0.5, 0.85], [-0.5, 0.85]]) * s)
        fill(cuff, m)
        parts.append((m, colour(), 0.05))
    elif obj == 'bottle':
        ln, r = size * 0.45, size * _u(rng, 0.1, 0.16)
        body = rot(np.array([[-ln, -r], [ln * 0.55, -r], [ln * 0.8, -r * 0.45], [ln, -r * 0.4], [ln, r * 0.4],
                             [ln * 0.8, r * 0.45], [ln * 0.55, r], [-ln, r]]))
        fill(body, m)
        lab_m = np.zeros_like(m)
        fill(rot(np.array([[-ln * 0.5, -r], [ln * 0.1, -r], [ln * 0.1, r], [-ln * 0.5, r]])), lab_m)
        cap = np.zeros_like(m)
        fill(rot(np.array([[ln, -r * 0.42], [ln * 1.12, -r * 0.42], [ln * 1.12, r * 0.42], [ln, r * 0.42]])), cap)
        m |= cap
        tintc = np.array(_pick_colour(rng, ['cool_led', 'fluorescent', 'halogen']), _F32) * 0.5
        parts += [(m, tintc, 0.7), (lab_m, colour(), 0.2), (cap, colour(), 0.3)]
    elif obj == 'bag':
        sdf = _blob(rng, bh, bw, c[0], c[1], size * 0.4, size * 0.3, 0.3, math.radians(ang))
        m = (_sstep(0.03, -0.03, sdf) * 255).astype(np.uint8)
        bagc = np.array([[0.8, 0.8, 0.78], [0.03, 0.1, 0.4], [0.03, 0.03, 0.03], [0.7, 0.6, 0.05]][int(
            rng.integers(4))], _F32)
        parts.append((m, bagc, 0.5))
    elif obj == 'tool':
        ln, r = size * 0.45, size * 0.06
        handle = np.zeros_like(m)
        fill(rot(np.array([[-ln, -r], [ln * 0.2, -r], [ln * 0.2, r], [-ln, r]])), handle)
        head = np.zeros_like(m)
        if rng.random() < 0.5:   # hammer
            fill(rot(np.array([[ln * 0.2, -r * 4], [ln * 0.5, -r * 4], [ln * 0.5, r * 4], [ln * 0.2, r * 4]])), head)
        else:                    # spanner jaw
            fill(rot(np.array([[ln * 0.2, -r * 0.8], [ln, -r * 0.8], [ln, r * 0.8], [ln * 0.2, r * 0.8]])), head)
            cv2.circle(head, tuple(np.rint(rot(np.array([[ln, 0.0]]))[0] * 16).astype(int)), int(r * 2.5 * 16), 255,
                       -1, cv2.LINE_AA, 4)
        m = handle | head
        parts += [(handle, colour(), 0.2), (head, np.array([0.35, 0.36, 0.38], _F32), 0.8)]
    elif obj == 'tape':
        ln, r = size * 0.4, min(size * 0.2, max(2.0, 24 / mpp))
        pts = rot(np.array([[-ln, -r], [ln, -r], [ln + r * 0.2, 0], [ln, r], [-ln, r], [-ln - r * 0.2, 0]]))
        fill(pts, m)
        tapec = np.array([[0.55, 0.56, 0.58], [0.05, 0.05, 0.05], [0.7, 0.6, 0.05], [0.45, 0.45, 0.42]][int(
            rng.integers(4))], _F32)
        parts.append((m, tapec, 0.4))
    elif obj == 'bolt':   # hex head and a threaded shank
        hr_ = size * 0.2
        head = np.zeros_like(m)
        hexa = np.array([[math.cos(a_) * hr_, math.sin(a_) * hr_] for a_ in np.arange(6) * math.pi / 3])
        fill(rot(hexa - np.array([size * 0.3, 0.0])), head)
        shank = np.zeros_like(m)
        fill(rot(np.array([[-size * 0.3, -hr_ * 0.45], [size * 0.5, -hr_ * 0.45], [size * 0.5, hr_ * 0.45],
                           [-size * 0.3, hr_ * 0.45]])), shank)
        m = head | shank
        steel = np.array([0.33, 0.33, 0.34], _F32) if rng.random() < 0.6 else np.array([0.35, 0.2, 0.1], _F32)
        parts += [(head, steel, 0.7), (shank, steel * 0.85, 0.6)]
    else:   # bottle cap
        r = size * 0.45
        cv2.circle(m, (int(c[0] * 16), int(c[1] * 16)), int(r * 16), 255, -1, cv2.LINE_AA, 4)
        parts.append((m, colour(), 0.3))
    return m, parts


def _foreign_object(cv: _Canvas, rng: np.random.Generator, sc: _Scene, box: tuple[int, int, int, int]) -> str:
    bh, bw = _dims(box)
    mpp, rs, wsl = cv.mpp, cv.rs(box), cv.ws(box)
    size_mm = min(bh, bw) * mpp
    fits = [o for o, (a, b) in _OBJECTS.items() if a <= size_mm * 1.2 and b >= size_mm * 0.5]
    obj = _pick(rng, fits or list(_OBJECTS))
    mask8, parts = _object_shape(rng, obj, bh, bw, mpp)
    alpha = mask8.astype(_F32) * (1.0 / 255)
    if not alpha.any():
        return obj
    inner = cv2.distanceTransform((mask8 > 127).astype(np.uint8), cv2.DIST_L2, 3)
    thick_mm = {'cable': 8, 'glove': 12, 'bottle': 35, 'bag': 40, 'tool': 15, 'tape': 0.4, 'zip_tie': 2,
                'bolt': 6, 'cap': 8}[obj]
    edge_r = max(1.0, min(float(inner.max()), thick_mm / mpp))
    dome = np.sqrt(np.clip(inner / edge_r, 0, 1))
    stand = 0.0 if obj == 'tape' else _u(rng, 0, 10)
    surf = (stand + thick_mm * dome) * alpha
    if obj == 'bag':
        surf += alpha * 4.0 * _noise(rng, bh, bw, max(2.0, 12 / mpp), 3, aspect=_u(rng, 0.3, 3))
    if obj == 'glove':
        surf += alpha * 0.4 * _noise(rng, bh, bw, max(0.7, 1.5 / mpp), 1)
    cv.hgt[rs] = cv.hgt[rs] * (1 - alpha) + surf
    for pm, col, gl in parts:
        pa = pm.astype(_F32) * (1.0 / 255)
        if obj == 'bottle' and gl > 0.6:
            # clear plastic: the wall shows through, tinted, with bright rims
            cv.alb[rs] *= (1.0 - pa[..., None] * (1.0 - (0.55 + col)))
            cv.gloss[rs] += pa * gl
            continue
        tex = 1.0 + 0.06 * _noise(rng, bh, bw, max(0.8, 2 / mpp), 1)
        cv.paint(box, pa, col * tex[..., None])
        cv.gloss[rs] += pa * gl
    # soft drop shadow away from the key light, by the stand-off distance
    lx, ly, lz = sc.light
    off = (stand + thick_mm * 0.5) / mpp / max(lz, 0.2)
    mshift = np.float32([[1, 0, -lx * off], [0, 1, -ly * off]])
    sh = cv2.warpAffine(alpha, mshift, (bw, bh), borderMode=cv2.BORDER_CONSTANT)
    sh = _blur(sh, max(0.5, off * 0.3))
    cv.occl[rs] *= 1.0 - 0.8 * sh * (1 - alpha)
    # own temperature and emissivity; thin PE bags are half transparent in the long-wave IR
    t_off = {'cable': _u(rng, -1, 15), 'glove': _u(rng, 0, 9), 'bottle': _u(rng, -15, 2), 'bag': _u(rng, -2, 8),
             'tool': _u(rng, -3, 4), 'tape': _u(rng, -1, 1), 'zip_tie': _u(rng, -1, 3), 'bolt': _u(rng, -3, 3),
             'cap': _u(rng, -3, 5)}[obj]
    if sc.i_sun > 0 and obj in ('bag', 'cable', 'glove'):
        t_off += _u(rng, 1, 8)
    eps = {'tool': 0.3, 'bolt': 0.25, 'tape': 0.3 if parts[0][1].mean() > 0.5 else 0.92}.get(obj, _u(rng, 0.88, 0.96))
    opacity = _u(rng, 0.4, 0.7) if obj == 'bag' else 1.0
    aw = _down(alpha, cv.k) * opacity
    cv.obj_a[wsl] = np.maximum(cv.obj_a[wsl], aw)
    cv.obj_t[wsl] = np.where(aw > 0, sc.ta + t_off, cv.obj_t[wsl])
    cv.obj_e[wsl] = np.where(aw > 0, eps, cv.obj_e[wsl])
    cv.mark(box, cv2.dilate((alpha > 0.35).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool),
            'foreign_object')
    return obj


# ----------------------------------------------------------------------------------------------- hot spot
def _hot_spot(cv: _Canvas, rng: np.random.Generator, sc: _Scene, box: tuple[int, int, int, int]) -> str:
    bh, bw = _dims(box)
    mpp, rs, wsl = cv.mpp, cv.rs(box), cv.ws(box)
    variant = _pick(rng, ['pipe', 'fault', 'cable_run', 'heated_panel'])
    yy, xx = _grid(bh, bw)
    peak = _u(rng, 8, 60)
    edge = _sstep(0, 0.25 * bw, xx) * _sstep(bw, 0.75 * bw, xx) * _sstep(0, 0.2 * bh, yy) * _sstep(bh, 0.8 * bh, yy)
    if variant == 'pipe':
        horiz = rng.random() < 0.5
        sig = min(_u(rng, 25, 110) / mpp, 0.2 * (bh if horiz else bw))
        c = _u(rng, 0.35, 0.65) * (bh if horiz else bw)
        d = (yy - c) if horiz else (xx - c)
        prof = np.exp(-0.5 * (d / max(sig, 1.0)) ** 2) * (0.85 + 0.15 * _noise(rng, bh, bw, max(2, sig * 3), 2))
    elif variant == 'cable_run':
        cp = _tortuous(rng, np.array([0.05 * bw, _u(rng, 0.2, 0.8) * bh]),
                       np.array([0.95 * bw, _u(rng, 0.2, 0.8) * bh]), mpp, 0.3)
        res = _skeleton_field(bh, bw, [(cp, np.ones(len(cp)))])
        sig = min(_u(rng, 12, 40) / mpp, 0.15 * min(bh, bw))
        prof = np.exp(-0.5 * (res[0] / max(sig, 1.0)) ** 2) if res is not None else np.zeros((bh, bw), _F32)
    elif variant == 'heated_panel':
        sdf = _blob(rng, bh, bw, bw / 2, bh / 2, 0.38 * bw, 0.38 * bh, 0.0)
        rect = np.maximum(np.abs(xx - bw / 2) / (0.35 * bw), np.abs(yy - bh / 2) / (0.35 * bh))
        prof = _sstep(1.15, 0.75, np.minimum(rect, sdf + 1.0))
        peak = min(peak, _u(rng, 8, 25))
    else:
        sig = min(_u(rng, 15, 120) / mpp, 0.22 * min(bh, bw))
        cx, cy = _u(rng, 0.4, 0.6) * bw, _u(rng, 0.4, 0.6) * bh
        prof = np.exp(-0.5 * (((xx - cx) ** 2 + ((yy - cy) / _u(rng, 0.6, 1.5)) ** 2) / max(sig, 1.0) ** 2))
    prof = (prof * edge).astype(_F32)
    cv.q[wsl] += _down(prof, cv.k) * peak
    if rng.random() < 0.45:   # faint RGB trace: dried lighter surface or heat discolouration
        cv.alb[rs] *= (1.0 + prof * _u(rng, -0.06, 0.08))[..., None]
    cv.mark(box, prof > 0.3, 'hot_spot')
    return variant


# ----------------------------------------------------------------------------------------------- vegetation
def _vegetation(cv: _Canvas, rng: np.random.Generator, sc: _Scene, box: tuple[int, int, int, int]) -> str:
    bh, bw = _dims(box)
    mpp, rs, wsl = cv.mpp, cv.rs(box), cv.ws(box)
    variant = _pick(rng, ['moss', 'algae', 'plant', 'grass'], [0.4, 0.2, 0.22, 0.18])
    yy, xx = _grid(bh, bw)
    greens = np.array([[0.09, 0.2, 0.035], [0.04, 0.09, 0.02], [0.2, 0.27, 0.05], [0.12, 0.16, 0.05],
                       [0.06, 0.17, 0.05]], _F32)
    g0, g1 = greens[rng.integers(len(greens), size=2)]
    if variant in ('moss', 'algae'):
        sdf = _blob(rng, bh, bw, bw / 2, bh / 2, 0.42 * bw, 0.42 * bh, _u(rng, 0.2, 0.45), octaves=4)
        cover = _sstep(0.05, -0.08, sdf)
        mix = np.clip(0.5 + 0.5 * _noise(rng, bh, bw, max(2.0, 15 / mpp), 2), 0, 1)[..., None]
        col = g0 + mix * (g1 - g0)
        if variant == 'moss':
            cell = max(2.0, _u(rng, 3, 12) / mpp)
            f1, _, _, _ = _cells(rng, bh, bw, cell)
            dome = np.clip(1 - (f1 / (cell * 0.65)) ** 2, 0, 1)
            fuzz = 1 + 0.3 * _noise(rng, bh, bw, max(0.6, 0.8 / mpp), 1)
            cover = cover * _sstep(0.0, 0.25, dome + 0.15)
            cv.hgt[rs] += cover * dome * _u(rng, 2, 8)
            cv.paint(box, cover * 0.95, col * (0.6 + 0.5 * dome)[..., None] * fuzz[..., None])
            cool = _u(rng, 0.8, 3.0)
        else:
            streak = _noise(rng, bh, bw, max(1.0, 6 / mpp), 2, aspect=8.0 if sc.vertical else 1.0)
            cover = cover * np.clip(0.6 + 0.4 * streak, 0, 1)
            cv.stain(box, cover * _u(rng, 0.6, 0.95), col * 1.2)
            cv.gloss[rs] += cover * 0.1
            cool = _u(rng, 1.0, 2.5)
        wd = _down(cover, cv.k)
        cv.wet[wsl] = np.maximum(cv.wet[wsl], wd * cool)
        cv.eps[wsl] += (0.975 - cv.eps[wsl]) * wd
        cv.mark(box, cover > 0.3, 'vegetation')
        return variant
    # plants and grass tufts growing out of a crack or joint near the bottom of the box
    base = np.array([_u(rng, 0.35, 0.65) * bw, _u(rng, 0.75, 0.92) * bh])
    m = np.zeros((bh, bw), np.uint8)
    shade = np.zeros((bh, bw), _F32)
    reach = 0.75 * min(bh, bw * 1.3)
    n = int(rng.integers(3, 9)) if variant == 'plant' else int(rng.integers(8, 25))
    for _ in range(n):
        ang = -math.pi / 2 + rng.normal(0, 0.6)
        length = reach * _u(rng, 0.4, 1.0)
        bend = rng.normal(0, 0.4)
        t = np.linspace(0, 1, 12)[:, None]
        dirs = np.stack([np.cos(ang + bend * t[:, 0]), np.sin(ang + bend * t[:, 0])], 1)
        pts = base + np.cumsum(dirs, 0) * (length / 12)
        # tapered blade / stem as a polygon, narrowing to its tip
        half = 0.5 * max(1.0, (_u(rng, 0.8, 2.5) if variant == 'plant' else _u(rng, 1.0, 3.5)) / mpp)
        nrm = np.stack([-dirs[:, 1], dirs[:, 0]], 1) * (half * (1.0 - 0.85 * t))
        poly = np.rint(np.vstack([pts + nrm, (pts - nrm)[::-1]]) * 16).astype(np.int32)
        cv2.fillPoly(m, [poly], 255, cv2.LINE_AA, 4)
        cv2.fillPoly(shade, [poly], _u(rng, 0.4, 1.2), cv2.LINE_8, 4)
        if variant == 'plant':
            for j in range(3, 12, 3):
                la = ang + bend * t[j, 0] + (1 if j % 2 else -1) * _u(rng, 0.5, 1.2)
                ll = max(2.0, min(_u(rng, 8, 40) / mpp, 0.3 * reach))
                ctr = pts[j] + 0.5 * ll * np.array([math.cos(la), math.sin(la)])
                cv2.ellipse(m, (int(ctr[0] * 16), int(ctr[1] * 16)), (int(ll * 8), int(ll * _u(rng, 2, 4))),
                            math.degrees(la), 0, 360, 255, -1, cv2.LINE_AA, 4)
                cv2.ellipse(shade, (int(ctr[0] * 16), int(ctr[1] * 16)), (int(ll * 8), int(ll * 3)),
                            math.degrees(la), 0, 360, _u(rng, 0.6, 1.2), -1, cv2.LINE_AA, 4)
    a = m.astype(_F32) * (1.0 / 255)
    cv.alb[rs] *= (1.0 - 0.3 * np.exp(-((xx - base[0]) ** 2 + (yy - base[1]) ** 2) / max(4.0, (reach * 0.08) ** 2))
                   )[..., None]
    mix = np.clip(0.5 + 0.5 * _noise(rng, bh, bw, max(1.5, 6 / mpp), 1), 0, 1)[..., None]
    col = (g0 + mix * (g1 - g0)) * (0.8 + 0.5 * np.where(shade > 0, shade, 0.8)[..., None])
    inner = cv2.distanceTransform((m > 127).astype(np.uint8), cv2.DIST_L2, 3)
    cv.hgt[rs] += a * 0.3 * np.sqrt(np.minimum(inner, 4.0)) * mpp
    cv.paint(box, a, col)
    cv.gloss[rs] += a * 0.1
    lx, ly, lz = sc.light
    off = _u(rng, 5, 20) / mpp / max(lz, 0.2)
    sh = cv2.warpAffine(a, np.float32([[1, 0, -lx * off], [0, 1, -ly * off]]), (bw, bh))
    cv.occl[rs] *= 1.0 - 0.5 * _blur(sh, max(0.5, off * 0.4)) * (1 - a)
    aw = _down(a, cv.k)
    sunlit = 1.0 if sc.i_sun > 0 else 0.0        # leaves stay near air temperature while the wall bakes
    cv.dt_rel[wsl] -= aw * (_u(rng, 0.5, 3.0) + sunlit * _u(rng, 1.0, 4.0))
    cv.eps[wsl] += (0.97 - cv.eps[wsl]) * aw
    cv.mark(box, cv2.dilate((a > 0.3).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool), 'vegetation')
    return variant


_RENDERERS = {'crack': _crack, 'corrosion': _corrosion, 'leak': _leak, 'exposed_rebar': _exposed_rebar,
              'foreign_object': _foreign_object, 'hot_spot': _hot_spot, 'vegetation': _vegetation}


# ----------------------------------------------------------------------------------------------- distractors
def _free_box(rng: np.random.Generator, cv: _Canvas, bw: float, bh: float,
              taken: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int] | None:
    k = cv.k
    bw, bh = max(float(k), min(bw, cv.w)), max(float(k), min(bh, cv.h))
    for _ in range(12):
        x0, y0 = _u(rng, 0, max(0.0, cv.w - bw)), _u(rng, 0, max(0.0, cv.h - bh))
        box = (int(x0 // k) * k, int(y0 // k) * k, min(cv.wp, -(-int(x0 + bw) // k) * k),
               min(cv.hp, -(-int(y0 + bh) // k) * k))
        if box[2] > box[0] and box[3] > box[1] and all(
                box[2] <= b[0] or b[2] <= box[0] or box[3] <= b[1] or b[3] <= box[1] for b in taken):
            return box
    return None


def _line_across(rng: np.random.Generator, cv: _Canvas) -> tuple[np.ndarray, np.ndarray]:
    """Distance [px] to a random straight line through the frame (mostly horizontal / vertical), and its normal."""
    yy, xx = _grid(cv.hp, cv.wp)
    ang = (0.0 if rng.random() < 0.5 else math.pi / 2) + (rng.normal(0, 0.04) if rng.random() < 0.8 else
                                                          _u(rng, 0, math.pi))
    nx, ny = -math.sin(ang), math.cos(ang)
    cx, cy = _u(rng, 0.1, 0.9) * cv.w, _u(rng, 0.1, 0.9) * cv.h
    return (xx - cx) * nx + (yy - cy) * ny, np.array([nx, ny])


def _shadow_poly(rng: np.random.Generator, cv: _Canvas, kind: str) -> np.ndarray:
    big = 4.0 * (cv.w + cv.h)
    ang = _u(rng, 0, math.pi)
    d = np.array([math.cos(ang), math.sin(ang)])
    n = np.array([-d[1], d[0]])
    c = np.array([_u(rng, 0.15, 0.85) * cv.w, _u(rng, 0.15, 0.85) * cv.h])
    if kind == 'edge':
        return np.array([c - d * big, c + d * big, c + d * big + n * big, c - d * big + n * big])
    width = max(3.0, _lu(rng, 25, 350) / cv.mpp)
    if kind == 'band':
        return np.array([c - d * big - n * width / 2, c + d * big - n * width / 2, c + d * big + n * width / 2,
                         c - d * big + n * width / 2])
    d2 = np.array([math.cos(ang + _u(rng, 1.0, 2.1)), math.sin(ang + _u(rng, 1.0, 2.1))])
    return np.array([c, c + d * big, c + d * big + d2 * big, c + d2 * big])


def _distractors(cv: _Canvas, rng: np.random.Generator, sc: _Scene, taken: list[tuple[int, int, int, int]]
                 ) -> list[str]:
    names = ['dry_stain', 'water_mark', 'rust_stain', 'paint_patch', 'spray_marking', 'stencil', 'tag',
             'cast_shadow', 'pipe_shadow', 'formwork_joint', 'saw_cut', 'repair_patch', 'cold_line',
             'thermal_ghost']
    p = [0.09, 0.07, 0.08, 0.06, 0.07, 0.05, 0.04, 0.1, 0.05, 0.07, 0.06, 0.09, 0.07, 0.05]
    n = int(rng.poisson(max(0.0, cv.spec.distractor_rate)))
    placed: list[str] = []
    mpp = cv.mpp
    m = min(cv.w, cv.h)
    for _ in range(n):
        name = _pick(rng, names, p)
        size = min(max(_lu(rng, 30, 500) / mpp, 0.12 * m), 0.6 * m)
        ok = True
        if name in ('dry_stain', 'water_mark', 'rust_stain', 'paint_patch', 'repair_patch', 'spray_marking',
                    'stencil', 'tag'):
            box = _free_box(rng, cv, size * _u(rng, 0.6, 1.6), size * _u(rng, 0.6, 1.6), taken)
            if box is None:
                continue
            ok = _blob_distractor(cv, rng, sc, name, box)
            taken = taken + [box]
        elif name in ('cast_shadow', 'pipe_shadow', 'thermal_ghost'):
            kind = 'band' if name == 'pipe_shadow' else _pick(rng, ['edge', 'band', 'corner'])
            poly = _shadow_poly(rng, cv, kind)
            pen = max(0.5, _lu(rng, 2, 30) / mpp)
            if name == 'thermal_ghost':
                if sc.i_sun <= 0:
                    name = 'cold_line'
                    _cold_line(cv, rng)
                else:
                    cv.shadows.append(_Shadow(poly, pen, _u(rng, 0.7, 0.95), -_u(rng, 60, 1500), True))
            else:
                cv.shadows.append(_Shadow(poly, pen, _u(rng, 0.5, 0.9), 0.0, sc.i_sun > 0))
        elif name == 'cold_line':
            _cold_line(cv, rng)
        else:   # formwork joint or saw cut: straight dark line, no thermal trace
            dist, _ = _line_across(rng, cv)
            if name == 'saw_cut':
                wj = max(0.8, _u(rng, 3, 6) / mpp)
                g = _sstep(wj / 2 + 0.6, wj / 2 - 0.6, np.abs(dist))
                cv.alb *= (1.0 - _u(rng, 0.5, 0.8) * g)[..., None]
                cv.hgt -= g * 15.0
            else:
                wj = max(0.7, _u(rng, 1, 4) / mpp)
                g = np.exp(-(dist / wj) ** 2)
                step = _sstep(-wj, wj, dist)
                cv.hgt += step * _u(rng, -2, 2) + g * _u(rng, 0.3, 1.5)
                cv.alb *= (1.0 - _u(rng, 0.1, 0.35) * g - _u(rng, -0.04, 0.06) * step)[..., None]
                if rng.random() < 0.4:    # grout leak: a honeycombed darker band along the joint
                    band = np.exp(-(dist / (wj * _u(rng, 4, 12))) ** 2) * np.clip(
                        _noise(rng, cv.hp, cv.wp, max(1.0, 4 / mpp), 2), 0, 1)
                    cv.alb *= (1.0 - 0.25 * band)[..., None]
        if ok:
            placed.append(name)
    return placed


def _cold_line(cv: _Canvas, rng: np.random.Generator) -> None:
    """Embedded conduit / tie bar: a straight cool line in thermal only."""
    dist, _ = _line_across(rng, cv)
    wid = max(1.0, _u(rng, 10, 40) / cv.mpp)
    cv.q -= _down(np.exp(-0.5 * (dist / wid) ** 2), cv.k) * _u(rng, 0.4, 2.0)


def _blob_distractor(cv: _Canvas, rng: np.random.Generator, sc: _Scene, name: str,
                     box: tuple[int, int, int, int]) -> bool:
    bh, bw = _dims(box)
    mpp, rs, wsl = cv.mpp, cv.rs(box), cv.ws(box)
    yy, xx = _grid(bh, bw)
    if name in ('dry_stain', 'water_mark'):
        sdf = _blob(rng, bh, bw, bw / 2, bh * _u(rng, 0.3, 0.6), 0.42 * bw, 0.42 * bh, _u(rng, 0.1, 0.3))
        a = _sstep(0.05, -0.2, sdf) * _u(rng, 0.1, 0.35)
        edge = np.exp(-(sdf / 0.04) ** 2) * (0.6 if name == 'water_mark' else 0.2)
        col = np.array([0.16, 0.14, 0.12], _F32) * (cv.tone / 0.3)
        cv.stain(box, np.clip(a + edge * 0.4, 0, 1), col)
    elif name == 'rust_stain':
        # iron-rich aggregate: small rust spots with halos, no delamination behind them
        spots = np.zeros((bh, bw), _F32)
        for _ in range(int(rng.integers(1, 12))):
            r = max(0.8, _u(rng, 1, 8) / mpp)
            cv2.circle(spots, (int(_u(rng, 0.1, 0.9) * bw), int(_u(rng, 0.1, 0.9) * bh)), int(r), 1.0, -1)
        halo = _blur(spots, max(1.0, _u(rng, 2, 10) / mpp))
        a = np.clip(spots * 0.8 + halo * 1.5, 0, 1)
        if sc.vertical and rng.random() < 0.5:
            a = np.maximum(a, _blur(np.cumsum(spots, 0) * 0.02, 1.0) * np.clip(1.2 - yy / bh, 0, 1))
        cv.stain(box, np.clip(a, 0, 0.9), _rust_colour(rng))
    elif name == 'paint_patch':
        rect = np.maximum(np.abs(xx - bw / 2) / (0.45 * bw), np.abs(yy - bh / 2) / (0.45 * bh))
        rect = rect + 0.03 * _noise(rng, bh, bw, max(1.5, 5 / mpp), 2)
        a = _sstep(1.0, 0.97, rect)
        base = cv.alb[rs].mean(axis=(0, 1))
        col = base * _u(rng, 0.8, 1.3) if rng.random() < 0.6 else np.array(
            [[0.7, 0.7, 0.68], [0.55, 0.5, 0.42], [0.3, 0.3, 0.32]][int(rng.integers(3))], _F32)
        roll = 1 + 0.03 * _noise(rng, bh, bw, max(1.0, 30 / mpp), 2, aspect=0.2)
        cv.paint(box, a * _u(rng, 0.8, 1.0), col * roll[..., None])
        cv.gloss[rs] += a * _u(rng, 0.02, 0.1)
        cv.eps[wsl] += (_u(rng, 0.88, 0.92) - cv.eps[wsl]) * _down(a, cv.k)
    elif name in ('spray_marking', 'stencil', 'tag'):
        m = np.zeros((bh, bw), np.uint8)
        col = np.array([[0.85, 0.2, 0.02], [0.9, 0.05, 0.25], [0.8, 0.75, 0.02], [0.1, 0.6, 0.1],
                        [0.05, 0.2, 0.7], [0.75, 0.75, 0.75], [0.03, 0.03, 0.03]][int(rng.integers(7))], _F32)
        thick = max(1, int(_u(rng, 8, 30) / mpp)) if name == 'spray_marking' else max(1, int(min(bh, bw) * 0.08))
        if name == 'spray_marking':
            shape = _pick(rng, ['line', 'circle', 'arrow', 'cross'])
            p0 = (int(0.15 * bw), int(_u(rng, 0.2, 0.8) * bh))
            p1 = (int(0.85 * bw), int(_u(rng, 0.2, 0.8) * bh))
            if shape == 'circle':
                cv2.ellipse(m, (bw // 2, bh // 2), (int(0.38 * bw), int(0.38 * bh)), 0, 0, 360, 255, thick)
            elif shape == 'cross':
                cv2.line(m, (int(0.2 * bw), int(0.2 * bh)), (int(0.8 * bw), int(0.8 * bh)), 255, thick)
                cv2.line(m, (int(0.8 * bw), int(0.2 * bh)), (int(0.2 * bw), int(0.8 * bh)), 255, thick)
            elif shape == 'arrow':
                cv2.arrowedLine(m, p0, p1, 255, thick, cv2.LINE_8, 0, 0.3)
            else:
                cv2.line(m, p0, p1, 255, thick)
            a = _blur(m.astype(_F32) * (1.0 / 255), max(0.5, _u(rng, 1, 5) / mpp))
            a *= np.clip(0.85 + 0.3 * _noise(rng, bh, bw, max(0.6, 1 / mpp), 1), 0, 1)
        else:
            if name == 'tag':
                col = np.array([[0.8, 0.8, 0.78], [0.75, 0.65, 0.05], [0.5, 0.52, 0.55]][int(rng.integers(3))], _F32)
                plate = np.zeros((bh, bw), _F32)
                cv2.rectangle(plate, (int(0.1 * bw), int(0.25 * bh)), (int(0.9 * bw), int(0.75 * bh)), 1.0, -1)
                cv.paint(box, plate, col)
                cv.eps[wsl] += ((0.3 if col[2] > 0.5 and col[0] < 0.6 else 0.9) - cv.eps[wsl]) * _down(plate, cv.k)
                col = np.array([0.03, 0.03, 0.03], _F32)
            text = ''.join(str(int(rng.integers(10))) for _ in range(int(rng.integers(1, 4))))
            if rng.random() < 0.5:
                text = 'ABCDEFGHJKLMNPRSTUVWXY'[int(rng.integers(22))] + '-' + text
            fs = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 1.0, 2)[0]
            scale = min(0.7 * bw / max(fs[0], 1), 0.4 * bh / max(fs[1], 1))
            cv2.putText(m, text, (int(0.15 * bw), int(0.5 * bh + fs[1] * scale / 2)), cv2.FONT_HERSHEY_SIMPLEX,
                        max(scale, 0.1), 255, max(1, int(scale * 2)), cv2.LINE_AA)
            a = m.astype(_F32) * (1.0 / 255)
        cv.paint(box, a * _u(rng, 0.75, 0.98), col)
        cv.eps[wsl] += (0.9 - cv.eps[wsl]) * _down(a, cv.k) * 0.5
    else:   # repair patch: other mortar, smoother, cut edge, other thermal inertia
        rect = np.maximum(np.abs(xx - bw / 2) / (0.45 * bw), np.abs(yy - bh / 2) / (0.45 * bh))
        if rng.random() < 0.5:
            rect = _blob(rng, bh, bw, bw / 2, bh / 2, 0.45 * bw, 0.45 * bh, 0.15) + 1.0
        a = _sstep(1.0, 0.98, rect)
        base = cv.alb[rs].mean(axis=(0, 1))
        col = base * _u(rng, 0.75, 1.3) * np.array([1.0, 1.0, _u(rng, 0.95, 1.05)], _F32)
        tex = 1 + _u(rng, 0.02, 0.06) * _noise(rng, bh, bw, max(1.0, _u(rng, 3, 30) / mpp), 2)
        cv.paint(box, a * 0.9, col * tex[..., None])
        cv.hgt[rs] *= 1 - 0.7 * a
        edge = np.exp(-((rect - 1.0) / 0.015) ** 2)
        cv.alb[rs] *= (1.0 - 0.25 * edge)[..., None]
        if rng.random() < 0.3:
            bloom = np.clip(_noise(rng, bh, bw, max(2, bw / 4), 2) - 0.3, 0, 1) * a
            cv.paint(box, bloom * 0.35, np.float32(0.7))
        aw = _down(a, cv.k)
        cv.c1[wsl] *= 1 + aw * (_u(rng, -0.5, -0.25) if rng.random() < 0.5 else _u(rng, 0.3, 0.8))
        cv.g12[wsl] *= 1 + aw * _u(rng, -0.4, 0.5)
    return True


# ----------------------------------------------------------------------------------------------- thermal
def _shadow_raster(shapes: list[_Shadow], h: int, w: int, scale: float, shift: tuple[float, float],
                   t: float) -> np.ndarray:
    """Fraction of direct light blocked by the shapes at time t, on a grid of `scale` RGB px per cell."""
    out = np.zeros((h, w), _F32)
    for s in shapes:
        if t > s.t_gone:
            continue
        layer = np.zeros((h, w), _F32)
        pts = (s.poly + np.array(shift)) / scale
        cv2.fillPoly(layer, [np.rint(pts * 16).astype(np.int32)], s.strength, cv2.LINE_8, 4)
        out = np.maximum(out, _blur(layer, s.penumbra / scale))
    return out


def _radiometric(t_c: np.ndarray, eps: np.ndarray | float, t_refl_c: float) -> np.ndarray:
    """Temperature a camera set to _EPS_CAMERA reads for a surface of emissivity eps."""
    tk = (t_c + 273.15).astype(_F32)
    tr4 = (t_refl_c + 273.15) ** 4
    w = eps * tk ** 4 + (1.0 - eps) * tr4
    return (np.maximum(w - (1.0 - _EPS_CAMERA) * tr4, 1.0) / _EPS_CAMERA) ** 0.25 - 273.15


def _thermal_field(cv: _Canvas, rng: np.random.Generator, sc: _Scene) -> tuple[np.ndarray, dict]:
    th, tw, k, mpp = cv.th, cv.tw, cv.k, cv.mpp
    albw = cv2.resize(cv.alb, (tw, th), interpolation=cv2.INTER_AREA)
    # broadband albedo: near-IR follows red for iron oxides, so rust stains barely change absorption
    bb = 0.5 * albw[..., 0] + 0.3 * albw[..., 1] + 0.2 * albw[..., 2]
    absorb = np.clip(1.0 - 1.1 * bb, 0.25, 0.97).astype(_F32)
    occw = cv2.resize(cv.occl, (tw, th), interpolation=cv2.INTER_AREA)
    rho_c, d1, d2, kc = _u(rng, 1.8e6, 2.4e6), _u(rng, 0.008, 0.02), _u(rng, 0.05, 0.12), _u(rng, 1.0, 2.2)
    c1 = (rho_c * d1) * cv.c1
    g12 = (kc / (0.5 * (d1 + d2))) * cv.g12
    c2 = rho_c * d2
    g2d = kc / (0.5 * d2 + _u(rng, 0.02, 0.1))
    hr = 4.0 * cv.eps * _SIGMA_SB * (sc.ta + 273.15) ** 3
    t_rad = sc.f_sky * sc.t_sky + (1.0 - sc.f_sky) * (sc.ta + _u(rng, -1.0, 1.0))
    yy, xx = _grid(th, tw)
    # core temperature: scene offset plus a gradient across the frame (K/m, capped at 6 K over the frame)
    gang = _u(rng, 0, 2 * math.pi)
    span_m = max(cv.w, cv.h) * mpp * 1e-3
    grad = min(_u(rng, 0, 4.0) * span_m, 6.0)
    ramp = ((xx / max(tw, 1) - 0.5) * math.cos(gang) + (yy / max(th, 1) - 0.5) * math.sin(gang)) * grad
    t_deep = sc.ta + sc.deep_off + ramp + 0.4 * _noise(rng, th, tw, max(2.0, 400 / (mpp * k)), 2)
    h_ext = sc.hc + hr
    q = cv.q * (h_ext + g2d * (h_ext + g12) / g12)           # W/m2 into the core that hold the surface q K up
    le0 = cv.wet * (h_ext + g12 * g2d / (g12 + g2d))          # evaporation that holds it `wet` K down
    latent_sw = np.clip(cv.wet, 0.0, 1.0) * _u(rng, 0.25, 0.5)
    dt = _HOUR_S / _STEPS
    gust = np.clip(1.0 + sc.gust * np.cumsum(rng.normal(0, 0.5, _STEPS + 1)) * 0.5, 0.3, 2.0)
    lat = _u(rng, 2, 10) / (mpp * k)                          # lateral conduction length over the hour [work px]
    sig_step = lat / math.sqrt(_STEPS)
    sun_shapes = [s for s in cv.shadows if s.sun]
    vx, vy = sc.shadow_v

    def shade_at(t: float) -> np.ndarray:
        if not sun_shapes:
            return np.zeros((th, tw), _F32)
        return _shadow_raster(sun_shapes, th, tw, float(k), (vx * t, vy * t), t)

    def forcing(i: int, t: float) -> tuple[np.ndarray, np.ndarray, float]:
        hc = sc.hc * gust[i] * (1.0 + 0.25 * sc.gust * _noise(rng, th, tw, max(2.0, 300 / (mpp * k))))
        sun = sc.i_sun * sc.sun_at(t)
        sw = absorb * (sc.i_dif + (sun * occw * (1.0 - shade_at(t)) if sun > 0 else 0.0))
        ta = sc.ta - sc.drift * (-t) / _HOUR_S
        # wet areas spend part of the absorbed short-wave on evaporation (energy-limited, as in Penman)
        ext = hc * ta + hr * t_rad + sw * (1.0 - latent_sw) - le0 * (hc / sc.hc)
        return hc + hr, ext, ta

    # start from the steady state of the conditions an hour ago
    hsum, ext, _ = forcing(0, -_HOUR_S)
    a11, a22 = hsum + g12, g12 + g2d
    b2 = g2d * t_deep + q
    det = a11 * a22 - g12 * g12
    t1 = (ext * a22 + g12 * b2) / det
    t2 = (a11 * b2 + g12 * ext) / det
    t1 = _blur(t1.astype(_F32), lat)
    for i in range(1, _STEPS + 1):
        t = -_HOUR_S + i * dt
        hsum, ext, _ = forcing(i, t)
        a11 = c1 / dt + hsum + g12
        a22 = c2 / dt + g12 + g2d
        b1 = c1 / dt * t1 + ext
        b2 = c2 / dt * t2 + g2d * t_deep + q
        det = a11 * a22 - g12 * g12
        t1 = (b1 * a22 + g12 * b2) / det
        t2 = (a11 * b2 + g12 * b1) / det
        t1 = _blur(t1.astype(_F32), sig_step)
    app = _radiometric(t1, cv.eps, t_rad) + cv.dt_rel
    if cv.obj_a.any():
        obj = _radiometric(cv.obj_t, cv.obj_e, t_rad)
        app = app + cv.obj_a * (obj - app)
    info = {'sky_c': round(t_rad, 2), 'deep_offset_k': round(sc.deep_off, 2), 'lateral_mm': round(lat * mpp * k, 1)}
    return app.astype(_F32), info


def _thermal_sensor(rng: np.random.Generator, fld: np.ndarray, spec: FrameSpec, k: int
                    ) -> tuple[np.ndarray, tuple[float, float]]:
    tw, th = spec.thermal_width, spec.thermal_height
    sx, sy = spec.width / k / tw, spec.height / k / th
    psf = _u(rng, 0.45, 1.1)
    img = cv2.GaussianBlur(fld, (0, 0), sigmaX=max(0.3, math.hypot(psf * sx, 0.35 * sx)),
                           sigmaY=max(0.3, math.hypot(psf * sy, 0.35 * sy)), borderType=cv2.BORDER_REFLECT)
    r = spec.max_misregistration_px * math.sqrt(_u(rng, 0, 1))
    a = _u(rng, 0, 2 * math.pi)
    dx, dy = r * math.cos(a), r * math.sin(a)
    # thermal pixel i sees the scene at (i + 0.5 - dx) thermal px: its content is shifted by +dx
    m = np.float32([[sx, 0, 0.5 * sx - 0.5 - dx * sx], [0, sy, 0.5 * sy - 0.5 - dy * sy]])
    img = cv2.warpAffine(img, m, (tw, th), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_REFLECT)
    yy, xx = _grid(th, tw)
    cx, cy = _u(rng, 0.35, 0.65) * tw, _u(rng, 0.35, 0.65) * th
    rr = ((xx - cx) / tw) ** 2 + ((yy - cy) / th) ** 2
    img = img + _u(rng, -0.6, 0.4) * rr * 2.0                             # narcissus / vignetting
    img = img + rng.normal(0, _u(rng, 0.01, 0.07), (1, tw)).astype(_F32)  # column fixed pattern
    img = img + rng.normal(0, _u(rng, 0.005, 0.04), (th, 1)).astype(_F32)
    img = img + rng.standard_normal((th, tw), dtype=_F32) * _u(rng, 0.03, 0.15)
    img = (img - img.mean()) * _u(rng, 0.98, 1.02) + img.mean() + rng.normal(0, 0.5)
    qstep = 0.01 if rng.random() < 0.6 else 0.04
    img = np.round(img / qstep) * qstep
    return np.nan_to_num(img.astype(_F32), nan=20.0, posinf=100.0, neginf=-40.0), (round(dx, 3), round(dy, 3))


# ----------------------------------------------------------------------------------------------- RGB lighting
def _lighting(cv: _Canvas, rng: np.random.Generator, sc: _Scene) -> np.ndarray:
    h, w, mpp = cv.hp, cv.wp, cv.mpp
    hgt = cv2.GaussianBlur(cv.hgt, (0, 0), 0.6)
    gx = cv2.Sobel(hgt, cv2.CV_32F, 1, 0, ksize=3, scale=1.0 / (8.0 * mpp))
    gy = cv2.Sobel(hgt, cv2.CV_32F, 0, 1, ksize=3, scale=1.0 / (8.0 * mpp))
    inv = 1.0 / np.sqrt(1.0 + gx * gx + gy * gy)
    lx, ly, lz = sc.light
    ndl = np.maximum((lz - gx * lx - gy * ly) * inv, 0.0)
    direct = sc.e_dir * ndl * cv.occl
    sun_now = sc.setting == 'sun' and sc.sun_at(-1.0) > 0
    rgb_shapes = [s for s in cv.shadows if s.t_gone >= 0 and (not s.sun or sun_now)]
    if sc.setting == 'sun' and not sun_now:
        direct = direct * 0.15     # sun behind a cloud: only a bright diffuse glow remains directional
    if rgb_shapes:
        direct = direct * (1.0 - _shadow_raster(rgb_shapes, h, w, 1.0, (0.0, 0.0), 0.0))
    # ambient occlusion from the height map: cavities see less sky
    cav = np.maximum(_blur(hgt, max(1.0, 3.0 / mpp)) - hgt, 0.0)
    amb = sc.e_amb * (0.55 + 0.45 * cv.occl) / (1.0 + 0.12 * cav) * (0.85 - 0.15 * gy * inv)
    yy, xx = _grid(h, w)
    if sc.lamp and sc.setting == 'night':
        cx, cy = _u(rng, 0.3, 0.7) * w, _u(rng, 0.3, 0.7) * h
        r0 = _u(rng, 0.4, 1.2) * max(h, w)
        fall = 1.0 / (1.0 + ((xx - cx) ** 2 + (yy - cy) ** 2) / (r0 * r0)) ** 1.5
    else:
        ang = _u(rng, 0, 2 * math.pi)
        fall = 1.0 + _u(rng, 0, 0.35) * ((xx / w - 0.5) * math.cos(ang) + (yy / h - 0.5) * math.sin(ang)) * 2
        fall = fall * (1.0 + _u(rng, 0, 0.12) * _noise(rng, h, w, max(h, w) / 2.0, 1))
    illum = (amb[..., None] * sc.c_amb + direct[..., None] * sc.c_dir) * fall[..., None]
    rad = cv.alb * illum
    if float(cv.gloss.max()) > 0.01:
        # Blinn-Phong with a per-pixel view vector from a camera at a finite distance: a lamp beside the
        # camera makes a local hotspot on wet or metal surfaces, not a glow over the whole frame
        dist_mm = w * mpp / (2.0 * math.tan(math.radians(_u(rng, 25, 35))))
        vx = -(xx - w / 2) * mpp
        vy = -(yy - h / 2) * mpp
        vn = 1.0 / np.sqrt(vx * vx + vy * vy + dist_mm * dist_mm)
        if sc.lamp and sc.setting == 'night':
            ox, oy = rng.normal(0, 0.15) * dist_mm, rng.normal(0, 0.15) * dist_mm
            lxx, lyy = vx + ox, vy + oy
            ln = 1.0 / np.sqrt(lxx * lxx + lyy * lyy + dist_mm * dist_mm)
            hx, hy, hz = vx * vn + lxx * ln, vy * vn + lyy * ln, dist_mm * (vn + ln)
        else:
            hx, hy, hz = vx * vn + lx, vy * vn + ly, dist_mm * vn + lz
        hnorm = 1.0 / np.sqrt(hx * hx + hy * hy + hz * hz)
        ndh = np.maximum((hz - gx * hx - gy * hy) * hnorm * inv, 0.0)
        sp = ndh * ndh
        for _ in range(int(rng.integers(4, 7))):
            sp = sp * sp           # exponent 32..256
        env = np.maximum((0.9 - gy * inv * 0.45 - 0.1), 0.0) ** 2 * 0.2 * sc.e_amb   # broad sky sheen
        s = cv.gloss * (direct * sp * _u(rng, 1.0, 3.0) + env) * fall
        rad += s[..., None] * sc.c_dir
    return rad


# ----------------------------------------------------------------------------------------------- camera
def _camera(cv: _Canvas, rng: np.random.Generator, sc: _Scene, rad: np.ndarray) -> tuple[np.ndarray, dict]:
    h, w = cv.h, cv.w
    img = rad[:h, :w]
    lum = float(img[::3, ::3].mean()) + 1e-6
    img = img * (_u(rng, 0.16, 0.3) * 2.0 ** rng.normal(0, 0.35) / lum)
    r = rng.random()
    blur = 'none'
    if r < 0.3:
        img = cv2.GaussianBlur(img, (0, 0), _u(rng, 0.5, 1.8))
        blur = 'defocus'
    elif r < 0.45:
        ln = _u(rng, 2, 8)
        kr = int(math.ceil(ln)) | 1
        ker = np.zeros((kr, kr), _F32)
        a = _u(rng, 0, math.pi)
        c = kr // 2
        cv2.line(ker, (int(c - math.cos(a) * ln / 2), int(c - math.sin(a) * ln / 2)),
                 (int(c + math.cos(a) * ln / 2), int(c + math.sin(a) * ln / 2)), 1.0, 1)
        img = cv2.filter2D(img, -1, ker / max(float(ker.sum()), 1e-6))
        blur = 'motion'
    elif r < 0.8:
        img = cv2.GaussianBlur(img, (0, 0), _u(rng, 0.3, 0.6))
    # lateral chromatic aberration: red and blue magnified differently about the centre
    ca = _u(rng, 0, 0.003) if min(h, w) > 64 else 0.0
    if ca > 1e-4:
        for ch, s in ((0, 1.0 + ca), (2, 1.0 - ca)):
            m = np.float32([[s, 0, (1 - s) * (w - 1) / 2], [0, s, (1 - s) * (h - 1) / 2]])
            img[..., ch] = cv2.warpAffine(np.ascontiguousarray(img[..., ch]), m, (w, h), flags=cv2.INTER_LINEAR,
                                          borderMode=cv2.BORDER_REFLECT)
    # off-centre colour lens shading and rolling-shutter flicker under mains-driven lamps
    yy, xx = _grid(h, w)
    cx, cy = _u(rng, 0.4, 0.6), _u(rng, 0.4, 0.6)
    r2 = ((xx / w - cx) ** 2 + (yy / h - cy) ** 2 * (h / w) ** 2) * 4.0
    vig = _u(rng, 0.05, 0.45)
    shade = 1.0 - vig * r2 + 0.3 * vig * r2 * r2
    img = img * shade[..., None]
    img[..., 0] *= 1.0 - _u(rng, -0.05, 0.08) * r2
    img[..., 2] *= 1.0 - _u(rng, -0.05, 0.08) * r2
    if sc.lamp and rng.random() < 0.35:
        img = img * (1.0 + _u(rng, 0.01, 0.06) * np.sin(yy * (2 * math.pi / _u(rng, 20, 200)) + _u(rng, 0, 6)))[
            ..., None]
    # RGGB mosaic with shot and read noise
    raw = np.empty((h, w), _F32)
    raw[0::2, 0::2] = img[0::2, 0::2, 0]
    raw[0::2, 1::2] = img[0::2, 1::2, 1]
    raw[1::2, 0::2] = img[1::2, 0::2, 1]
    raw[1::2, 1::2] = img[1::2, 1::2, 2]
    full = _lu(rng, 600, 15000)
    read = _u(rng, 0.001, 0.008)
    raw += np.sqrt(np.maximum(raw, 0) * (1.0 / full) + read * read) * rng.standard_normal((h, w), dtype=_F32)
    # white balance from an imperfect estimate of the illuminant
    illum = (sc.c_dir * sc.e_dir * 0.5 + sc.c_amb * sc.e_amb) if sc.setting != 'overcast' else sc.c_amb
    illum = illum / illum.mean()
    strength = _u(rng, 0.6, 1.0) if sc.setting == 'tunnel' else _u(rng, 0.85, 1.0)
    gains = (1.0 / illum) ** strength * (1.0 + rng.normal(0, 0.04, 3))
    gains = (gains / gains[1]).astype(_F32)
    raw[0::2, 0::2] *= gains[0]
    raw[1::2, 1::2] *= gains[2]
    # tone curve: gamma plus an optional S-curve, applied through a LUT
    x = np.linspace(0, 1.6, 4096, dtype=_F32)
    gamma = _u(rng, 1.8, 2.5)
    y = np.clip(x / (1.0 + x * _u(rng, 0.0, 0.35)), 0, 1) ** (1.0 / gamma)
    s = _u(rng, 0.0, 0.45)
    y = y + s * (y * y * (3 - 2 * y) - y)
    lut = np.clip(np.rint(y * 255), 0, 255).astype(np.uint8)
    raw8 = lut[np.clip(raw * (4095 / 1.6), 0, 4095).astype(np.int32)]
    demosaic = _pick(rng, ['bilinear', 'edge_aware', 'vng'], [0.45, 0.35, 0.2])
    code = {'bilinear': cv2.COLOR_BayerBG2RGB, 'edge_aware': cv2.COLOR_BayerBG2RGB_EA,
            'vng': cv2.COLOR_BayerBG2RGB_VNG}[demosaic]
    rgb = cv2.cvtColor(raw8, code) if min(h, w) >= 4 else cv2.cvtColor(raw8, cv2.COLOR_GRAY2RGB)
    sat = _u(rng, 0.85, 1.3)
    if abs(sat - 1.0) > 0.05:
        f = rgb.astype(_F32)
        g = f.mean(axis=2, keepdims=True)
        rgb = np.clip(g + sat * (f - g), 0, 255).astype(np.uint8)
    if rng.random() < 0.5:   # ISP sharpening with its halos
        bl = cv2.GaussianBlur(rgb, (0, 0), _u(rng, 0.8, 1.6))
        amt = _u(rng, 0.2, 0.9)
        rgb = cv2.addWeighted(rgb, 1 + amt, bl, -amt, 0)
    q = int(rng.integers(40, 96))
    ok, enc = cv2.imencode('.jpg', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])
    rgb = cv2.cvtColor(cv2.imdecode(enc, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB) if ok else rgb
    return np.ascontiguousarray(rgb), {'jpeg_quality': q, 'blur': blur, 'demosaic': demosaic}


# ----------------------------------------------------------------------------------------------- entry point
def render(seed: int, spec: FrameSpec) -> SyntheticFrame:
    """Render one labelled RGB + thermal frame of weathered concrete; a pure function of (seed, spec)."""
    for kind in spec.defects:
        if kind not in KINDS[1:]:
            raise ValueError(f'unknown defect kind {kind!r}')
    seed64 = int(seed) & 0xFFFFFFFFFFFFFFFF

    def stream(*key: int) -> np.random.Generator:
        # independent streams: the background does not change when defects are added
        return np.random.default_rng(np.random.SeedSequence([seed64, 0x7EA7, *key]))

    k = _work_factor(spec)
    cv = _Canvas.make(spec, k)
    sc = _draw_scene(stream(1), spec)
    finish = _base_texture(cv, stream(2), sc)
    weathering = _weathering(cv, stream(3), sc)
    srng = stream(11)
    if sc.i_sun > 0 and srng.random() < 0.55:   # scene shadows of unseen structures
        for _ in range(int(srng.integers(1, 3))):
            cv.shadows.append(_Shadow(_shadow_poly(srng, cv, _pick(srng, ['edge', 'band', 'corner'])),
                                      max(0.5, _lu(srng, 2, 30) / cv.mpp), _u(srng, 0.6, 0.95), 0.0, True))
    boxes = _place(stream(4), cv, spec.defects)
    distractors = _distractors(cv, stream(5), sc, list(boxes.values()))
    variants: dict[str, str] = {}
    for kind, box in boxes.items():
        variants[kind] = _RENDERERS[kind](cv, stream(6, KINDS.index(kind)), sc, box)
    fld, tinfo = _thermal_field(cv, stream(7), sc)
    thermal, mis = _thermal_sensor(stream(8), fld, spec, k)
    rgb, cinfo = _camera(cv, stream(9), sc, _lighting(cv, stream(10), sc))
    label = np.ascontiguousarray(cv.label[:spec.height, :spec.width])
    regions = []
    for kind, box in boxes.items():
        sub = label[box[1]:min(box[3], spec.height), box[0]:min(box[2], spec.width)] == KINDS.index(kind)
        rows, cols = np.flatnonzero(sub.any(axis=1)), np.flatnonzero(sub.any(axis=0))
        if len(rows):
            regions.append(Region(str(kind), (box[0] + int(cols[0]), box[1] + int(rows[0]), box[0] + int(cols[-1]) + 1,
                                         box[1] + int(rows[-1]) + 1), variants[kind]))
    meta = {'family': FAMILY, 'ambient_c': round(sc.ta, 3), 'distractors': distractors,
            'misregistration_px': mis, 'setting': sc.setting, 'finish': finish, 'weathering': weathering,
            'sun_visible': sc.setting == 'sun' and sc.sun_at(-1.0) > 0, 'vertical': sc.vertical,
            'evap_cooling_k': round(sc.evap_k, 2), 'thermal_work_factor': k, 'mm_per_px': spec.mm_per_px,
            **tinfo, **cinfo}
    return SyntheticFrame(rgb=rgb, thermal_c=thermal, label_map=label, regions=tuple(regions), meta=meta)
