"""Spectral family of synthetic concrete frames: a labelled RGB + thermal pair built from power-law noise.

Texture: concrete albedo is mixed in CIELAB from 1/f^beta noise layers synthesised in the Fourier domain
(anisotropic, band-limited in millimetres; the variance of bands finer than a pixel is integrated away, so scale
matters): mottling, sand grain, thresholded aggregate and bugholes, formwork boards, trowel arcs, weathering streaks,
dirt, old efflorescence. A height map from the same layers is shaded under the sun or a lamp.
Defects: cracks are fractal midpoint-displacement polylines (branches, Voronoi map cracking) with width profiles,
rendered from an exact distance-to-polyline field (sub-pixel cover, shadowed edges, spalled lips). Rust, wet areas,
tide lines, efflorescence, algae are thresholded spectral noise fields; whatever gravity moves is smeared downwards
by a one-sided exponential kernel. Unseen types: steel bars in a broken-out cavity, drawn objects, buried heat
sources, moss / algae / small plants.
Thermal: steady surface heat balance  -k lap(T) + (h_air + h_rad + h_bulk) T = sources  (sun absorbed by 1 - albedo,
air, sky and bulk exchange, evaporation, delamination lowering h_bulk, inertia of repairs, a scene gradient) relaxed by
Jacobi sweeps on a coarse-to-fine grid cascade; thin features (moist cracks, buried hot lines, conduits) are added at
full resolution, objects and bars keep their own temperature, then emissivity / reflection give apparent temperature.
Cameras: RGB with lateral chromatic shift, defocus / motion blur, vignetting, auto exposure, shot + read noise,
white-balance error, tone curve, JPEG round trip. Thermal: optics blur, misregistration (thermal content shifted by
meta['misregistration_px'] = (dx, dy) thermal pixels against RGB), area sampling, NETD, row / column fixed pattern,
narcissus.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math
from statistics import NormalDist

import cv2
import numpy as np

from fracturescope_sim.surfaces.frame import KINDS, FrameSpec, Region, SyntheticFrame

FAMILY = 'spectral'

_F32 = np.float32
_SQ12 = math.sqrt(12.0)
_EPS_C = 0.93                      # concrete emissivity, also the thermal camera's setting
_BIG = 1.0e4                       # "far" distance for pixels outside a polyline's reach
_ELL3 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
_M_XYZ_RGB = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]], _F32)
_KIND_INDEX = {k: i for i, k in enumerate(KINDS)}


# ---------------------------------------------------------------------------------------------------------------
# Spectral synthesis


def _smooth(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) * (1.0 / (e1 - e0)), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _ppf(p: float) -> float:
    return NormalDist().inv_cdf(min(max(p, 1e-6), 1 - 1e-6))


def _continuous_variance(beta: float, lo_mm: float, hi_mm: float) -> float:
    # Variance of the whole (unsampled) spectrum: radial integral in log-frequency.
    f = np.geomspace(1e-3 / lo_mm, 6.0 / hi_mm, 400)
    p = f ** (-beta) * np.exp(-2.0 * (f * hi_mm) ** 2) * (1.0 - np.exp(-(f * lo_mm) ** 2)) ** 2
    return float(np.trapezoid(2.0 * math.pi * f * f * p, np.log(f)))


def _noise(rng: np.random.Generator, shape: tuple[int, int], mm: float, beta: float, lo_mm: float, hi_mm: float,
           aniso: float = 1.0, angle: float = 0.0, resolved: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Two independent power-law fields (amplitude ~ f^-beta/2 between 1/lo_mm and 1/hi_mm cycles/mm).

    resolved=True: unit variance for the continuous surface, so bands finer than a pixel fade (pixel integration);
    resolved=False: unit variance as sampled (for thresholding). aniso > 1 stretches features along `angle` by that
    factor (their width across stays set by hi_mm).
    """
    out_h, out_w = shape
    s = max(1.0, min(hi_mm / (3.0 * mm), max(out_h, out_w) / 40.0))
    h, w = max(4, math.ceil(out_h / s)), max(4, math.ceil(out_w / s))
    sy, sx = out_h * mm / h, out_w * mm / w
    ph, pw = cv2.getOptimalDFTSize(h), cv2.getOptimalDFTSize(w)
    fy = np.fft.fftfreq(ph, sy).astype(_F32)[:, None]
    fx = np.fft.fftfreq(pw, sx).astype(_F32)[None, :]
    ca, sa = math.cos(angle), math.sin(angle)
    u = fx * ca + fy * sa
    v = fy * ca - fx * sa
    f2 = (u * aniso) ** 2 + v * v
    f2[0, 0] = 1.0
    lg = np.log(f2) * _F32(-beta / 4.0) - f2 * _F32(hi_mm * hi_mm)
    if s == 1.0:  # pixel aperture
        lg -= (fx * fx + fy * fy) * _F32(1.2 * mm * mm)
    amp = np.exp(lg) * (1.0 - np.exp(f2 * _F32(-lo_mm * lo_mm)))
    amp[0, 0] = 0.0
    sum2 = float(np.vdot(amp.ravel(), amp.ravel()))
    if sum2 <= 0.0:
        return np.zeros(shape, _F32), np.zeros(shape, _F32)
    target = 1.0
    if resolved:
        target = min(1.0, sum2 / (ph * sy * pw * sx) / (_continuous_variance(beta, lo_mm, hi_mm) / aniso))
    scale = math.sqrt(target) * ph * pw / math.sqrt(sum2 / 12.0)
    z = np.empty((ph, pw), np.complex64)
    z.real = rng.random((ph, pw), dtype=_F32) - 0.5
    z.imag = rng.random((ph, pw), dtype=_F32) - 0.5
    z *= amp * _F32(scale)
    out = np.fft.ifft2(z)[:h, :w]
    a, b = np.ascontiguousarray(out.real, _F32), np.ascontiguousarray(out.imag, _F32)
    if (h, w) != (out_h, out_w):
        a = cv2.resize(a, (out_w, out_h), interpolation=cv2.INTER_CUBIC)
        b = cv2.resize(b, (out_w, out_h), interpolation=cv2.INTER_CUBIC)
    return a, b


def _noise1d(rng: np.random.Generator, n: int, beta: float) -> np.ndarray:
    m = max(n, 8)
    f = np.fft.rfftfreq(m)
    f[0] = 1.0
    spec = (rng.standard_normal(len(f)) + 1j * rng.standard_normal(len(f))) * f ** (-beta / 2.0)
    spec[0] = 0.0
    x = np.fft.irfft(spec, m)[:n]
    return (x / (x.std() + 1e-9)).astype(_F32)


def _unit(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Cheap zero-mean unit-variance noise (uniform; several times faster than normal draws)."""
    return (rng.random(shape, dtype=_F32) - 0.5) * _F32(_SQ12)


def _smear_down(src: np.ndarray, tau_px: float) -> np.ndarray:
    """Gravity smear: one-sided exponential kernel pointing down, on a vertically decimated grid (runs are smooth)."""
    h, w = src.shape
    f = int(np.clip(tau_px / 10.0, 1, max(1, h // 4)))
    hs = max(2, round(h / f))
    small = cv2.resize(src, (w, hs), interpolation=cv2.INTER_AREA) if hs != h else src
    t = max(0.5, tau_px * hs / h)
    n = int(min(hs, math.ceil(4 * t))) + 1
    k = np.exp(-(n - 1 - np.arange(n)) / t).astype(_F32)[:, None]
    out = cv2.filter2D(small, -1, k, anchor=(0, n - 1), borderType=cv2.BORDER_CONSTANT)
    if hs != h:
        out = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
    return out / (float(out.max()) + 1e-6)


def _meander(rng: np.random.Generator, img: np.ndarray, amp_px: float) -> np.ndarray:
    h, w = img.shape
    off = _noise1d(rng, h, 2.5) * _F32(amp_px)
    mx = np.arange(w, dtype=_F32)[None, :] + off[:, None]
    my = np.broadcast_to(np.arange(h, dtype=_F32)[:, None], (h, w))
    return cv2.remap(img, mx, np.ascontiguousarray(my), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(h, dtype=_F32)[:, None], np.arange(w, dtype=_F32)[None, :]


def _blob(rng: np.random.Generator, shape: tuple[int, int], mm: float, c: tuple[float, float],
          r: tuple[float, float], angle: float, rough: float, edge_px: float, detail: float = 14.0
          ) -> tuple[np.ndarray, np.ndarray]:
    """Irregular blob: level field (>0 inside, ~1 at the centre) and its soft mask."""
    h, w = shape
    y, x = _grid(h, w)
    x = x - _F32(c[0])
    y = y - _F32(c[1])
    ca, sa = math.cos(angle), math.sin(angle)
    u = (x * ca + y * sa) * _F32(1.0 / max(r[0], 1.0))
    v = (y * ca - x * sa) * _F32(1.0 / max(r[1], 1.0))
    n, _ = _noise(rng, shape, mm, 2.6, max(r) * mm * 1.5, max(2.0 * mm, max(r) * mm / detail), resolved=False)
    lev = 1.0 - np.sqrt(u * u + v * v) + _F32(rough) * n
    return lev, _smooth(0.0, max(edge_px / max(r[0], r[1], 1.0), 1e-3), lev)


def _window(shape: tuple[int, int], frac: float = 0.08) -> np.ndarray:
    """1 inside a box, fading to 0 over `frac` of its size at every edge (so nothing ends on a box edge)."""
    h, w = shape
    y, x = _grid(h, w)
    fy, fx = frac * h + 1.0, frac * w + 1.0
    return _smooth(0, fx, x) * _smooth(0, fx, w - 1 - x) * _smooth(0, fy, y) * _smooth(0, fy, h - 1 - y)


def _overlap(d: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Fraction of a unit pixel at distance d covered by a band of width w centred on 0 (exact 1-D box cover)."""
    hw = 0.5 * w
    return np.clip(np.minimum(d + 0.5, hw) - np.maximum(d - 0.5, -hw), 0.0, 1.0)


# ---------------------------------------------------------------------------------------------------------------
# Fractal polylines and their distance fields


def _fractal_paths(rng: np.random.Generator, p0: np.ndarray, p1: np.ndarray, levels: int, rough: float,
                   hurst: float) -> np.ndarray:
    """Midpoint displacement, vectorised over paths: (n, 2) -> (n, 2**levels + 1, 2)."""
    pts = np.stack([p0, p1], axis=1).astype(np.float64)
    amp = rough * np.linalg.norm(p1 - p0, axis=1)
    for _ in range(levels):
        d = pts[:, 1:] - pts[:, :-1]
        ln = np.linalg.norm(d, axis=2, keepdims=True) + 1e-9
        nrm = np.stack([-d[..., 1], d[..., 0]], axis=2) / ln
        mid = 0.5 * (pts[:, 1:] + pts[:, :-1]) + nrm * (rng.standard_normal(d.shape[:2]) * amp[:, None])[..., None]
        new = np.empty((pts.shape[0], 2 * pts.shape[1] - 1, 2))
        new[:, 0::2] = pts
        new[:, 1::2] = mid
        pts = new
        amp = amp * 2.0 ** (-hurst)
    return pts


def _levels(length_px: float, step: float = 2.5) -> int:
    return int(np.clip(math.ceil(math.log2(max(length_px, 2.0) / step)), 1, 10))


Line = tuple[np.ndarray, np.ndarray, np.ndarray]   # points (m, 2) px, width (m,) px, thermal weight (m,)


@dataclass
class _Field:
    d: np.ndarray       # distance to the nearest centreline [px]
    sd: np.ndarray      # signed distance (left of the segment positive)
    wid: np.ndarray     # width of the nearest point [px]
    q: np.ndarray       # thermal weight of the nearest point
    nl: np.ndarray      # segment normal . light direction (which side is shadowed)


def _polyline_field(shape: tuple[int, int], lines: list[Line], reach: float, light2: tuple[float, float]
                    ) -> _Field | None:
    """Exact distance to polylines within `reach`: nearest rasterised centre pixel (labelled distance transform) picks
    the segment, then the point-segment distance is taken to it and its two neighbours."""
    h, w = shape
    if not lines:
        return None
    sa = np.concatenate([p[:-1] for p, _, _ in lines])
    sb = np.concatenate([p[1:] for p, _, _ in lines])
    wa = np.concatenate([x[:-1] for _, x, _ in lines])
    wb = np.concatenate([x[1:] for _, x, _ in lines])
    qa = np.concatenate([x[:-1] for _, _, x in lines])
    qb = np.concatenate([x[1:] for _, _, x in lines])
    counts = [len(p) - 1 for p, _, _ in lines]
    first = np.repeat(np.cumsum([0] + counts[:-1]), counts)
    last = first + np.repeat(counts, counts) - 1
    nseg = len(sa)
    ab = sb - sa
    slen = np.linalg.norm(ab, axis=1)
    ns = np.ceil(slen / 0.5).astype(np.int64) + 1
    rep = np.repeat(np.arange(nseg), ns)
    start = np.cumsum(ns) - ns
    t = (np.arange(rep.size) - start[rep]) / np.maximum(ns[rep] - 1, 1)
    samples = sa[rep] + t[:, None] * ab[rep]
    xi, yi = np.rint(samples[:, 0]).astype(np.int64), np.rint(samples[:, 1]).astype(np.int64)
    ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    if not ok.any():
        return None
    idx = np.zeros((h, w), np.int32)
    idx[yi[ok], xi[ok]] = rep[ok] + 1
    src = (idx == 0).astype(np.uint8)
    dist, lab = cv2.distanceTransformWithLabels(src, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    zy, zx = np.nonzero(idx)
    py, px = np.nonzero(dist <= reach)
    k = lab[py, px] - 1
    seg = idx[zy[k], zx[k]] - 1
    pxf, pyf = px.astype(np.float64), py.astype(np.float64)
    best = np.full(px.size, np.inf)
    bsd = np.zeros(px.size)
    bt = np.zeros(px.size)
    bseg = seg.copy()
    for c in (seg, np.maximum(seg - 1, first[seg]), np.minimum(seg + 1, last[seg])):
        ax, ay = sa[c, 0], sa[c, 1]
        bx, by = ab[c, 0], ab[c, 1]
        l2 = bx * bx + by * by + 1e-9
        tt = np.clip(((pxf - ax) * bx + (pyf - ay) * by) / l2, 0.0, 1.0)
        dx, dy = pxf - (ax + tt * bx), pyf - (ay + tt * by)
        dd = np.hypot(dx, dy)
        sd = (bx * (pyf - ay) - by * (pxf - ax)) / np.sqrt(l2)
        better = dd < best
        best = np.where(better, dd, best)
        bsd = np.where(better, np.sign(sd) * dd, bsd)
        bt = np.where(better, tt, bt)
        bseg = np.where(better, c, bseg)
    out = _Field(np.full((h, w), _BIG, _F32), np.full((h, w), _BIG, _F32), np.zeros((h, w), _F32),
                 np.zeros((h, w), _F32), np.zeros((h, w), _F32))
    out.d[py, px] = best
    out.sd[py, px] = bsd
    out.wid[py, px] = wa[bseg] + bt * (wb[bseg] - wa[bseg])
    out.q[py, px] = qa[bseg] + bt * (qb[bseg] - qa[bseg])
    nx, ny = -ab[bseg, 1] / (slen[bseg] + 1e-9), ab[bseg, 0] / (slen[bseg] + 1e-9)
    out.nl[py, px] = nx * light2[0] + ny * light2[1]
    return out


def _profile(rng: np.random.Generator, pts: np.ndarray, w0: float, taper: tuple[float, float]) -> np.ndarray:
    """Width along a path: tapered ends (taper fractions at start / end, 0 = blunt) times log-normal variation."""
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    s = s / (s[-1] + 1e-9)
    env = np.ones_like(s)
    if taper[0] > 0:
        env = env * np.clip(s / taper[0], 0.0, 1.0) ** 0.6
    if taper[1] > 0:
        env = env * np.clip((1.0 - s) / taper[1], 0.0, 1.0) ** 0.6
    return (w0 * env * np.exp(rng.uniform(0.15, 0.45) * _noise1d(rng, len(s), 2.0))).astype(np.float64)


# ---------------------------------------------------------------------------------------------------------------
# Scene, canvas


@dataclass
class _Scene:
    surface: str
    setting: str
    ambient_c: float
    t_air: float
    rh: float
    wind: float
    h_a: float
    h_r: float
    h_b: float
    f_sky: float
    t_sky: float
    t_env: float
    t_refl: float
    q_sun: float            # absorbed flux per unit absorptivity on sunlit surface [W/m2]
    t_b: float              # temperature behind the cover [degC]
    t0: float               # nominal clean surface temperature [degC]
    x_delam: float          # h_bulk under delaminated cover giving the target contrast
    d_delam: float          # signed delamination contrast target [K]
    evap_drive: float       # 0..1, how strongly a wet surface cools (humidity, wind)
    grad_k: float           # peak-to-peak scene gradient [K]
    lam: float              # lateral conductance of the cover [W/K]
    light: tuple[float, float, float]
    light2: tuple[float, float]
    lamp: bool
    e_dir: float
    e_amb: float
    illum_dir: np.ndarray
    illum_amb: np.ndarray

    @property
    def h0(self) -> float:
        return self.h_a + self.h_r + self.h_b


@dataclass
class _Canvas:
    h: int
    w: int
    mm: float
    L: np.ndarray
    A: np.ndarray
    B: np.ndarray
    z: np.ndarray                       # relief [mm]
    label: np.ndarray
    layers: dict[str, np.ndarray] = field(default_factory=dict)
    shadows: list[tuple[np.ndarray, float, float, tuple[float, float]]] = field(default_factory=list)

    def layer(self, name: str, default: float = 0.0) -> np.ndarray:
        if name not in self.layers:
            self.layers[name] = np.full((self.h, self.w), default, _F32)
        return self.layers[name]


def _draw_scene(rng: np.random.Generator, spec: FrameSpec) -> _Scene:
    surface = str(rng.choice(['wall', 'slab', 'tunnel', 'pier'], p=[0.35, 0.2, 0.25, 0.2]))
    if surface == 'tunnel':
        setting = str(rng.choice(['tunnel', 'night'], p=[0.8, 0.2]))
    else:
        setting = str(rng.choice(['sun', 'overcast', 'night'], p=[0.45, 0.3, 0.25]))
    ambient = float(spec.ambient_c) if spec.ambient_c is not None else float(rng.uniform(0.0, 45.0))
    t_air = ambient + float(rng.normal(0.0, 0.4))           # drift of the local air against the nominal ambient
    rh = float(rng.uniform(0.2, 0.95))
    wind = float(rng.uniform(0.0, 1.5 if setting == 'tunnel' else 6.0))
    h_a, h_r, h_b = 4.0 + 3.8 * wind, 5.5, float(rng.uniform(10.0, 30.0))
    f_sky = 0.0 if setting == 'tunnel' else float(rng.uniform(0.3, 0.6))
    t_sky = t_air - (float(rng.uniform(8.0, 25.0)) if setting in ('sun', 'night') else float(rng.uniform(1.0, 6.0)))
    t_env = t_air + float(rng.normal(0.0, 1.0))
    t_refl = f_sky * t_sky + (1.0 - f_sky) * t_env
    b = h_a + h_r
    h0 = b + h_b
    alpha0 = 0.65
    if setting == 'sun':
        q_sun = float(rng.uniform(1.0, 6.0)) * h0 / alpha0      # a full shadow edge is worth 1..6 K
        gap = float(rng.uniform(2.0, 9.0))
    elif setting == 'overcast':
        q_sun = float(rng.uniform(0.2, 1.0)) * h0 / alpha0
        gap = float(rng.uniform(1.0, 4.0)) * (1.0 if rng.random() < 0.7 else -1.0)
    elif setting == 'night':
        q_sun, gap = 0.0, -float(rng.uniform(2.0, 8.0))
    else:
        q_sun, gap = 0.0, float(rng.uniform(1.0, 4.0)) * (1.0 if rng.random() < 0.5 else -1.0)
    # Delamination contrast: an air gap cuts h_bulk; at most h_b * |gap| / (h_a + h_r) for a full cut.
    gap = math.copysign(max(abs(gap), 0.65 * b / (0.85 * h_b)), gap)
    d_delam = min(float(rng.uniform(0.5, 4.0)), 0.85 * h_b * abs(gap) / b)
    s_other = h_a * t_air + h_r * (f_sky * t_sky + (1.0 - f_sky) * t_env) + alpha0 * q_sun
    t_b = (s_other - h0 * gap) / b
    t0 = t_b + gap
    dd = math.copysign(d_delam, gap)
    x = ((t0 + dd) * b - s_other) / (t_b - t0 - dd)
    x = float(np.clip(x, 0.02 * h_b, h_b))
    drive = float(np.clip((1.0 - rh) * (0.45 + 0.55 * min(wind, 4.0) / 4.0) * 1.6, 0.05, 1.0))
    # Light.
    if setting == 'sun':
        elev = math.radians(rng.uniform(12.0, 70.0))
        lamp, e_dir, e_amb = False, 1.0, float(rng.uniform(0.12, 0.45))
        illum_dir = np.array([1.0, 0.95, 0.84]) * rng.uniform(0.97, 1.03, 3)
        illum_amb = np.array([0.82, 0.93, 1.12])
    elif setting == 'overcast':
        elev = math.radians(rng.uniform(35.0, 80.0))
        lamp, e_dir, e_amb = False, float(rng.uniform(0.1, 0.4)), 1.0
        illum_dir = illum_amb = np.array([0.95, 1.0, 1.06]) * rng.uniform(0.97, 1.03, 3)
    else:
        elev = math.radians(rng.uniform(45.0, 86.0))
        lamp, e_dir, e_amb = True, 1.0, float(rng.uniform(0.02, 0.3))
        choices = [np.array([1.0, 1.0, 1.06]), np.array([1.0, 0.88, 0.7]), np.array([1.0, 0.78, 0.5]),
                   np.array([0.95, 1.0, 0.9])]
        if setting == 'tunnel':
            choices.append(np.array([1.0, 0.66, 0.3]))       # low-pressure sodium tunnel lights
        illum_dir = choices[int(rng.integers(len(choices)))] * rng.uniform(0.97, 1.03, 3)
        illum_amb = choices[int(rng.integers(len(choices)))]
    az = rng.uniform(0.0, 2.0 * math.pi)
    if not lamp and rng.random() < 0.7:
        az = rng.uniform(math.pi * 1.15, math.pi * 1.85)     # light mostly from above on walls
    lz = math.sin(elev)
    lx, ly = math.cos(elev) * math.cos(az), math.cos(elev) * math.sin(az)
    n2 = math.hypot(lx, ly) + 1e-9
    return _Scene(surface, setting, ambient, t_air, rh, wind, h_a, h_r, h_b, f_sky, t_sky, t_env, t_refl, q_sun,
                  t_b, t0, x, dd, drive, float(rng.uniform(0.0, 6.0) * (0.5 if setting == 'tunnel' else 1.0)),
                  float(rng.uniform(0.04, 0.12)), (lx, ly, lz), (lx / n2, ly / n2), lamp, e_dir, e_amb,
                  illum_dir.astype(_F32), illum_amb.astype(_F32))


# ---------------------------------------------------------------------------------------------------------------
# Base concrete


def _texture(rng: np.random.Generator, cv: _Canvas, scene: _Scene) -> None:
    h, w, mm = cv.h, cv.w, cv.mm
    span = max(h, w) * mm
    u = rng.uniform
    l0 = float(u(36.0, 80.0))
    tint = rng.random()
    a0, b0 = (float(rng.normal(0.2, 0.6)), float(u(-3.5, 0.5))) if tint < 0.3 else (
        float(rng.normal(0.6, 0.8)), float(u(1.0, 9.0)))
    lum, ach, bch, z = cv.L, cv.A, cv.B, cv.z
    lum += l0
    ach += a0
    bch += b0
    n1, n2 = _noise(rng, (h, w), mm, u(2.6, 3.4), max(2 * span, 400.0), max(10.0, 3 * mm), u(1.0, 2.0), u(0, 3.2))
    lum += n1 * _F32(u(2.0, 7.0))
    ach += n2 * _F32(u(0.2, 1.0))
    n3, n4 = _noise(rng, (h, w), mm, u(1.6, 2.4), u(40.0, 150.0), max(1.5, 2 * mm), u(1.0, 1.6), u(0, 3.2))
    lum += n3 * _F32(u(1.0, 4.0))
    bch += n4 * _F32(u(0.3, 1.5))
    g1, g2 = _noise(rng, (h, w), mm, u(0.0, 1.0), u(2.0, 6.0), u(0.15, 0.5))
    lum += g1 * _F32(u(1.5, 5.0))
    z += g2 * _F32(u(0.05, 0.2))
    if rng.random() < 0.8:   # sand and fine aggregate: discrete grains, lighter and darker than the paste
        gs = float(u(0.6, 2.5))
        p, c = _noise(rng, (h, w), mm, 0.5, gs * 1.5, gs / 4.0, resolved=False)
        thr = _ppf(1.0 - u(0.08, 0.3))
        m = _smooth(thr, thr + 0.5, p) * _F32(min(1.0, gs / (2.5 * mm)))
        lum += m * c * _F32(u(4.0, 12.0))
        bch += m * c * _F32(u(-0.5, 1.0))
        z += m * _F32(0.1)
    if rng.random() < 0.6:   # exposed coarse aggregate (worn, blasted or weathered surfaces)
        agg = float(u(4.0, 16.0))
        p, c = _noise(rng, (h, w), mm, u(0.5, 1.5), agg * 1.3, agg / 5.0, resolved=False)
        thr = _ppf(1.0 - u(0.05, 0.3))
        m = _smooth(thr, thr + 0.6, p) * _F32(min(1.0, agg / (3 * mm)))
        tone = _smooth(-0.6, 0.6, c)
        s1, s2 = rng.normal(0, 1, 3) * [8, 2, 4], rng.normal(0, 1, 3) * [8, 2, 4]
        lum += m * (_F32(s1[0]) + _F32(s2[0] - s1[0]) * tone + 3.0 * c)
        ach += m * (_F32(s1[1]) + _F32(s2[1] - s1[1]) * tone)
        bch += m * (_F32(s1[2]) + _F32(s2[2] - s1[2]) * tone)
        lum -= (m * (1.0 - m)) * _F32(4.0 * u(1.0, 5.0))
        z += m * _F32(u(0.2, 1.0))
    if rng.random() < 0.75:   # bugholes
        size = float(u(1.0, 6.0))
        p, q = _noise(rng, (h, w), mm, u(0.0, 1.0), size * 1.5, size / 3.0, resolved=False)
        thr = _ppf(1.0 - u(0.003, 0.03))
        m = _smooth(thr, thr + 0.35, p) * _F32(min(1.0, size / (2 * mm)))
        lum -= m * _F32(u(10.0, 28.0))
        bch += m * _F32(u(0.0, 2.0))
        z -= m * _F32(size * 0.5)
    yy, xx = _grid(h, w)
    formwork = scene.surface != 'slab' and rng.random() < 0.35
    if formwork:
        bw = float(u(80.0, 250.0))
        horiz = rng.random() < 0.6
        coord = (yy if horiz else xx).ravel() * mm + u(0, bw)
        k = np.floor(coord / bw).astype(np.int64)
        offs = rng.normal(0.0, u(0.5, 3.0), int(k.max() - k.min() + 1)).astype(_F32)
        dj = np.abs(coord / bw - np.rint(coord / bw)) * bw
        fin = np.exp(-(dj / u(0.6, 2.0)) ** 2).astype(_F32) * _F32(min(1.0, 1.5 / mm))
        prof = offs[k - k.min()] - fin * _F32(u(2.0, 8.0))
        lum += prof[:, None] if horiz else prof[None, :]
        z += (fin[:, None] if horiz else fin[None, :]) * _F32(0.4)
        gr, _ = _noise(rng, (h, w), mm, 2.0, 300.0, max(1.0, 2 * mm), u(4.0, 10.0), 0.0 if horiz else math.pi / 2)
        lum += gr * _F32(u(0.5, 2.0))
        z += gr * _F32(0.08)
    elif rng.random() < (0.35 if scene.surface == 'slab' else 0.12):   # trowel arcs
        hs, ws = max(4, h // 2), max(4, w // 2)
        sy_, sx_ = _grid(hs, ws)
        acc = np.zeros((hs, ws), _F32)
        for _ in range(int(rng.integers(2, 4))):
            cx, cy = u(-0.5, 1.5) * ws, u(-0.5, 1.5) * hs
            r = np.sqrt((sx_ - _F32(cx)) ** 2 + (sy_ - _F32(cy)) ** 2) * _F32(2 * mm)
            prof = _noise1d(rng, 4096, 1.8)
            step = max(0.3, 2 * mm)
            ring = prof[np.clip((r / step).astype(np.int64), 0, 4095)]
            ang = u(0, 2 * math.pi)
            win = _smooth(-0.2, 0.6, ((sx_ - _F32(cx)) * _F32(math.cos(ang)) + (sy_ - _F32(cy)) * _F32(math.sin(ang)))
                          / (r / _F32(2 * mm) + 1.0))
            acc += ring * win
        acc = cv2.resize(acc, (w, h), interpolation=cv2.INTER_LINEAR)
        lum += acc * _F32(u(0.8, 2.5))
        z += acc * _F32(0.05)
    if scene.surface != 'slab' and rng.random() < 0.5:   # weathering streaks hanging from the top
        ws_, _ = _noise(rng, (h, w), mm, u(1.5, 2.5), u(200.0, 800.0), max(u(3.0, 12.0), 3 * mm), u(4.0, 12.0),
                        math.pi / 2)
        y0 = u(-0.3, 0.5) * h
        env = np.exp(-np.maximum(yy - _F32(y0), 0) * _F32(mm / u(150.0, 900.0))) * _smooth(y0, y0 + 0.1 * h, yy)
        s = _smooth(-0.3, 1.3, ws_) * env.astype(_F32)
        amp = float(u(2.0, 10.0))
        if rng.random() < 0.75:
            lum -= s * _F32(amp)
            bch += s * _F32(amp * 0.15)
        else:
            lum += s * _F32(amp * 0.6)
    if rng.random() < 0.5:   # dirt
        d, _ = _noise(rng, (h, w), mm, 3.0, 600.0, max(15.0, 3 * mm), resolved=False)
        m = _smooth(0.0, 2.2, d) * _F32(u(3.0, 10.0))
        if rng.random() < 0.35:   # splash zone at the bottom
            m += _smooth(u(0.55, 0.85) * h, h, yy) * _F32(u(3.0, 10.0)) * (0.7 + 0.3 * d)
        lum -= m
        ach += m * _F32(0.08)
        bch += m * _F32(0.3)
    if rng.random() < 0.12:   # old efflorescence, dry
        e, _ = _noise(rng, (h, w), mm, 2.5, 300.0, max(4.0, 3 * mm), resolved=False)
        m = _smooth(1.0, 2.2, e)
        lum += m * _F32(u(6.0, 14.0))
        ach *= 1.0 - 0.5 * m
        bch *= 1.0 - 0.5 * m


# ---------------------------------------------------------------------------------------------------------------
# Defects


def _box_view(cv: _Canvas, box: tuple[int, int, int, int]) -> tuple[slice, slice]:
    x0, y0, x1, y1 = box
    return slice(y0, y1), slice(x0, x1)


def _mix(cv: _Canvas, sl: tuple[slice, slice], op: np.ndarray, lab: tuple[float, float, float],
         keep: float = 1.0) -> None:
    """Perceptual mix toward a Lab colour; `keep` of the underlying texture contrast survives."""
    for arr, target in zip((cv.L, cv.A, cv.B), lab, strict=True):
        v = arr[sl]
        mean = float(v.mean())
        v += op * (_F32(target) - (_F32(mean) + (v - _F32(mean)) * _F32(1.0 - keep)))


def _crack_effects(rng: np.random.Generator, cv: _Canvas, sl: tuple[slice, slice], f: _Field, width_mm: float,
                   strength: float, scene: _Scene, thermal: str) -> np.ndarray:
    """Darkening, edges, lips, halo, relief and thermal line of a crack field; returns the visible mask."""
    mm = cv.mm
    floor = float(rng.uniform(0.7, 1.0))
    inside = f.wid > 0
    wv = np.where(inside, np.maximum(f.wid, _F32(floor)), 0).astype(_F32)
    # Sub-pixel cracks darken their pixel partially; dirt in the mouth makes them read wider than they are.
    faint = np.clip(f.wid / np.maximum(wv, 1e-6), 0, 1) ** 0.4
    wide = width_mm / mm > 2.5
    if wide:
        rag, _ = _noise(rng, f.d.shape, mm, 1.5, width_mm * 4, max(width_mm * 0.3, mm), resolved=False)
        wv = wv * (1.0 + 0.3 * np.clip(rag, -1.5, 1.5))
    cov = _overlap(f.d, wv)
    dark = cov * faint * _F32(strength)
    e = wv * _F32(rng.uniform(0.2, 0.8) * (1.0 - scene.light[2]) + 0.1) + 0.3
    band = np.clip(_overlap(f.d, wv + 2 * e) - cov, 0, 1) * ((f.sd * f.nl) > 0)
    dark = dark + band * faint * _F32(rng.uniform(0.25, 0.55) * strength)
    lum, ach, bch, z = cv.L[sl], cv.A[sl], cv.B[sl], cv.z[sl]
    if wide:
        lip_w = wv * _F32(rng.uniform(0.5, 1.5))
        lip = _smooth(0.0, 1.0, wv * 0.5 + lip_w - f.d) * (f.d > wv * 0.5) * (rag > rng.uniform(-0.5, 0.5))
        lum += lip * _F32(rng.uniform(3.0, 10.0))
        z -= lip * _F32(width_mm * 0.4)
    halo = np.zeros_like(dark)
    if rng.random() < (0.9 if width_mm < 0.3 else 0.5):
        hp = max(rng.uniform(0.5, 3.0) / mm, 0.7)
        halo = _F32(rng.uniform(0.03, 0.12)) * np.exp(-np.maximum(f.d - wv * 0.5, 0) / _F32(hp)) * faint
        halo *= f.d < 6 * hp
    lum *= 1.0 - np.clip(dark, 0, 0.97) - halo
    ach *= 1.0 - 0.6 * np.clip(dark, 0, 1)
    bch[:] = bch * (1.0 - 0.6 * np.clip(dark, 0, 1)) + dark * _F32(rng.uniform(0.0, 3.0))
    z -= cov * faint * _F32(min(4 * width_mm, 15.0))
    therm = np.zeros_like(dark)
    if thermal == 'moist':
        sig = max(width_mm, rng.uniform(1.0, 4.0)) / mm
        therm = -_F32(rng.uniform(0.2, 1.5)) * f.q * np.exp(-(f.d / _F32(sig)) ** 2)
    elif thermal == 'discontinuity':
        lp = max(rng.uniform(2.0, 6.0) / mm, 1.0)
        therm = _F32(rng.uniform(0.2, 0.8) * rng.choice([-1, 1])) * f.q * np.tanh(f.sd / _F32(max(1.0, wv.max()))) \
            * np.exp(-f.d / _F32(lp))
    if thermal != 'dry':
        cv.layer('fine_K')[sl] += therm
    mask = (dark > 0.03) | (halo > 0.015) | (np.abs(therm) > 0.25)
    return cv2.dilate(mask.astype(np.uint8), _ELL3) > 0


def _crack(rng: np.random.Generator, cv: _Canvas, box: tuple[int, int, int, int], scene: _Scene
           ) -> tuple[np.ndarray, str]:
    x0, y0, x1, y1 = box
    bw, bh, mm = x1 - x0, y1 - y0, cv.mm
    variant = str(rng.choice(['hairline', 'fine', 'wide', 'branching', 'map'], p=[0.25, 0.22, 0.18, 0.2, 0.15]))
    if variant == 'map' and min(bw, bh) < 28:
        variant = 'fine'
    width_mm = {'hairline': (0.05, 0.3), 'fine': (0.3, 1.2), 'wide': (1.5, 6.0), 'branching': (0.2, 2.5),
                'map': (0.1, 0.8)}[variant]
    width_mm = float(rng.uniform(*width_mm))
    if variant == 'hairline':
        width_mm = max(width_mm, 0.12 * mm)     # finer than this no camera at this scale would ever show
    w0 = width_mm / mm
    margin = min(3.0 + w0, 0.2 * min(bw, bh))
    lo = np.array([margin, margin])
    hi = np.array([bw - 1 - margin, bh - 1 - margin])
    lines: list[Line] = []
    rough, hurst = rng.uniform(0.07, 0.2), rng.uniform(0.85, 1.0)
    if variant == 'map':
        cell = float(np.clip(rng.uniform(40.0, 200.0) / mm, max(10.0, min(bw, bh) / 8), max(10.0, min(bw, bh) / 2.5)))
        gx, gy = max(2, round(bw / cell)), max(2, round(bh / cell))
        jx, jy = np.meshgrid((np.arange(gx) + 0.5) * bw / gx, (np.arange(gy) + 0.5) * bh / gy)
        pts = np.stack([jx.ravel(), jy.ravel()], 1) + rng.uniform(-0.4, 0.4, (gx * gy, 2)) * [bw / gx, bh / gy]
        sub = cv2.Subdiv2D((-bw, -bh, 3 * bw, 3 * bh))
        for p in pts:
            sub.insert((float(p[0]), float(p[1])))
        facets, _ = sub.getVoronoiFacetList([])
        edges = {}
        for poly in facets:
            for a, b in zip(poly, np.roll(poly, -1, axis=0), strict=True):
                key = tuple(sorted([tuple(np.round(a, 1)), tuple(np.round(b, 1))]))
                if key in edges:
                    continue
                # Liang-Barsky clip of the cell edge to the box interior.
                d = b - a
                t0, t1 = 0.0, 1.0
                for k in range(2):
                    for p_, q_ in ((-d[k], a[k] - lo[k]), (d[k], hi[k] - a[k])):
                        if abs(p_) < 1e-9:
                            t0, t1 = (t0, t1) if q_ >= 0 else (1.0, 0.0)
                        elif p_ < 0:
                            t0 = max(t0, q_ / p_)
                        else:
                            t1 = min(t1, q_ / p_)
                if t1 - t0 > 1e-3 and np.linalg.norm(d) * (t1 - t0) > 2.0:
                    edges[key] = (a + t0 * d, a + t1 * d)
        if len(edges) >= 3:
            e = np.array(list(edges.values()), np.float64)
            lev = _levels(float(np.linalg.norm(e[:, 1] - e[:, 0], axis=1).max()))
            paths = _fractal_paths(rng, e[:, 0], e[:, 1], lev, rough * 0.7, hurst)
            cx, cy = bw / 2, bh / 2
            for p in paths:
                p = np.clip(p, lo, hi)
                mid = p[len(p) // 2]
                env = max(0.15, 1.0 - ((mid[0] - cx) / (bw / 2)) ** 2 - ((mid[1] - cy) / (bh / 2)) ** 2)
                wid = _profile(rng, p, w0 * rng.uniform(0.5, 1.3) * env, (0.0, 0.0))
                lines.append((p, wid, np.full(len(p), rng.uniform(0.5, 1.0))))
    if not lines:
        variant = 'fine' if variant == 'map' else variant
        ang = (0.0 if bw >= bh else math.pi / 2) + rng.normal(0.0, 0.4)
        d = np.array([math.cos(ang), math.sin(ang)])
        c = np.array([bw / 2, bh / 2]) + rng.uniform(-0.1, 0.1, 2) * [bw, bh]
        with np.errstate(divide='ignore'):
            tmax = min(np.min(np.where(d > 0, (hi - c) / d, np.where(d < 0, (lo - c) / d, np.inf))),
                       np.min(np.where(d > 0, (c - lo) / d, np.where(d < 0, (c - hi) / d, np.inf))))
        tmax = max(float(tmax), 2.0)
        p0, p1 = c - d * tmax * rng.uniform(0.8, 1.0), c + d * tmax * rng.uniform(0.8, 1.0)
        main = np.clip(_fractal_paths(rng, p0[None], p1[None], _levels(2 * tmax), rough, hurst)[0], lo, hi)
        tap = (rng.uniform(0.05, 0.3), rng.uniform(0.05, 0.3))
        wid = _profile(rng, main, w0, tap)
        q = np.clip(1.0 + 0.5 * _noise1d(rng, len(main), 2.0), 0.1, 2.0)
        lines.append((main, wid, q))
        n_br = int(rng.integers(1, 5)) if variant == 'branching' else int(rng.random() < 0.25)
        for _ in range(n_br):
            par, pw_, _pq = lines[int(rng.integers(len(lines)))]
            i = int(rng.integers(int(0.15 * len(par)), max(int(0.85 * len(par)), int(0.15 * len(par)) + 1)))
            i = min(i, len(par) - 2)
            tg = par[min(i + 2, len(par) - 1)] - par[max(i - 2, 0)]
            a = math.atan2(tg[1], tg[0]) + rng.choice([-1, 1]) * math.radians(rng.uniform(20, 65))
            ln = rng.uniform(0.2, 0.55) * tmax * 2
            end = np.clip(par[i] + ln * np.array([math.cos(a), math.sin(a)]), lo, hi)
            br = np.clip(_fractal_paths(rng, par[i][None], end[None], _levels(ln), rough, hurst)[0], lo, hi)
            bwid = _profile(rng, br, max(pw_[i], 1e-3) * rng.uniform(0.4, 0.8), (0.0, rng.uniform(0.5, 1.0)))
            lines.append((br, bwid, np.full(len(br), rng.uniform(0.3, 1.0))))
    r = rng.random()
    thermal = 'moist' if r < 0.5 else ('discontinuity' if r < 0.7 else 'dry')
    if variant == 'hairline' and rng.random() < 0.5:
        thermal = 'dry'     # a dry shallow hairline shows almost nothing in thermal
    reach = w0 * 4 + 8 + max(3.0 / mm * 3, 4.0 / mm * 2.5 if thermal == 'moist' else 0.0,
                             6.0 / mm * 3 if thermal == 'discontinuity' else 0.0)
    fld = _polyline_field((bh, bw), lines, min(reach, float(max(bw, bh))), scene.light2)
    if fld is None:
        return np.zeros((bh, bw), bool), variant
    strength = {'hairline': rng.uniform(0.45, 0.75), 'fine': rng.uniform(0.5, 0.8), 'wide': rng.uniform(0.75, 0.93),
                'branching': rng.uniform(0.5, 0.85), 'map': rng.uniform(0.4, 0.75)}[variant]
    return _crack_effects(rng, cv, _box_view(cv, box), fld, width_mm, strength, scene, thermal), variant


def _bar_distance(shape: tuple[int, int], a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance to a segment and the position along it (0..1) for every pixel of a box."""
    y, x = _grid(*shape)
    ab = b - a
    l2 = float(ab @ ab) + 1e-9
    t = np.clip(((x - _F32(a[0])) * _F32(ab[0]) + (y - _F32(a[1])) * _F32(ab[1])) * _F32(1 / l2), 0, 1)
    return np.hypot(x - (_F32(a[0]) + t * _F32(ab[0])), y - (_F32(a[1]) + t * _F32(ab[1]))), t


def _delamination(rng: np.random.Generator, cv: _Canvas, sl: tuple[slice, slice], centre: tuple[float, float],
                  radii: tuple[float, float], angle: float, scene: _Scene) -> np.ndarray:
    bh, bw = cv.L[sl].shape
    lev, _ = _blob(rng, (bh, bw), cv.mm, centre, radii, angle, 0.15, 1.0)
    m = _smooth(-0.05, 0.5, lev)
    y, x = _grid(bh, bw)
    m *= _smooth(0, 0.08 * bw + 1, x) * _smooth(0, 0.08 * bw + 1, bw - 1 - x)   # stays inside the box
    m *= _smooth(0, 0.08 * bh + 1, y) * _smooth(0, 0.08 * bh + 1, bh - 1 - y)
    hb = cv.layer('hb_loss')[sl]
    np.maximum(hb, m * _F32(1.0 - scene.x_delam / scene.h_b), out=hb)
    return m


def _corrosion(rng: np.random.Generator, cv: _Canvas, box: tuple[int, int, int, int], scene: _Scene
               ) -> tuple[np.ndarray, str]:
    x0, y0, x1, y1 = box
    bw, bh, mm = x1 - x0, y1 - y0, cv.mm
    sl = _box_view(cv, box)
    u = rng.uniform
    variant = str(rng.choice(['stain', 'runoff', 'spalling', 'bar_crack'], p=[0.25, 0.3, 0.25, 0.2]))
    orient = 'h' if rng.random() < 0.65 else 'v'
    if variant == 'runoff' and rng.random() < 0.25:
        orient = 'p'
    if orient == 'h':
        yb = u(0.12, 0.35) * bh
        a, b = np.array([u(0.0, 0.2) * bw, yb]), np.array([u(0.8, 1.0) * bw, yb])
    elif orient == 'v':
        xb = u(0.3, 0.7) * bw
        a, b = np.array([xb, u(0.0, 0.15) * bh]), np.array([xb, u(0.45, 0.85) * bh])
    else:
        a = b = np.array([u(0.3, 0.7) * bw, u(0.1, 0.3) * bh])
    dbar, _ = _bar_distance((bh, bw), a, b + (1e-3 if orient == 'p' else 0))
    sig = float(np.clip(max(u(5.0, 25.0) / mm, u(0.06, 0.14) * min(bw, bh)), 1.5, 0.25 * min(bw, bh)))
    n1, n2 = _noise(rng, (bh, bw), mm, 2.2, u(40.0, 120.0), max(1.5, 2 * mm), resolved=False)
    src = np.exp(-(dbar / _F32(sig)) ** 2) * (0.55 + 0.45 * n1)
    s = _smooth(0.15, 0.6, src)
    y, x = _grid(bh, bw)
    ybar = float(max(a[1], b[1]))
    if variant in ('runoff', 'stain', 'bar_crack'):
        col = _smooth(-0.2, 0.8, _noise1d(rng, bw, 1.2))[None, :]
        tau = (u(0.4, 0.9) if variant == 'runoff' else u(0.05, 0.15)) * max(bh - ybar, 4)
        trail = _meander(rng, _smear_down(s * col, tau), u(0.5, 3.0) / mm)
        streak = _smooth(0.03, 0.35, trail) * _smooth(float(bh), bh * 0.85, y)
        s = np.maximum(s, streak * _F32(u(0.6, 0.95)))
    win = _window((bh, bw))
    s *= win
    dark_red = rng.random() < 0.25
    rust = (u(22, 35), u(18, 26), u(8, 18)) if dark_red else (u(28, 52), u(12, 28), u(18, 42))
    op = s * _F32(u(0.6, 0.95)) * (0.85 + 0.15 * n2)
    _mix(cv, sl, op, rust, keep=0.6)
    cv.L[sl] -= op * s * _F32(u(3.0, 8.0))
    mask = s > 0.12
    length = float(np.linalg.norm(b - a)) + 2 * sig
    bar_ang = math.atan2(b[1] - a[1], b[0] - a[0] + 1e-9)
    if variant == 'spalling':
        tc = u(0.3, 0.7)
        c = a + tc * (b - a)
        rx = min(u(30.0, 150.0) / mm, 0.45 * bw if orient != 'v' else 0.45 * bh, max(length / 2, 4))
        ry = min(u(15.0, 60.0) / mm, 0.4 * (bh if orient != 'v' else bw), 0.9 * (c[1] if orient == 'h' else bw / 2))
        lev, sp = _blob(rng, (bh, bw), mm, (c[0], c[1]), (max(rx, 3), max(ry, 2.5)), bar_ang, 0.25, 1.5)
        sp *= _window((bh, bw), 0.04)
        rough, _ = _noise(rng, (bh, bw), mm, 1.2, 20.0, max(0.7, mm), resolved=False)
        depth = u(8.0, 25.0)
        cv.L[sl] += sp * (_F32(-u(4.0, 12.0)) + 7.0 * rough)
        cv.z[sl] -= sp * _F32(depth) * _smooth(0, 0.3, lev) + sp * rough * _F32(1.5)
        rbar = max(u(5.0, 12.0) / mm, 1.0)
        trace = sp * np.exp(-(dbar / _F32(rbar)) ** 2) * _F32(u(0.6, 1.0))
        _mix(cv, sl, trace, (u(22, 34), u(14, 24), u(14, 30)), keep=0.8)
        cv.z[sl] += trace * _F32(rbar * mm)
        halo = _smooth(-0.4, 0.0, lev) * (1 - sp) * _F32(u(0.3, 0.7)) * win
        _mix(cv, sl, halo, rust, keep=0.6)
        mask |= sp > 0.2
        mask |= halo > 0.12
    if variant == 'bar_crack' and orient != 'p':
        lo = np.array([2.0, 2.0])
        hi = np.array([bw - 3.0, bh - 3.0])
        p = np.clip(_fractal_paths(rng, a[None], b[None], _levels(length), 0.03, 0.7)[0], lo, hi)
        wmm = u(0.15, 1.2)
        ln: Line = (p, _profile(rng, p, wmm / mm, (0.1, 0.1)), np.ones(len(p)))
        fld = _polyline_field((bh, bw), [ln], wmm / mm * 4 + 8, scene.light2)
        if fld is not None:
            mask |= _crack_effects(rng, cv, sl, fld, wmm, u(0.5, 0.85), scene, 'dry')
            bleed = np.exp(-(fld.d / _F32(max(u(2.0, 8.0) / mm, 1.0))) ** 2) * _F32(u(0.4, 0.8))
            _mix(cv, sl, bleed, rust, keep=0.6)
            mask |= bleed > 0.15
    # Delaminated cover: larger than the stain, centred on the bar.
    c = 0.5 * (a + b)
    ext = (max(length / 2, 6.0) * u(1.2, 1.7), max(u(40.0, 120.0) / mm, 2.5 * sig))
    ext = (min(ext[0], 0.6 * max(bw, bh)), min(ext[1], 0.6 * max(bw, bh)))
    m = _delamination(rng, cv, sl, (c[0], c[1] + 0.1 * bh), ext, bar_ang, scene)
    mask |= m > 0.35
    return mask, variant


def _sun_gain(cv: _Canvas, sl: tuple[slice, slice], l_before: np.ndarray, scene: _Scene) -> np.ndarray:
    """Extra sun absorbed [K equivalent] where a box got darker than it was (absorptivity ~ 1 - 0.85 Y)."""
    y0 = ((l_before + 16.0) * _F32(1 / 116)) ** 3
    y1 = ((cv.L[sl] + 16.0) * _F32(1 / 116)) ** 3
    return np.maximum(y0 - y1, 0) * _F32(0.85 * scene.q_sun / scene.h0)


def _leak(rng: np.random.Generator, cv: _Canvas, box: tuple[int, int, int, int], scene: _Scene
          ) -> tuple[np.ndarray, str]:
    x0, y0, x1, y1 = box
    bw, bh, mm = x1 - x0, y1 - y0, cv.mm
    sl = _box_view(cv, box)
    u = rng.uniform
    variant = str(rng.choice(['wet_patch', 'drip', 'tide_line', 'efflorescence'], p=[0.3, 0.25, 0.25, 0.2]))
    l_before = cv.L[sl].copy()
    ys = u(0.03, 0.2) * bh
    cx = u(0.35, 0.65) * bw
    rx, ry = u(0.25, 0.45) * bw, u(0.3, 0.5) * bh
    lev, _ = _blob(rng, (bh, bw), mm, (cx, ys + ry * u(0.5, 0.9)), (rx, ry), u(-0.2, 0.2), u(0.15, 0.28), 1.0,
                 detail=u(5.0, 10.0))
    t_cur = u(0.1, 0.3) if variant != 'drip' else u(0.45, 0.65)
    wet = _smooth(t_cur, t_cur + 0.08, lev) * (0.8 + 0.2 * _smooth(t_cur, t_cur + 0.5, lev))
    y, x = _grid(bh, bw)
    nd = int(rng.integers(4, 9)) if variant == 'drip' else int(rng.integers(1, 5))
    xs = rng.uniform(cx - rx, cx + rx, nd)
    sig = np.maximum(rng.uniform(2.0, 7.0, nd) / mm, 0.8)
    cols = np.zeros((1, bw), _F32)
    for xk, sk in zip(xs, sig, strict=True):
        cols = np.maximum(cols, np.exp(-((x - _F32(xk)) / _F32(sk)) ** 2))
    src = cols * np.exp(-((y - _F32(ys + ry * 0.3)) / _F32(max(3.0, 0.08 * bh))) ** 2)
    runs = _smooth(0.08, 0.45, _meander(rng, _smear_down(src, u(0.4, 1.0) * bh), u(0.5, 2.5) / mm))
    runs *= _smooth(float(bh), bh * 0.9, y)
    wet = np.maximum(wet, runs * _F32(u(0.6, 1.0))) * _window((bh, bw), 0.05)
    lum, ach, bch = cv.L[sl], cv.A[sl], cv.B[sl]
    lum *= 1.0 - wet * _F32(u(0.25, 0.45))
    ach *= 1.0 + 0.3 * wet
    bch *= 1.0 + 0.3 * wet
    cv.layer('gloss')[sl] += wet * _F32(u(0.01, 0.05))
    mask = wet > 0.12
    if variant == 'tide_line' or rng.random() < 0.25:
        # Old high-water fronts: contours of a smoothed wetness potential, below the current one.
        fs = cv2.GaussianBlur(lev, (0, 0), max(1.0, 0.04 * max(rx, ry)))
        dep = np.zeros_like(wet)
        step = u(0.05, 0.14)
        for k in range(1, int(rng.integers(2, 5))):
            dep = np.maximum(dep, np.exp(-((fs - _F32(t_cur - k * step)) / _F32(u(0.006, 0.015))) ** 2)
                             * _F32(u(0.5, 1.0)))
        dep *= _smooth(0.0, 0.1 * bh + 1, y) * _smooth(0, 0.05 * bw + 1, x) * _smooth(0, 0.05 * bw + 1, bw - 1 - x)
        dep = cv2.GaussianBlur(dep, (0, 0), max(0.5, 0.4 / mm))
        lum += dep * _F32(u(3.0, 9.0))
        bch += dep * _F32(u(1.0, 4.0))
        edge = np.exp(-((lev - _F32(t_cur)) / 0.015) ** 2) * (1 - dep)
        lum -= edge * _F32(u(2.0, 5.0))
        mask |= dep > 0.15
    if variant == 'efflorescence' or rng.random() < 0.15:
        # Salt left where water evaporates: along the wet front and in the runs, powdery and granular.
        cr, cr2 = _noise(rng, (bh, bw), mm, 0.3, 3.0, max(0.2, 0.6 * mm), resolved=False)
        cl, _ = _noise(rng, (bh, bw), mm, 2.0, u(20.0, 60.0), max(2.0, 2 * mm), resolved=False)
        front = np.exp(-((lev - _F32(t_cur + u(0.0, 0.1))) / _F32(u(0.05, 0.15))) ** 2)
        base = np.maximum(front, runs) * _smooth(-0.3, 0.8, cl)
        e = _smooth(0.1, 0.6, _smear_down(base, u(0.03, 0.15) * bh)) * _smooth(-1.2, 1.2, cr)
        e *= _smooth(0, 0.05 * bh + 1, bh - 1 - y)
        _mix(cv, sl, cv2.GaussianBlur(e, (0, 0), max(0.5, 0.6 / mm)) * _F32(u(0.5, 0.85)),
             (u(86.0, 95.0), 0.3, u(0.5, 3.0)), keep=0.5)
        mask |= e > 0.15
    # Evaporative cooling target (K); darker wet concrete absorbs more sun, so the source compensates for it.
    d_leak = 1.3 + 4.7 * scene.evap_drive * u(0.6, 1.0)
    d_leak += 0.03 / _EPS_C * max(scene.t0 - scene.t_refl, 0.0)     # wet emissivity mirrors less of a cold sky
    cv.layer('evap_K')[sl] += wet * _F32(d_leak) + _sun_gain(cv, sl, l_before, scene) * (wet > 0.02)
    cv.layer('emis')[sl] += wet * _F32(0.03)
    return mask, variant


def _apparent(t: float, eps: float, scene: _Scene) -> float:
    """What a camera set to concrete emissivity reads for a body at t with emissivity eps."""
    return t + (_EPS_C - eps) / _EPS_C * (scene.t_refl - t)


def _own_apparent(rng: np.random.Generator, scene: _Scene, base: float, eps: float, spread: tuple[float, float]
                  ) -> float:
    """Apparent temperature of a body at base +- spread; the sign that stays decidable against the surface wins."""
    d = rng.uniform(*spread)
    sign = float(rng.choice([-1.0, 1.0]))
    cands = [_apparent(base + sign * d, eps, scene), _apparent(base - sign * d, eps, scene)]
    if abs(cands[0] - scene.t0) >= 1.2:
        return cands[0]
    if abs(cands[1] - scene.t0) >= 1.2:
        return cands[1]
    best = max((base + s * spread[1] * 1.5 for s in (-1.0, 1.0)),
               key=lambda t: abs(_apparent(t, eps, scene) - scene.t0))
    return _apparent(best, eps, scene)


def _exposed_rebar(rng: np.random.Generator, cv: _Canvas, box: tuple[int, int, int, int], scene: _Scene
                   ) -> tuple[np.ndarray, str]:
    x0, y0, x1, y1 = box
    bw, bh, mm = x1 - x0, y1 - y0, cv.mm
    sl = _box_view(cv, box)
    u = rng.uniform
    horiz = bw >= bh
    ang = (0.0 if horiz else math.pi / 2) + rng.normal(0, 0.08)
    rx = 0.45 * (bw if horiz else bh)
    ry = 0.4 * (bh if horiz else bw)
    lev, cav = _blob(rng, (bh, bw), mm, (bw / 2, bh / 2), (rx, ry), ang, 0.22, 1.5)
    cav *= _window((bh, bw), 0.04)
    rough, r2 = _noise(rng, (bh, bw), mm, 1.3, 25.0, max(0.7, mm), resolved=False)
    depth = u(15.0, 40.0)
    # Broken-out cavity: rough fractured concrete, darker inside (self-shadowed), darkest near its walls.
    cv.L[sl] += cav * (_F32(-u(8.0, 18.0)) + 9.0 * rough)
    cv.B[sl] += cav * _F32(u(-1.0, 2.0))
    cv.z[sl] -= cav * (_F32(depth) * _smooth(0.0, 0.25, lev) + rough * _F32(2.0))
    cv.L[sl] -= cav * (1 - _smooth(0.0, 0.35, lev)) * _F32(u(5.0, 12.0))
    dbar = float(np.clip(u(10.0, 25.0) / mm, 2.0, max(2.0, 0.3 * 2 * ry)))
    nb = int(np.clip(rng.integers(1, 4), 1, max(1, int(2 * ry / (2.2 * dbar)))))
    spacing = u(60.0, 200.0) / mm
    y, x = _grid(bh, bw)
    cx, cy = bw / 2, bh / 2
    ca, sa = math.cos(ang), math.sin(ang)
    along = (x - _F32(cx)) * _F32(ca) + (y - _F32(cy)) * _F32(sa)
    across = (y - _F32(cy)) * _F32(ca) - (x - _F32(cx)) * _F32(sa)
    lx, ly, lz = scene.light
    l_across = -lx * sa + ly * ca
    l_along = lx * ca + ly * sa
    bars = np.zeros((bh, bw), _F32)
    lit = np.zeros((bh, bw), _F32)
    offs = (np.arange(nb) - (nb - 1) / 2) * min(spacing, 1.6 * ry / max(nb, 1))
    r = dbar / 2
    pitch = max(0.7 * dbar, 2.0)
    rib_ang = math.radians(u(50, 70))
    # Explicit cylinder shading (Lambert + a sharp highlight) since the bars are metallic.
    for o, coord, other, lo_, rr in [(o, across, along, l_across, r) for o in offs] + (
            [(u(-0.5, 0.5) * rx, along, across, l_along, 0.8 * r)] if rng.random() < 0.4 else []):
        nx = np.clip((coord - _F32(o)) / _F32(rr), -1, 1)
        nz = np.sqrt(1 - nx * nx)
        ndl = np.maximum(nz * _F32(lz) + nx * _F32(lo_), 0)
        hl = np.exp(-((nx - _F32(lo_ / (1 + lz))) / _F32(0.18)) ** 2)
        rib = (0.5 + 0.5 * np.cos((other + np.abs(coord - _F32(o)) / _F32(math.tan(rib_ang)))
                                  * _F32(2 * math.pi / pitch))) ** 4
        cover = _smooth(rr, rr - 1.0, np.abs(coord - _F32(o)))
        shade = (0.35 + 0.75 * ndl) * (0.85 + 0.25 * rib) + 0.5 * hl
        lit = np.where(cover > bars, shade, lit)
        bars = np.maximum(bars, cover)
    bars *= _smooth(0.05, 0.2, lev)
    steel = u(38.0, 60.0)
    op = bars * _F32(u(0.9, 1.0))
    _mix(cv, sl, op, (steel, u(-1.0, 1.0), u(-3.0, 2.0)), keep=0.1)
    cv.L[sl] += op * (lit - 1.0) * _F32(steel * 0.8) + op * r2 * _F32(2.0)
    cv.z[sl] += bars * _F32(depth * 0.8)
    cv.layer('gloss_sharp')[sl] += bars * _F32(u(0.3, 0.7))
    # The bars shadow the cavity floor.
    off = r * 1.5
    sh = cv2.warpAffine(bars, np.array([[1, 0, -lx / lz * off], [0, 1, -ly / lz * off]], _F32), (bw, bh))
    cv.layer('direct', 1.0)[sl] *= 1.0 - cv2.GaussianBlur(sh, (0, 0), max(0.5, r * 0.3)) * (1 - bars) * _F32(0.7)
    # Steel: conducted from the bulk, low emissivity (mirrors the surroundings); its own apparent temperature.
    eps = u(0.25, 0.45)
    t_app = _own_apparent(rng, scene, scene.t_b, eps, (1.0, 4.0))
    cv.layer('own_Tm')[sl] += bars * _F32(t_app)
    cv.layer('own_m')[sl] += bars
    mask = (cav > 0.3) | (bars > 0.3)
    return mask, 'bars_in_cavity' if nb > 1 else 'single_bar'


def _draw_mask(shape: tuple[int, int], draw: object) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    draw(m)
    return m.astype(_F32) * _F32(1 / 255)


def _foreign_object(rng: np.random.Generator, cv: _Canvas, box: tuple[int, int, int, int], scene: _Scene
                    ) -> tuple[np.ndarray, str]:
    x0, y0, x1, y1 = box
    bw, bh, mm = x1 - x0, y1 - y0, cv.mm
    sl = _box_view(cv, box)
    u = rng.uniform
    variant = str(rng.choice(['cable', 'glove', 'bottle', 'bag', 'tool']))
    shape = (bh, bw)
    cx, cy = bw / 2, bh / 2
    aa = cv2.LINE_AA
    sharp = 0.0
    gloss = 0.0
    emis = u(0.88, 0.95)
    bright = rng.random() < 0.5
    col = (u(55, 88) if bright else u(15, 55), u(-60, 60), u(-60, 60))
    parts: list[tuple[np.ndarray, tuple[float, float, float], float]] = []   # mask, colour, thickness mm
    if variant == 'cable':
        d_px = max(2.0, u(5.0, 20.0) / mm)
        m_ = max(d_px, 3.0)
        p0 = np.array([u(0, 0.2) * bw, u(0, 1) * bh]) if rng.random() < 0.5 else np.array([u(0, 1) * bw, 0.0])
        p1 = np.array([bw - p0[0], bh - p0[1]])
        p = _fractal_paths(rng, p0[None], p1[None], 6, 0.18, 0.9)[0]
        p = cv2.blur(p.reshape(-1, 1, 2).astype(_F32), (1, 9)).reshape(-1, 2)
        p = np.clip(p, m_, [bw - 1 - m_, bh - 1 - m_])
        pts = [np.rint(p * 4).astype(np.int32)]
        mask = _draw_mask(shape, lambda im: cv2.polylines(im, pts, False, 255, max(1, round(d_px)), aa, 2))
        col = tuple(rng.choice([(15, 0, 0), (60, 45, 65), (80, 5, 75), (40, 15, -45), (45, 55, 35), (70, 0, 0)]))
        parts.append((mask, col, d_px * mm))
        sharp = 0.2
    elif variant == 'glove':
        s = min(bw, bh) * u(0.38, 0.48)
        a = u(0, 2 * math.pi)

        def glove(im: np.ndarray) -> None:
            # Palm, cuff, four roughly parallel fingers and a thumb, in 1/4 px fixed point.
            d = np.array([math.cos(a), math.sin(a)])
            n = np.array([-d[1], d[0]])
            c = np.array([cx, cy]) - d * s * 0.35

            def ell(p: np.ndarray, ax: tuple[float, float], ang: float) -> None:
                cv2.ellipse(im, (round(p[0] * 4), round(p[1] * 4)),
                            (max(1, round(ax[0] * 4)), max(1, round(ax[1] * 4))),
                            math.degrees(ang), 0, 360, 255, -1, aa, 2)
            ell(c, (s * 0.5, s * 0.42), a)
            cuff = [np.rint(np.array([c - d * s * 0.3 - n * s * 0.38, c - d * s * 0.85 - n * s * 0.42,
                                      c - d * s * 0.85 + n * s * 0.42, c - d * s * 0.3 + n * s * 0.38]) * 4
                            ).astype(np.int32)]
            cv2.fillPoly(im, cuff, 255, aa, 2)
            for k in range(4):
                fa = a + (k - 1.5) * u(0.08, 0.2)
                fd = np.array([math.cos(fa), math.sin(fa)])
                ln = s * (0.36 if k in (0, 3) else 0.44) * u(0.9, 1.1)
                ell(c + n * (k - 1.5) * s * 0.22 + d * s * 0.35 + fd * ln, (ln, s * 0.1), fa)
            ta = a + u(0.7, 1.2)
            ell(c + n * s * 0.4 + np.array([math.cos(ta), math.sin(ta)]) * s * 0.3, (s * 0.28, s * 0.1), ta)
        parts.append((_draw_mask(shape, glove), col, u(8.0, 20.0)))
    elif variant == 'bottle':
        ln, rad = min(max(bw, bh) * u(0.55, 0.8), max(bw, bh) - 4), min(bw, bh) * u(0.12, 0.22)
        a = u(0, math.pi)
        d = np.array([math.cos(a), math.sin(a)])
        c = np.array([cx, cy])
        body = [np.rint(np.array([c - d * ln / 2, c + d * ln * 0.2]) * 4).astype(np.int32)]
        neck = [np.rint(np.array([c + d * ln * 0.2, c + d * ln * 0.45]) * 4).astype(np.int32)]
        cap = [np.rint(np.array([c + d * ln * 0.42, c + d * ln * 0.5]) * 4).astype(np.int32)]
        mb = _draw_mask(shape, lambda im: cv2.polylines(im, body, False, 255, max(2, round(2 * rad)), aa, 2))
        mn = _draw_mask(shape, lambda im: cv2.polylines(im, neck, False, 255, max(1, round(rad * 0.8)), aa, 2))
        mc = _draw_mask(shape, lambda im: cv2.polylines(im, cap, False, 255, max(1, round(rad * 0.9)), aa, 2))
        bcol = tuple(rng.choice([(80, -8, 10), (45, -25, 20), (35, 20, 40), (55, 5, -35), (88, 0, 2)]))
        parts += [(np.maximum(mb, mn) * (1 - mc), bcol, 2 * rad * mm), (mc, col, rad * mm)]
        sharp = 0.6
    elif variant == 'bag':
        # Crumpled outline: a periodic power-law radius around the centre.
        ang = np.linspace(0, 2 * math.pi, 64, endpoint=False)
        rr = min(bw, bh) * 0.36 * np.clip(1.0 + 0.22 * _noise1d(rng, 64, 2.5), 0.45, 1.25)
        poly = np.stack([cx + rr * np.cos(ang), cy + rr * np.sin(ang)], 1)
        pts = [np.rint(poly * 4).astype(np.int32)]
        mask = cv2.GaussianBlur(_draw_mask(shape, lambda im: cv2.fillPoly(im, pts, 255, aa, 2)), (0, 0), 1.0)
        col = tuple(rng.choice([(92, 0, 0), (45, 10, -50), (15, 0, 0), (82, 0, 75), (55, -40, 30), (70, 35, 10)]))
        parts.append((mask, col, u(3.0, 15.0)))
        gloss = 0.25
    else:
        ln = min(max(bw, bh) * u(0.6, 0.85), max(bw, bh) - 4)
        a = u(0, math.pi)
        d = np.array([math.cos(a), math.sin(a)])
        c = np.array([cx, cy])
        hw = max(2.0, min(bw, bh) * u(0.08, 0.14))
        handle = [np.rint(np.array([c - d * ln / 2, c + d * ln * 0.05]) * 4).astype(np.int32)]
        head = [np.rint(np.array([c + d * ln * 0.05, c + d * ln / 2]) * 4).astype(np.int32)]
        mh = _draw_mask(shape, lambda im: cv2.polylines(im, handle, False, 255, max(2, round(2 * hw)), aa, 2))
        mt = _draw_mask(shape, lambda im: cv2.polylines(im, head, False, 255, max(1, round(hw * 0.7)), aa, 2))
        hcol = tuple(rng.choice([(45, 60, 45), (80, 5, 75), (15, 0, 0), (60, 45, 65), (45, 10, -45)]))
        parts += [(mh * (1 - mt), hcol, 2 * hw * mm), (mt, (u(55, 75), 0.0, u(-3, 2)), hw * mm)]
        sharp = 0.5
    total = np.zeros(shape, _F32)
    hgt = np.zeros(shape, _F32)
    tex, _ = _noise(rng, shape, mm, 1.5, 30.0, max(0.5, mm), resolved=False)
    tex2, _ = _noise(rng, shape, mm, 2.0, 60.0, max(1.0, mm), u(2.0, 5.0), u(0, 3.2), resolved=False)
    for m, c, thick in parts:
        _mix(cv, sl, m, (float(c[0]), float(c[1]), float(c[2])), keep=0.0)
        dt = cv2.distanceTransform((m > 0.5).astype(np.uint8), cv2.DIST_L2, 3)
        r = max(thick / mm / 2, 1.0)
        hgt = np.maximum(hgt, np.sqrt(np.maximum(r * r - (r - np.minimum(dt, r)) ** 2, 0)) * _F32(2 * mm) * m)
        total = np.maximum(total, m)
    cv.L[sl] += total * tex * _F32(2.0 if variant in ('glove', 'bag') else 0.8)
    if variant == 'bag':   # wrinkles: folds shade and crease the film
        hgt += total * tex2 * _F32(4.0)
        cv.L[sl] += total * (tex2 * _F32(6.0) - np.abs(tex2) * _F32(4.0))
    cv.z[sl] += hgt
    if gloss:
        cv.layer('gloss')[sl] += total * _F32(gloss)
    if sharp:
        cv.layer('gloss_sharp')[sl] += total * _F32(sharp)
    # Cast shadow on the surface behind.
    lx, ly, lz = scene.light
    hmax = float(hgt.max()) / mm
    sx, sy = -lx / lz * hmax * 0.7, -ly / lz * hmax * 0.7
    sh = cv2.warpAffine(total, np.array([[1, 0, sx], [0, 1, sy]], _F32), (bw, bh))
    sh = cv2.GaussianBlur(sh, (0, 0), max(0.5, hmax * 0.08)) * (1 - total)
    cv.layer('direct', 1.0)[sl] *= 1.0 - sh * _F32(0.85)
    if scene.setting == 'sun':
        cv.layer('sun_block')[sl] += sh
    # Its own temperature (sun-heated, cold from storage, warm from a hand...), seen through its emissivity.
    t_app = _own_apparent(rng, scene, scene.t0, emis, (1.5, 20.0))
    cv.layer('own_Tm')[sl] += total * _F32(t_app)
    if variant == 'tool':   # bare metal head: low emissivity, mirrors the surroundings
        head = parts[-1][0]
        t_head = _apparent(t_app, u(0.15, 0.4), scene)
        cv.layer('own_Tm')[sl] += head * _F32(t_head - t_app)
    cv.layer('own_m')[sl] += total
    return total > 0.3, variant


def _hot_spot(rng: np.random.Generator, cv: _Canvas, box: tuple[int, int, int, int], scene: _Scene
              ) -> tuple[np.ndarray, str]:
    x0, y0, x1, y1 = box
    bw, bh, mm = x1 - x0, y1 - y0, cv.mm
    sl = _box_view(cv, box)
    u = rng.uniform
    variant = str(rng.choice(['pipe', 'cable', 'fault'], p=[0.4, 0.3, 0.3]))
    y, x = _grid(bh, bw)
    if variant == 'fault':
        depth = u(20.0, 60.0) / mm
        depth = min(depth, 0.15 * min(bw, bh) + 1)
        r2 = ((x - _F32(u(0.35, 0.65) * bw)) ** 2 + (y - _F32(u(0.35, 0.65) * bh)) ** 2) / _F32(depth * depth)
        prof = (1.0 + r2) ** -1.5
    else:
        depth = min((u(25.0, 80.0) if variant == 'pipe' else u(15.0, 50.0)) / mm, 0.1 * min(bw, bh) + 1)
        horiz = bw >= bh
        p0 = np.array([0.0, u(0.3, 0.7) * bh]) if horiz else np.array([u(0.3, 0.7) * bw, 0.0])
        p1 = (np.array([bw - 1.0, p0[1] + u(-0.1, 0.1) * bh]) if horiz
              else np.array([p0[0] + u(-0.1, 0.1) * bw, bh - 1.0]))
        if variant == 'pipe':
            d, _ = _bar_distance((bh, bw), p0, p1)
        else:
            p = _fractal_paths(rng, p0[None], p1[None], _levels(max(bw, bh)), 0.12, 0.9)[0]
            fld = _polyline_field((bh, bw), [(p, np.ones(len(p)), np.ones(len(p)))], float(max(bw, bh)), (0.0, 0.0))
            d = fld.d if fld is not None else _bar_distance((bh, bw), p0, p1)[0]
        prof = 1.0 / (1.0 + (d / _F32(depth)) ** 2)
    win = _window((bh, bw), 0.15)
    peak = u(8.0, 60.0)
    d_t = prof * win * _F32(peak)
    cv.layer('fine_K')[sl] += d_t
    if rng.random() < 0.5:   # the surface over the source dries out: slightly lighter
        cv.L[sl] += prof * win * _F32(u(0.5, 2.5))
    return d_t > max(1.5, 0.25 * peak), variant


def _vegetation(rng: np.random.Generator, cv: _Canvas, box: tuple[int, int, int, int], scene: _Scene
                ) -> tuple[np.ndarray, str]:
    x0, y0, x1, y1 = box
    bw, bh, mm = x1 - x0, y1 - y0, cv.mm
    sl = _box_view(cv, box)
    u = rng.uniform
    variant = str(rng.choice(['moss', 'algae', 'plant'], p=[0.45, 0.3, 0.25]))
    y, x = _grid(bh, bw)
    l_before = cv.L[sl].copy()
    lev, blob = _blob(rng, (bh, bw), mm, (bw / 2, bh / 2), (0.42 * bw, 0.42 * bh), u(0, 3.2), 0.4, 1.5)
    if variant == 'moss':
        c, f2 = _noise(rng, (bh, bw), mm, 2.5, u(30.0, 100.0), max(1.5, mm), resolved=False)
        m = _smooth(-0.2, 0.5, c + 2.0 * lev - 0.6) * blob
        fine, _ = _noise(rng, (bh, bw), mm, 0.5, 3.0, max(0.3, 0.7 * mm), resolved=False)
        green = (u(28, 55), u(-30, -12), u(18, 40))
        _mix(cv, sl, m * _F32(u(0.8, 1.0)), green, keep=0.2)
        cv.L[sl] += m * (fine * _F32(5.0) + f2 * _F32(3.0))
        cv.B[sl] += m * _smooth(0.8, 0.0, lev) * _F32(u(0, 10))     # browner, drier fringe
        cv.z[sl] += m * (_F32(u(1.0, 4.0)) + fine * _F32(0.8))
    elif variant == 'algae':
        c, _ = _noise(rng, (bh, bw), mm, 2.0, u(40.0, 150.0), max(2.0, mm), resolved=False)
        src = _smooth(0.0, 0.6, c + 1.5 * lev) * _smooth(0.5 * bh, 0.1 * bh, y)
        m = _smooth(0.1, 0.6, _meander(rng, _smear_down(src, u(0.3, 0.8) * bh), u(1.0, 4.0) / mm))
        m *= _smooth(-0.6, 0.0, lev)
        m *= _smooth(float(bh), 0.9 * bh, y) * _smooth(0.0, 0.05 * bw + 1, x) * _smooth(0.0, 0.05 * bw + 1, bw - 1 - x)
        _mix(cv, sl, m * _F32(u(0.55, 0.9)), (u(18, 40), u(-14, -4), u(4, 18)), keep=0.5)
    else:
        m = np.zeros((bh, bw), _F32)
        base = np.array([u(0.35, 0.65) * bw, u(0.6, 0.9) * bh])
        leaf = max(2.0, min(u(8.0, 40.0) / mm, 0.22 * min(bw, bh)))
        hgt = np.zeros_like(m)
        for _ in range(int(rng.integers(4, 12))):
            a = -math.pi / 2 + rng.normal(0, 0.7)
            ln = u(0.2, 0.45) * min(bw, bh)
            tip = base + ln * np.array([math.cos(a), math.sin(a)])
            lm = np.zeros((bh, bw), np.uint8)
            cv2.line(lm, tuple(np.rint(base * 4).astype(int)), tuple(np.rint(tip * 4).astype(int)), 255,
                     max(1, round(leaf * 0.08)), cv2.LINE_AA, 2)
            cv2.ellipse(lm, (round(tip[0] * 4), round(tip[1] * 4)), (round(leaf * 4), round(leaf * 1.6)),
                        math.degrees(a + rng.normal(0, 0.5)), 0, 360, 255, -1, cv2.LINE_AA, 2)
            lf = lm.astype(_F32) / 255
            shade = _F32(u(-8, 8))
            _mix(cv, sl, lf * (1 - m), (u(30, 60) + float(shade), u(-35, -15), u(20, 45)), keep=0.0)
            hgt = np.maximum(hgt, lf * _F32(u(3, 10)))
            m = np.maximum(m, lf)
        cv.z[sl] += cv2.GaussianBlur(hgt, (0, 0), max(0.7, leaf * 0.3))
        lx, ly, lz = scene.light
        s = 6.0 / mm
        sh = cv2.warpAffine(m, np.array([[1, 0, -lx / lz * s], [0, 1, -ly / lz * s]], _F32), (bw, bh)) * (1 - m)
        cv.layer('direct', 1.0)[sl] *= 1.0 - cv2.GaussianBlur(sh, (0, 0), 1.0) * _F32(0.8)
    # Transpiration; leaves are darker than concrete and absorb more sun, so the source covers that as well.
    d_veg = u(0.6, 3.0) + 0.05 / _EPS_C * max(scene.t0 - scene.t_refl, 0.0)
    cv.layer('evap_K')[sl] += m * _F32(d_veg) + _sun_gain(cv, sl, l_before, scene) * (m > 0.05)
    cv.layer('emis')[sl] += m * _F32(0.05)
    return m > 0.15, variant


_RENDERERS = {'crack': _crack, 'corrosion': _corrosion, 'leak': _leak, 'exposed_rebar': _exposed_rebar,
              'foreign_object': _foreign_object, 'hot_spot': _hot_spot, 'vegetation': _vegetation}
# Natural size [mm] (log-uniform) and aspect (height / width) range of each defect's box.
_SIZES = {'crack': ((60.0, 700.0), (0.3, 3.0)), 'corrosion': ((80.0, 500.0), (1.0, 2.4)),
          'leak': ((100.0, 700.0), (1.0, 2.2)), 'exposed_rebar': ((80.0, 400.0), (0.4, 2.5)),
          'foreign_object': ((50.0, 400.0), (0.6, 1.6)), 'hot_spot': ((100.0, 800.0), (0.5, 2.0)),
          'vegetation': ((30.0, 400.0), (0.7, 1.5))}


def _layout(rng: np.random.Generator, kinds: tuple[str, ...], h: int, w: int, mm: float
            ) -> list[tuple[int, int, int, int]]:
    """Non-overlapping boxes: natural sizes at random places; if they do not fit, one per cell of a grid."""
    cap = {1: 0.9, 2: 0.62, 3: 0.55, 4: 0.48}.get(len(kinds), 0.4)
    mw, mh = min(max(14, 0.12 * w), w), min(max(14, 0.12 * h), h)
    sizes = []
    for kind in kinds:
        (lo, hi), (alo, ahi) = _SIZES[kind]
        size = math.exp(rng.uniform(math.log(lo), math.log(hi))) / mm
        asp = rng.uniform(alo, ahi)
        sizes.append((int(np.clip(size / math.sqrt(asp), mw, max(mw, cap * w))),
                      int(np.clip(size * math.sqrt(asp), mh, max(mh, cap * h)))))
    boxes: list[tuple[int, int, int, int]] = []
    for bw, bh in sizes:
        for attempt in range(100):
            if attempt and attempt % 25 == 0:
                bw, bh = max(min(12, w), int(bw * 0.8)), max(min(12, h), int(bh * 0.8))
            bx, by = int(rng.integers(0, w - bw + 1)), int(rng.integers(0, h - bh + 1))
            box = (bx, by, bx + bw, by + bh)
            if all(box[0] > o[2] or box[2] < o[0] or box[1] > o[3] or box[3] < o[1] for o in boxes):
                boxes.append(box)
                break
        else:
            break
    if len(boxes) == len(kinds):
        return boxes
    n = len(kinds)
    cols = math.ceil(math.sqrt(n * w / h))
    rows = math.ceil(n / cols)
    cells = rng.permutation(cols * rows)[:n]
    boxes = []
    for (bw, bh), c in zip(sizes, cells, strict=True):
        cx0, cx1 = (c % cols) * w // cols, (c % cols + 1) * w // cols - 1
        cy0, cy1 = (c // cols) * h // rows, (c // cols + 1) * h // rows - 1
        bw, bh = min(bw, cx1 - cx0), min(bh, cy1 - cy0)
        bx, by = int(rng.integers(cx0, cx1 - bw + 1)), int(rng.integers(cy0, cy1 - bh + 1))
        boxes.append((bx, by, bx + bw, by + bh))
    return boxes


# ---------------------------------------------------------------------------------------------------------------
# Distractors (label stays 'none')


def _free_box(rng: np.random.Generator, cv: _Canvas, size_mm: tuple[float, float], avoid: list[tuple[int, ...]]
              ) -> tuple[int, int, int, int] | None:
    s = math.exp(rng.uniform(math.log(size_mm[0]), math.log(size_mm[1]))) / cv.mm
    bw = int(np.clip(s * rng.uniform(0.6, 1.6), min(8, cv.w), cv.w * 0.6))
    bh = int(np.clip(s * rng.uniform(0.6, 1.6), min(8, cv.h), cv.h * 0.6))
    for _ in range(12):
        bx, by = int(rng.integers(0, cv.w - bw + 1)), int(rng.integers(0, cv.h - bh + 1))
        box = (bx, by, bx + bw, by + bh)
        if all(box[0] >= o[2] or box[2] <= o[0] or box[1] >= o[3] or box[3] <= o[1] for o in avoid):
            return box
    return None


def _line_distance(cv: _Canvas, rng: np.random.Generator) -> np.ndarray:
    """Distance [px] of every pixel to a near-axis straight line across the frame (joint, saw cut, conduit)."""
    horiz = rng.random() < 0.5
    n, m = (cv.h, cv.w) if horiz else (cv.w, cv.h)
    c = rng.uniform(0.05, 0.95) * n
    tilt = math.tan(math.radians(rng.normal(0, 1.2)))
    pos = (c + tilt * (np.arange(m, dtype=_F32) - m / 2)).astype(_F32)
    idx = np.arange(n, dtype=_F32)
    return np.abs(idx[:, None] - pos[None, :]) if horiz else np.abs(idx[None, :] - pos[:, None])


def _distract(rng: np.random.Generator, cv: _Canvas, scene: _Scene, avoid: list[tuple[int, ...]], name: str) -> bool:
    mm = cv.mm
    u = rng.uniform
    if name in ('dry_stain', 'water_mark', 'rust_stain', 'paint_patch', 'marking', 'repair_patch', 'tag'):
        size = {'dry_stain': (60.0, 500.0), 'water_mark': (100.0, 600.0), 'rust_stain': (20.0, 300.0),
                'paint_patch': (80.0, 500.0), 'marking': (100.0, 500.0), 'repair_patch': (100.0, 600.0),
                'tag': (30.0, 100.0)}[name]
        box = _free_box(rng, cv, size, avoid)
        if box is None:
            return False
        sl = _box_view(cv, box)
        bh, bw = cv.L[sl].shape
        y, x = _grid(bh, bw)
        if name in ('dry_stain', 'water_mark'):
            lev, m = _blob(rng, (bh, bw), mm, (bw / 2, bh / 2), (0.42 * bw, 0.42 * bh), u(0, 3.2), 0.35, 2.0)
            if name == 'dry_stain':
                if rng.random() < 0.4:
                    m = np.maximum(m, _smooth(0.1, 0.5, _smear_down(m * _F32(0.8), u(0.2, 0.6) * bh)))
                    m *= _smooth(float(bh), 0.85 * bh, y)
                cv.L[sl] -= m * _F32(u(4.0, 14.0))
                cv.B[sl] += m * _F32(u(0.0, 4.0))
                cv.A[sl] += m * _F32(u(0.0, 1.2))
            else:
                ring = np.zeros_like(lev)
                for k in range(int(rng.integers(1, 4))):
                    ring = np.maximum(ring, np.exp(-((lev - _F32(0.1 + 0.12 * k)) / _F32(u(0.008, 0.02))) ** 2))
                ring *= _smooth(0, 0.05 * bw + 1, x) * _smooth(0, 0.05 * bw + 1, bw - 1 - x)
                cv.L[sl] += ring * _F32(u(-8.0, 10.0)) + m * _F32(u(-3.0, 2.0))
                cv.B[sl] += ring * _F32(u(0.0, 4.0))
        elif name == 'rust_stain':
            p, q = _noise(rng, (bh, bw), mm, 1.0, u(4.0, 15.0), max(0.6, mm), resolved=False)
            _, env = _blob(rng, (bh, bw), mm, (bw / 2, bh / 2), (0.45 * bw, 0.45 * bh), 0.0, 0.3, 2.0)
            thr = _ppf(1 - u(0.02, 0.15))
            m = _smooth(thr - 0.6, thr + 0.3, p) * env
            if rng.random() < 0.35:   # paint or fixture run
                m = np.maximum(m, _smooth(0.1, 0.4, _smear_down(m, u(0.3, 0.8) * bh)) * _F32(0.7))
            _mix(cv, sl, m * _F32(u(0.5, 0.9)), (u(30, 55), u(12, 28), u(20, 42)), keep=0.6)
        elif name == 'paint_patch':
            pts = np.array([[u(0, 0.15), u(0, 0.15)], [u(0.85, 1), u(0, 0.15)], [u(0.85, 1), u(0.85, 1)],
                            [u(0, 0.15), u(0.85, 1)]]) * [bw - 1, bh - 1]
            pp = [np.rint(pts * 4).astype(np.int32)]
            m = _draw_mask((bh, bw), lambda im: cv2.fillPoly(im, pp, 255, cv2.LINE_AA, 2))
            col = (u(40, 85), u(-3, 3), u(-4, 8)) if rng.random() < 0.7 else (u(30, 80), u(-40, 40), u(-40, 40))
            _mix(cv, sl, m * _F32(u(0.85, 1.0)), col, keep=0.35)
            cv.layer('emis')[sl] += m * _F32(u(0.88, 0.95) - _EPS_C)
        elif name == 'marking':
            im = np.zeros((bh, bw), np.uint8)
            t = max(1, round(u(8.0, 30.0) / mm))
            kind = rng.random()
            if kind < 0.4:
                txt = str(rng.choice(['A', 'B', 'C', 'D', 'X', 'K'])) + str(int(rng.integers(1, 99)))
                fs = max(0.2, 0.6 * bh / 22.0 / max(1, len(txt) * 0.6))
                cv2.putText(im, txt, (2, int(bh * 0.75)), cv2.FONT_HERSHEY_SIMPLEX, fs, 255,
                            max(1, min(t, round(fs * 3))), cv2.LINE_AA)
            elif kind < 0.7:
                cv2.arrowedLine(im, (int(bw * 0.1), int(bh * u(0.2, 0.8))), (int(bw * 0.9), int(bh * u(0.2, 0.8))),
                                255, t, cv2.LINE_AA, 0, 0.3)
            else:
                for _ in range(int(rng.integers(1, 3))):
                    cv2.line(im, (int(u(0, bw)), int(u(0, bh))), (int(u(0, bw)), int(u(0, bh))), 255, t, cv2.LINE_AA)
            m = cv2.GaussianBlur(im.astype(_F32) / 255, (0, 0), max(0.5, t * 0.25))
            speck = rng.random((bh, bw), dtype=_F32)
            m = np.clip(m * 1.4, 0, 1) * (0.75 + 0.25 * speck) + _smooth(0.985, 1.0, speck) * _smooth(0.01, 0.2, m)
            col = [(50, 65, 45), (68, 40, 70), (88, -5, 80), (45, 15, -55), (60, -55, 45), (93, 0, 2), (60, 75, -10)]
            c = col[int(rng.integers(len(col)))]
            _mix(cv, sl, np.clip(m, 0, 1) * _F32(u(0.7, 0.95)), c, keep=0.4)
        elif name == 'repair_patch':
            if rng.random() < 0.5:
                _, m = _blob(rng, (bh, bw), mm, (bw / 2, bh / 2), (0.45 * bw, 0.45 * bh), u(0, 3.2), 0.3, 1.0)
            else:
                m = _smooth(0, 1.5, np.minimum(np.minimum(x, bw - 1 - x), np.minimum(y, bh - 1 - y)))
            lum = cv.L[sl]
            mean = float(lum.mean())
            tr, _ = _noise(rng, (bh, bw), mm, 2.0, 80.0, max(1.0, mm), u(2.0, 6.0), u(0, 3.2))
            lum[:] = lum * (1 - m) + m * (_F32(mean + u(-12, 12)) + (lum - _F32(mean)) * _F32(u(0.3, 0.7)) + tr)
            cv.A[sl] += m * _F32(u(-0.8, 0.8))
            cv.B[sl] += m * _F32(u(-2.0, 2.0))
            if rng.random() < 0.6:
                edge = m * (1 - m) * 4
                lum -= edge * _F32(u(3, 12))
            cv.layer('inertia_K')[sl] += m * _F32(u(0.5, 2.0) * rng.choice([-1.0, 1.0]))
        else:   # tag: small plate with text
            m = _smooth(0, 1.0, np.minimum(np.minimum(x, bw - 1 - x), np.minimum(y, bh - 1 - y)))
            col = [(92, 0, 2), (85, -2, 75), (50, 60, 40), (60, -2, -30)][int(rng.integers(4))]
            _mix(cv, sl, m, col, keep=0.05)
            im = np.zeros((bh, bw), np.uint8)
            cv2.putText(im, str(int(rng.integers(10, 999))), (1, int(bh * 0.7)), cv2.FONT_HERSHEY_PLAIN,
                        max(0.3, bh / 30.0), 255, 1, cv2.LINE_AA)
            cv.L[sl] -= im.astype(_F32) * _F32(0.25) * m
            cv.layer('emis')[sl] += m * _F32(u(0.85, 0.95) - _EPS_C)
        return True
    if name in ('joint', 'cold_line'):
        d = _line_distance(cv, rng)
        if name == 'joint':
            wmm = u(3.0, 5.0) if rng.random() < 0.4 else u(2.0, 12.0)
            wv = np.full_like(d, max(wmm / mm, 0.6))
            cov = _overlap(d, wv)
            cham = np.clip(_overlap(d, wv + 2 * max(u(0.0, 4.0) / mm, 0.5)) - cov, 0, 1)
            cv.L *= 1 - cov * _F32(u(0.3, 0.7)) - cham * _F32(u(-0.1, 0.15))
            cv.z -= cov * _F32(min(wmm * 2, 10.0))
        else:
            sig = max(u(8.0, 25.0) / mm, 1.0)
            cv.layer('fine_K')[:] -= np.exp(-(d / _F32(sig)) ** 2) * _F32(u(0.3, 1.5))
        return True
    # Shadows of unseen things: a straight-edged polygon (beam, corner) or a pipe band, in frame units.
    # Polygons in RGB pixels; far vertices are well outside the frame.
    big = 3.0 * max(cv.h, cv.w)
    c = np.array([u(0.15, 0.85) * cv.w, u(0.15, 0.85) * cv.h])
    if name == 'cast_shadow':
        a = u(0, 2 * math.pi)
        d = np.array([math.cos(a), math.sin(a)])
        nrm = np.array([-d[1], d[0]])
        poly = np.array([c - big * d, c + big * d, c + big * (d + nrm), c + big * (nrm - d)])
        if rng.random() < 0.4:   # a corner
            b = a + u(0.6, 2.2)
            e = np.array([math.cos(b), math.sin(b)])
            poly = np.array([c, c + big * d, c + big * (d + e), c + big * e])
    else:
        a = u(0, math.pi)
        d = np.array([math.cos(a), math.sin(a)])
        nrm = np.array([-d[1], d[0]]) * max(u(20.0, 100.0) / mm, 2.0)
        poly = np.array([c - big * d - nrm, c + big * d - nrm, c + big * d + nrm, c - big * d + nrm])
    pen = (u(3.0, 30.0) if scene.setting == 'sun' else u(10.0, 80.0)) / mm
    strength = u(0.85, 1.0) if scene.setting == 'sun' else (u(0.3, 0.6) if scene.setting == 'overcast'
                                                             else u(0.6, 0.95))
    lag = rng.normal(0, 1, 2)
    lag = lag / (np.linalg.norm(lag) + 1e-9) * u(10.0, 80.0) / mm
    cv.shadows.append((poly, pen, strength, (float(lag[0]), float(lag[1]))))
    return True


_DISTRACTORS = ('dry_stain', 'water_mark', 'rust_stain', 'paint_patch', 'marking', 'cast_shadow', 'pipe_shadow',
                'joint', 'repair_patch', 'cold_line', 'tag')
_DISTRACTOR_W = np.array([1.2, 0.8, 1.0, 0.7, 1.0, 1.0, 0.6, 1.0, 0.9, 0.8, 0.5])


def _shadow_mask(shadows: list, rgb_hw: tuple[int, int], h: int, w: int, lag_steps: int = 0) -> np.ndarray:
    """Rasterise shadow polygons (RGB pixels) with penumbra onto an h x w grid; lag_steps > 0 averages the polygon
    over its recent positions (what a slow surface temperature remembers)."""
    s = min(1.0, 256.0 / max(h, w))
    hs, ws = max(2, round(h * s)), max(2, round(w * s))
    fx, fy = ws / rgb_hw[1], hs / rgb_hw[0]
    acc = np.zeros((hs, ws), _F32)
    for poly, pen, strength, lag in shadows:
        one = np.zeros((hs, ws), _F32)
        for k in range(lag_steps + 1):
            off = np.array(lag) * (k / max(lag_steps, 1)) if lag_steps else np.zeros(2)
            pts = [np.rint((poly - off) * [fx * 16, fy * 16]).astype(np.int32)]
            im = np.zeros((hs, ws), np.uint8)
            cv2.fillPoly(im, pts, 255, cv2.LINE_AA, 4)
            one += im.astype(_F32) * _F32(1 / 255 / (lag_steps + 1))
        sig = pen * 0.5 * (fx + fy) * 0.5
        if sig > 0.3:
            one = cv2.GaussianBlur(one, (0, 0), sig)
        acc = 1 - (1 - acc) * (1 - one * _F32(strength))
    return cv2.resize(acc, (w, h), interpolation=cv2.INTER_LINEAR) if (hs, ws) != (h, w) else acc


# ---------------------------------------------------------------------------------------------------------------
# Light, RGB camera


def _lab_to_linear(lum: np.ndarray, ach: np.ndarray, bch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    fy = (lum + 16.0) * _F32(1 / 116)
    fx = fy + ach * _F32(1 / 500)
    fz = fy - bch * _F32(1 / 200)
    np.maximum(fy, 0.0, out=fy)
    np.maximum(fx, 0.0, out=fx)
    np.maximum(fz, 0.0, out=fz)
    y_lin = fy * fy * fy
    xyz = cv2.merge([fx * fx * fx * _F32(0.95047), y_lin, fz * fz * fz * _F32(1.08883)])
    rgb = cv2.transform(xyz, _M_XYZ_RGB)
    return np.clip(rgb, 0.0, 1.0), y_lin


def _radiance(rng: np.random.Generator, cv: _Canvas, scene: _Scene, albedo: np.ndarray) -> np.ndarray:
    h, w, mm = cv.h, cv.w, cv.mm
    lx, ly, lz = scene.light
    gx = cv2.Sobel(cv.z, cv2.CV_32F, 1, 0, ksize=3) * _F32(1 / (8 * mm))
    gy = cv2.Sobel(cv.z, cv2.CV_32F, 0, 1, ksize=3) * _F32(1 / (8 * mm))
    inv = 1.0 / np.sqrt(1.0 + gx * gx + gy * gy)
    ndl = np.maximum((_F32(lz) - gx * _F32(lx) - gy * _F32(ly)) * inv, 0.0)
    yy = (np.arange(h, dtype=_F32)[:, None] - h / 2) / max(h, w)
    xx = (np.arange(w, dtype=_F32)[None, :] - w / 2) / max(h, w)
    u = rng.uniform
    ramp = 1.0 + _F32(u(-0.35, 0.35)) * xx + _F32(u(-0.35, 0.35)) * yy
    if scene.lamp:
        cx, cy, r0 = u(-0.3, 0.3), u(-0.3, 0.3), u(0.35, 1.2)
        e_dir = ((1.0 + ((xx - _F32(cx)) ** 2 + (yy - _F32(cy)) ** 2) * _F32(1 / r0 ** 2)) ** -1.5) * ramp
    else:
        e_dir = np.broadcast_to(ramp, (h, w))
    direct = e_dir * _F32(scene.e_dir) * ndl
    if 'direct' in cv.layers:
        direct = direct * cv.layers['direct']
    if cv.shadows:
        direct = direct * (1.0 - _shadow_mask(cv.shadows, (h, w), h, w))
    amb = (ramp * _F32(scene.e_amb)).astype(_F32)
    if amb.shape != (h, w):
        amb = np.broadcast_to(amb, (h, w))
    rad = albedo * (direct[..., None] * scene.illum_dir + amb[..., None] * scene.illum_amb)
    for name, expo in (('gloss', 25.0), ('gloss_sharp', 80.0)):
        if name in cv.layers:
            # Half vector changes across the frame (perspective), so the highlight has a place.
            vx, vy = -xx * _F32(0.8), -yy * _F32(0.8)
            hx, hy, hz = vx + _F32(lx), vy + _F32(ly), _F32(1.0 + lz)
            hn = 1.0 / np.sqrt(hx * hx + hy * hy + hz * hz)
            ndh = np.maximum((hz - gx * hx - gy * hy) * hn * inv, 0.0)
            spec = cv.layers[name] * np.exp(np.log(ndh + 1e-6) * _F32(expo)) * e_dir * _F32(scene.e_dir * 1.5)
            rad += spec[..., None] * scene.illum_dir
    return rad.astype(_F32)


def _camera(rng: np.random.Generator, rad: np.ndarray, scene: _Scene) -> tuple[np.ndarray, dict]:
    h, w = rad.shape[:2]
    u = rng.uniform
    # Optics: lateral chromatic aberration (R and B magnified differently), defocus, motion.
    ca = u(-1.5e-3, 1.5e-3)
    shift = rng.uniform(-0.15, 0.15, 2)
    chans = list(cv2.split(rad))
    for c, sg in ((0, 1.0), (2, -1.0)):
        k = 1.0 + sg * ca
        warp = np.array([[k, 0, (1 - k) * w / 2 + sg * shift[0]], [0, k, (1 - k) * h / 2 + sg * shift[1]]], _F32)
        chans[c] = cv2.warpAffine(chans[c], warp, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    img = cv2.merge(chans)
    blur = u(0.3, 1.4) if rng.random() < 0.55 else 0.0
    if blur > 0:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    motion = 0.0
    if rng.random() < 0.2:
        motion = u(1.5, 5.0)
        n = int(math.ceil(motion)) * 2 + 1
        k = np.zeros((n * 4, n * 4), np.uint8)
        a = u(0, math.pi)
        c = n * 2
        dx, dy = math.cos(a) * motion * 2, math.sin(a) * motion * 2
        cv2.line(k, (round(c * 4 - dx * 4), round(c * 4 - dy * 4)), (round(c * 4 + dx * 4), round(c * 4 + dy * 4)),
                 255, 4, cv2.LINE_AA, 2)
        k = cv2.resize(k.astype(_F32), (n, n), interpolation=cv2.INTER_AREA)
        img = cv2.filter2D(img, -1, k / k.sum())
    yy = (np.arange(h, dtype=_F32)[:, None] - h / 2) / (0.5 * math.hypot(h, w))
    xx = (np.arange(w, dtype=_F32)[None, :] - w / 2) / (0.5 * math.hypot(h, w))
    vig = 1.0 - _F32(u(0.0, 0.45)) * (xx * xx + yy * yy)
    img *= vig[..., None]
    # Sensor: auto exposure, shot + read noise.
    lum = img[::4, ::4].mean()
    img *= _F32(u(0.13, 0.3) * math.exp(rng.normal(0, 0.25)) / (float(lum) + 1e-6))
    a_shot, b_read = u(3e-4, 5e-3), u(1e-6, 3e-5)
    img += np.sqrt(np.maximum(img, 0) * _F32(a_shot) + _F32(b_read)) * _unit(rng, img.shape)
    # ISP: white balance toward the (mis-estimated) illuminant, tone curve, JPEG.
    ill = (scene.illum_dir * scene.e_dir * 0.7 + scene.illum_amb * scene.e_amb) ** u(0.6, 1.0)
    wb = (1.0 / ill) * np.exp(rng.normal(0, 0.05, 3))
    img *= (wb / wb[1]).astype(_F32)
    gamma = u(1.8, 2.5)
    contrast = u(0.0, 0.35)
    x = np.linspace(0.0, 1.25, 8192)
    y = np.clip(x, 0, 1) ** (1 / gamma)
    y = y + contrast * y * (1 - y) * (y - 0.5) * 2
    lut = np.clip(np.rint(y * 255), 0, 255).astype(np.uint8)
    idx = np.clip(img * _F32(8191 / 1.25), 0, 8191).astype(np.int32)
    out = lut[idx]
    q = int(rng.integers(40, 96))
    ok, enc = cv2.imencode('.jpg', out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, q])
    out = cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(out), {'jpeg_quality': q, 'defocus_px': round(blur, 3), 'motion_px': round(motion, 3)}


# ---------------------------------------------------------------------------------------------------------------
# Thermal


def _relax(temp: np.ndarray, src: np.ndarray, hcond: np.ndarray, kx: float, ky: float, sweeps: int) -> np.ndarray:
    ker = np.array([[0, ky, 0], [kx, 0, kx], [0, ky, 0]], _F32)
    den = 1.0 / (hcond + _F32(2 * kx + 2 * ky))
    for _ in range(sweeps):
        nb = cv2.filter2D(temp, -1, ker, borderType=cv2.BORDER_REPLICATE)
        temp = temp + _F32(0.9) * ((src + nb) * den - temp)
    return temp


def _solve_heat(src: np.ndarray, hcond: np.ndarray, kx: float, ky: float) -> np.ndarray:
    """Coarse-to-fine relaxation: solve the smallest grid well, then prolong and smooth on each finer grid."""
    levels = [(src, hcond)]
    while max(levels[-1][0].shape) > 12:
        s, hh = levels[-1]
        nh, nw = max(2, (s.shape[0] + 1) // 2), max(2, (s.shape[1] + 1) // 2)
        levels.append((cv2.resize(s, (nw, nh), interpolation=cv2.INTER_AREA),
                       cv2.resize(hh, (nw, nh), interpolation=cv2.INTER_AREA)))
    temp = None
    h0, w0 = src.shape
    for i in range(len(levels) - 1, -1, -1):
        s, hh = levels[i]
        fx, fy = s.shape[1] / w0, s.shape[0] / h0
        if temp is None:
            temp = s / hh
            sweeps = 40
        else:
            temp = cv2.resize(temp, (s.shape[1], s.shape[0]), interpolation=cv2.INTER_LINEAR)
            sweeps = 4
        temp = _relax(temp, s, hh, kx * fx * fx, ky * fy * fy, sweeps)
    return temp


def _thermal(rng: np.random.Generator, cv: _Canvas, scene: _Scene, y_alb: np.ndarray, spec: FrameSpec
             ) -> tuple[np.ndarray, dict]:
    tw, th = spec.thermal_width, spec.thermal_height
    work_w, work_h = max(tw, min(cv.w, 2 * tw)), max(th, min(cv.h, 2 * th))

    def down(a: np.ndarray) -> np.ndarray:
        return cv2.resize(a, (work_w, work_h), interpolation=cv2.INTER_AREA if work_w <= cv.w else cv2.INTER_LINEAR)

    def lay(name: str) -> np.ndarray | None:
        return down(cv.layers[name]) if name in cv.layers else None

    u = rng.uniform
    alpha = np.clip(1.0 - 0.85 * down(y_alb), 0.1, 0.97)
    eps = np.full((work_h, work_w), _EPS_C, _F32)
    if (e := lay('emis')) is not None:
        eps = np.clip(eps + e, 0.05, 0.99)
    hb = np.full((work_h, work_w), scene.h_b, _F32)
    if (m := lay('hb_loss')) is not None:
        hb *= 1.0 - np.clip(m, 0, 0.98)
    hr = _F32(scene.h_r / _EPS_C) * eps
    hcond = _F32(scene.h_a) + hr + hb
    t_rad = scene.f_sky * scene.t_sky + (1 - scene.f_sky) * scene.t_env
    src = _F32(scene.h_a * scene.t_air) + hr * _F32(t_rad) + hb * _F32(scene.t_b)
    if scene.q_sun > 0:
        sun = np.ones((work_h, work_w), _F32)
        if cv.shadows:
            sun *= 1.0 - _shadow_mask(cv.shadows, (cv.h, cv.w), work_h, work_w, lag_steps=4)
        if (m := lay('sun_block')) is not None:
            sun *= 1.0 - np.clip(m, 0, 1)
        src += alpha * sun * _F32(scene.q_sun)
    extra = np.zeros((work_h, work_w), _F32)
    for name in ('evap_K', 'inertia_K'):
        if (m := lay(name)) is not None:
            extra -= m if name == 'evap_K' else -m
    # Scene-scale gradient (bulk moisture, heated rooms, ground contact): a ramp plus very low-frequency noise.
    yy = np.linspace(-0.5, 0.5, work_h, dtype=_F32)[:, None]
    xx = np.linspace(-0.5, 0.5, work_w, dtype=_F32)[None, :]
    a = u(0, 2 * math.pi)
    g = xx * _F32(math.cos(a)) + yy * _F32(math.sin(a))
    step = cv.mm * cv.w / work_w
    gn, _ = _noise(rng, (work_h, work_w), step, 3.0, 1e4, max(work_h, work_w) * step / 4, resolved=False)
    g = g + _F32(0.25) * gn
    g *= _F32(scene.grad_k / (float(g.max() - g.min()) + 1e-6))
    src += (extra + g) * _F32(scene.h0)
    dx = cv.w * cv.mm / work_w / 1000.0
    dy = cv.h * cv.mm / work_h / 1000.0
    # Lateral conduction length sqrt(k / h), kept to a few percent of the frame so that tiny fields stay informative.
    ell = min(math.sqrt(scene.lam / scene.h0), 0.04 * max(cv.w, cv.h) * cv.mm / 1000.0)
    kx, ky = scene.h0 * (ell / dx) ** 2, scene.h0 * (ell / dy) ** 2
    temp = _solve_heat(src.astype(_F32), hcond.astype(_F32), kx, ky)
    if (m := lay('fine_K')) is not None:
        temp += m
    t_app = temp + (_F32(_EPS_C) - eps) * _F32(1 / _EPS_C) * (_F32(scene.t_refl) - temp)
    if (m := lay('own_m')) is not None:   # bodies with their own (apparent) temperature, mixed as radiance
        own = lay('own_Tm') / np.maximum(m, 1e-6)
        m = np.clip(m, 0, 1)
        t_app = t_app * (1 - m) + own * m
    # Sensor.
    sc = work_w / tw
    t_app = cv2.GaussianBlur(t_app, (0, 0), u(0.45, 1.0) * sc)
    r = spec.max_misregistration_px * math.sqrt(rng.random())
    a = u(0, 2 * math.pi)
    mx, my = r * math.cos(a), r * math.sin(a)
    warp = np.array([[1, 0, mx * work_w / tw], [0, 1, my * work_h / th]], _F32)
    t_app = cv2.warpAffine(t_app, warp, (work_w, work_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    out = cv2.resize(t_app, (tw, th), interpolation=cv2.INTER_AREA)
    netd = u(0.03, 0.15)
    out += rng.standard_normal((th, tw)).astype(_F32) * _F32(netd)
    out += rng.standard_normal((1, tw)).astype(_F32) * _F32(u(0.005, 0.05))
    out += rng.standard_normal((th, 1)).astype(_F32) * _F32(u(0.003, 0.025))
    ry = np.linspace(-1, 1, th, dtype=_F32)[:, None]
    rx = np.linspace(-1, 1, tw, dtype=_F32)[None, :]
    out += _F32(u(-0.8, 0.8)) * (1 - 0.5 * (rx * rx + ry * ry))
    out = np.nan_to_num(out, nan=scene.t_air, posinf=scene.t_air, neginf=scene.t_air).astype(_F32)
    return out, {'misregistration_px': (round(mx, 4), round(my, 4)), 'netd_k': round(netd, 4)}


# ---------------------------------------------------------------------------------------------------------------


def _streams(seed: int) -> dict[str, np.random.Generator]:
    names = ('scene', 'texture', 'layout', 'distract', 'light', 'camera', 'thermal') + KINDS[1:]
    ss = np.random.SeedSequence([int(seed) % (1 << 64), 0x5BEC7])
    return {n: np.random.default_rng(s) for n, s in zip(names, ss.spawn(len(names)), strict=True)}


def render(seed: int, spec: FrameSpec) -> SyntheticFrame:
    """One labelled RGB + thermal frame of concrete, a pure function of (seed, spec)."""
    kinds = tuple(dict.fromkeys(spec.defects))
    for k in kinds:
        if k not in _RENDERERS:
            raise ValueError(f'unknown defect kind {k!r}')
    h, w, mm = int(spec.height), int(spec.width), float(spec.mm_per_px)
    r = _streams(seed)
    scene = _draw_scene(r['scene'], spec)
    cv = _Canvas(h, w, mm, np.zeros((h, w), _F32), np.zeros((h, w), _F32), np.zeros((h, w), _F32),
                 np.zeros((h, w), _F32), np.zeros((h, w), np.uint8))
    _texture(r['texture'], cv, scene)
    boxes = _layout(r['layout'], kinds, h, w, mm)
    rd = r['distract']
    names: list[str] = []
    for _ in range(int(rd.poisson(max(spec.distractor_rate, 0.0)))):
        name = str(rd.choice(_DISTRACTORS, p=_DISTRACTOR_W / _DISTRACTOR_W.sum()))
        if _distract(rd, cv, scene, boxes, name):
            names.append(name)
    if scene.setting == 'sun' and r['light'].random() < 0.2:   # lighting itself: a shadow of the surroundings
        if _distract(r['light'], cv, scene, boxes, 'cast_shadow'):
            names.append('cast_shadow')
    variants: dict[str, str] = {}
    for kind, box in zip(kinds, boxes, strict=True):
        mask, variant = _RENDERERS[kind](r[kind], cv, box, scene)
        x0, y0, x1, y1 = box
        cv.label[y0:y1, x0:x1][mask] = _KIND_INDEX[kind]
        variants[kind] = variant
    np.clip(cv.L, 0.0, 100.0, out=cv.L)
    albedo, y_alb = _lab_to_linear(cv.L, cv.A, cv.B)
    rgb, cam_meta = _camera(r['camera'], _radiance(r['light'], cv, scene, albedo), scene)
    thermal, th_meta = _thermal(r['thermal'], cv, scene, y_alb, spec)
    regions = []
    for kind, box in zip(kinds, boxes, strict=True):
        x0, y0, x1, y1 = box
        ys, xs = np.nonzero(cv.label[y0:y1, x0:x1] == _KIND_INDEX[kind])
        if ys.size:
            regions.append(Region(kind, (x0 + int(xs.min()), y0 + int(ys.min()), x0 + int(xs.max()) + 1,
                                         y0 + int(ys.max()) + 1), variants[kind]))
    meta = {'family': FAMILY, 'ambient_c': round(scene.ambient_c, 3), 'distractors': names,
            'misregistration_px': th_meta['misregistration_px'], 'surface': scene.surface, 'setting': scene.setting,
            'air_c': round(scene.t_air, 3), 'rh': round(scene.rh, 3), 'wind_m_s': round(scene.wind, 3),
            'delamination_k': round(scene.d_delam, 3), 'netd_k': th_meta['netd_k'], **cam_meta}
    return SyntheticFrame(rgb, thermal, cv.label, tuple(regions), meta)
