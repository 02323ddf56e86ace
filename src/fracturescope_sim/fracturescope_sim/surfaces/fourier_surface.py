"""Spectral ('fourier') family of synthetic concrete frames: RGB + thermal, labelled.

Texture: reflectance built from power-law (1/f^beta) Gaussian fields synthesised directly in the Fourier domain
(numpy.fft.irfft2 of filtered complex white spectra), several anisotropic layers (mottling, medium grain, aggregate
band-pass, wood-grain board marks, trowel swirls, vertical weathering) mixed into luminance and two chroma axes;
bugholes as dark pits; a height field from the same layers gives relief shading under a random light direction.
Defects: cracks are fractal midpoint-displacement polylines (branches, map networks) with a width profile, rendered
from a distance-to-skeleton field (cv2.distanceTransformWithLabels) as anti-aliased box coverage plus edge shadows
and spalled lips; stains, wet areas, moss are thresholded spectral fields; rust run-off, drips and efflorescence are
gravity streaks made by one-sided downward smearing kernels (cv2.filter2D) over column-modulated sources.
Thermal: steady heat balance k*lap(T) - h*(T - T_eq) = 0 with T_eq = ambient + sun absorption (1 - albedo, shade
with lag) - evaporation + delamination + hidden sources, relaxed by Jacobi sweeps on a coarse grid, upsampled, then
fine terms (crack cooling), emissivity mixing with reflected sky and objects with their own temperature.
Camera: exposure, white balance, relief shading, gradient light, vignetting, cast shadows, defocus or motion blur,
shot/read noise, gamma, lateral chromatic shift, JPEG round trip. Thermal sensor: optics blur, shifted resampling
(misregistration), NETD noise, row/column fixed pattern, narcissus/vignetting.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .frame import DEFECT_KINDS, KINDS, FrameSpec, Region, SyntheticFrame

FAMILY = 'fourier'

_F32 = np.float32


# ----------------------------------------------------------------------------------------------- spectral noise
def _noise(rng: np.random.Generator, h: int, w: int, mm: float, beta: float, lo_mm: float,
           hi_mm: float = 0.0, aniso: float = 1.0, angle: float = 0.0, down: int = 1) -> np.ndarray:
    """Zero-mean unit-std 1/f^beta field, h x w px at mm per px; lo_mm / hi_mm: wavelength roll-off / cut-off."""
    down = max(1, min(down, h // 4, w // 4)) if min(h, w) >= 8 else 1
    hs, ws = max(4, -(-h // down)), max(4, -(-w // down))
    ms = mm * down
    fy = (np.fft.fftfreq(hs) / ms)[:, None]
    fx = (np.fft.rfftfreq(ws) / ms)[None, :]
    c, s = math.cos(angle), math.sin(angle)
    u, v = fx * c + fy * s, fy * c - fx * s
    f2 = (u * aniso) ** 2 + (v / aniso) ** 2
    amp = (f2 + (1.0 / lo_mm) ** 2) ** (-beta / 4.0)
    if hi_mm > 0:
        amp = amp * np.exp(-f2 * hi_mm * hi_mm)
    spec = (rng.standard_normal(amp.shape) + 1j * rng.standard_normal(amp.shape)) * amp
    spec[0, 0] = 0
    out = np.fft.irfft2(spec, s=(hs, ws)).astype(_F32)
    out = (out - out.mean()) / (out.std() + 1e-9)
    if (hs, ws) != (h, w):
        out = cv2.resize(out, (ws * down, hs * down), interpolation=cv2.INTER_CUBIC)[:h, :w]
    return np.ascontiguousarray(out)


def _smooth1d(rng: np.random.Generator, n: int, corr: float) -> np.ndarray:
    """1-D smooth unit noise with correlation length corr samples (spectral, beta 2)."""
    n2 = max(n, 4)
    f = np.fft.rfftfreq(n2)
    spec = (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)) / (f * f + (1.0 / max(corr, 1)) ** 2)
    spec[0] = 0
    x = np.fft.irfft(spec, n2)[:n]
    return ((x - x.mean()) / (x.std() + 1e-9)).astype(_F32)


def _sstep(x: np.ndarray, a: float, b: float) -> np.ndarray:
    t = np.clip((x - a) / (b - a), 0, 1)
    return t * t * (3 - 2 * t)


def _smear_down(img: np.ndarray, length_px: float, decay_px: float) -> np.ndarray:
    """Gravity streaks: each pixel collects what lies above it, one-sided exponential kernel."""
    n = int(max(2, min(length_px, 4 * img.shape[0])))
    t = np.arange(n, dtype=_F32)[::-1]
    k = np.exp(-t / max(decay_px, 1.0)).astype(_F32)
    k /= k.sum() ** 0.5 * 2.0
    return cv2.filter2D(img, -1, k.reshape(n, 1), anchor=(0, n - 1), borderType=cv2.BORDER_CONSTANT)


def _ellipse_env(h: int, w: int, rng: np.random.Generator, soft: float = 0.35) -> np.ndarray:
    """Soft elliptical envelope filling a box, jittered centre."""
    y = np.linspace(-1, 1, h, dtype=_F32)[:, None] + rng.uniform(-0.15, 0.15)
    x = np.linspace(-1, 1, w, dtype=_F32)[None, :] + rng.uniform(-0.15, 0.15)
    r = np.sqrt(x * x + y * y)
    return 1.0 - _sstep(r, 1.0 - soft, 1.0)


# ----------------------------------------------------------------------------------------------- scene state
class _Scene:
    """Per-frame physical maps at RGB resolution."""

    def __init__(self, h: int, w: int, mm: float) -> None:
        self.h, self.w, self.mm = h, w, mm
        self.refl = np.zeros((h, w, 3), _F32)       # linear diffuse reflectance
        self.height = np.zeros((h, w), _F32)        # relief [mm]
        self.gloss = np.zeros((h, w), _F32)         # specular weight (wet sheen, metal)
        self.shade = np.ones((h, w), _F32)          # direct light fraction now
        self.shade_th = np.ones((h, w), _F32)       # direct light fraction some minutes ago (thermal lag)
        self.dT = np.zeros((h, w), _F32)            # local equilibrium offset [K], conduction-smoothed
        self.fine = np.zeros((h, w), _F32)          # fine thermal offset [K], not smoothed (cracks)
        self.emis = np.full((h, w), 0.93, _F32)     # thermal emissivity
        self.own_w = np.zeros((h, w), _F32)         # weight of objects with their own temperature
        self.own_t = np.zeros((h, w), _F32)         # that temperature [degC] * weight
        self.label = np.zeros((h, w), np.uint8)

    def px(self, mm: float) -> float:
        return mm / self.mm


# ----------------------------------------------------------------------------------------------- texture
def _texture(rng: np.random.Generator, sc: _Scene) -> dict:
    h, w, mm = sc.h, sc.w, sc.mm
    tone = rng.uniform(0.16, 0.62)
    hue = rng.choice(['neutral', 'warm', 'cool', 'yellow', 'green'], p=[0.35, 0.25, 0.2, 0.12, 0.08])
    tint = {'neutral': (1.0, 1.0, 1.0), 'warm': (1.06, 1.0, 0.92), 'cool': (0.94, 0.99, 1.07),
            'yellow': (1.05, 1.03, 0.88), 'green': (0.97, 1.02, 0.96)}[hue]
    tint = np.array(tint, _F32) * rng.uniform(0.97, 1.03, 3).astype(_F32)
    fine_dn = 1 if mm > 0.4 else 2
    mott = _noise(rng, h, w, mm, rng.uniform(2.5, 3.4), rng.uniform(150, 600), down=8)
    mid = _noise(rng, h, w, mm, rng.uniform(1.6, 2.4), rng.uniform(20, 60), aniso=rng.uniform(1, 1.5),
                 angle=rng.uniform(0, np.pi), down=4)
    grain = _noise(rng, h, w, mm, rng.uniform(0.6, 1.3), 8.0, hi_mm=0.1, down=fine_dn)
    agg_mm = rng.uniform(2.0, 12.0)
    agg = _noise(rng, h, w, mm, 2.0, agg_mm * 1.2, hi_mm=agg_mm * 0.12,
                 down=int(max(1, min(4, agg_mm / mm / 4))))
    agg_m = _sstep(agg, rng.uniform(0.6, 1.4), 1.8) * rng.uniform(0.2, 1.0)
    c1 = _noise(rng, h, w, mm, 2.0, 80.0, down=8)
    c2 = _noise(rng, h, w, mm, 2.0, agg_mm * 2, hi_mm=agg_mm * 0.1, down=int(max(1, min(4, agg_mm / mm / 3))))
    lum = (1 + rng.uniform(0.03, 0.12) * mott + rng.uniform(0.03, 0.08) * mid + rng.uniform(0.04, 0.1) * grain
           + agg_m * rng.uniform(-0.25, 0.25) * (1 + 0.5 * c2))
    height = 0.3 * mid + 0.12 * grain + 0.6 * agg_m
    feats = []
    if rng.random() < 0.35:  # formwork boards: per-board tone and a stretched wood grain
        feats.append('boards')
        bw = sc.px(rng.uniform(80, 250))
        vert = rng.random() < 0.5
        coord = np.arange(w if vert else h, dtype=_F32) + rng.uniform(0, bw)
        idx = (coord // bw).astype(np.int32)
        offs = rng.normal(0, 0.05, idx.max() + 1).astype(_F32)[idx]
        edge = np.abs((coord / bw) % 1.0 - 0.5) * bw
        joint = np.exp(-((bw / 2 - edge) ** 2) / (2 * max(sc.px(1.5), 0.6) ** 2)).astype(_F32)
        grainw = _noise(rng, h, w, mm, 1.8, 40, aniso=6.0, angle=0.0 if vert else np.pi / 2, down=2)
        line = (offs - 0.12 * joint)
        lum += (line[None, :] if vert else line[:, None]) + 0.03 * grainw
        height += (0.5 * joint)[None, :] if vert else (0.5 * joint)[:, None]
    if rng.random() < 0.25:  # trowel swirls: strongly anisotropic low-amplitude sheen bands
        feats.append('trowel')
        lum += 0.05 * _noise(rng, h, w, mm, 2.2, 120, aniso=5.0, angle=rng.uniform(0, np.pi), down=4)
    if rng.random() < 0.45:  # weathering: vertical streaks hanging from the top
        feats.append('weathering')
        wn = _noise(rng, h, w, mm, 2.0, 150, aniso=7.0, angle=np.pi / 2, down=4)
        lum -= rng.uniform(0.05, 0.2) * _sstep(wn, 0.0, 1.5) * np.linspace(1.0, 0.4, h, dtype=_F32)[:, None]
    lum = np.clip(lum, 0.3, 1.8)
    refl = tone * lum[..., None] * tint
    refl = refl * (1 + np.stack([c1, 0 * c1, -c1], -1) * rng.uniform(0.0, 0.04))
    if rng.random() < 0.5:  # dirt: brownish, heavier towards the bottom
        feats.append('dirt')
        d = _sstep(_noise(rng, h, w, mm, 2.8, 300, down=8), 0.3, 1.8) * rng.uniform(0.1, 0.35)
        d *= np.linspace(0.5, 1.2, h, dtype=_F32)[:, None]
        refl *= 1 - d[..., None] * np.array([0.8, 0.9, 1.0], _F32)
    # bugholes: dark pits, Poisson number per m^2
    area_m2 = h * w * mm * mm * 1e-6
    n = min(int(rng.poisson(rng.uniform(20, 1500) * area_m2)), 800)
    if n:
        pits = np.zeros((h, w), np.uint8)
        xs, ys = rng.uniform(0, w, n), rng.uniform(0, h, n)
        rs = np.exp(rng.normal(np.log(1.2), 0.6, n)) / mm
        for x, y, r in zip(xs, ys, rs, strict=True):
            if r >= 0.6:
                cv2.circle(pits, (int(x * 16), int(y * 16)), int(r * 16), 255, -1, cv2.LINE_AA, 4)
        p = pits.astype(_F32) / 255
        refl *= (1 - 0.55 * p)[..., None]
        height -= 1.5 * p
    sc.refl[:] = refl
    sc.height[:] = height
    return {'tone': float(tone), 'hue': str(hue), 'features': feats}


# ----------------------------------------------------------------------------------------------- cracks
def _fractal_path(rng: np.random.Generator, p0: np.ndarray, p1: np.ndarray, rough: float, seg_px: float = 3.0
                  ) -> np.ndarray:
    pts = np.stack([p0, p1]).astype(np.float64)
    levels = int(np.clip(math.ceil(math.log2(max(np.hypot(*(p1 - p0)) / seg_px, 1.0))), 1, 11))
    for lv in range(levels):
        d = pts[1:] - pts[:-1]
        mids = (pts[:-1] + pts[1:]) / 2 + np.stack([-d[:, 1], d[:, 0]], 1) * rng.normal(
            0, rough * (0.85 ** lv), (len(d), 1))
        out = np.empty((len(pts) + len(mids), 2))
        out[0::2], out[1::2] = pts, mids
        pts = out
    return pts


def _draw_paths(shape: tuple[int, int], paths: list[tuple[np.ndarray, np.ndarray]]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rasterise skeletons; return distance to skeleton, width of the nearest skeleton pixel, skeleton mask."""
    wimg = np.zeros(shape, _F32)
    for pts, wid in paths:
        q = np.round(pts * 16).astype(np.int32)
        wq = np.round(np.log2(np.maximum(wid, 0.02)) * 3) / 3  # width bins: one polylines call per bin
        seg_w = (wq[:-1] + wq[1:]) / 2
        for b in np.unique(seg_w):
            sel = np.nonzero(seg_w == b)[0]
            segs = [q[i:i + 2] for i in sel]
            cv2.polylines(wimg, segs, False, float(2 ** b), 1, cv2.LINE_8, 4)
    skel = wimg > 0
    src = np.where(skel, 0, 255).astype(np.uint8)
    dist, lab = cv2.distanceTransformWithLabels(src, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    lut = np.zeros(int(lab.max()) + 1, _F32)
    lut[lab[skel]] = wimg[skel]
    return dist, lut[lab], skel


def _width_profile(rng: np.random.Generator, n: int, w0: float) -> np.ndarray:
    s = np.linspace(0, 1, n)
    taper = np.clip(np.sin(np.pi * s) ** 0.35, 0.15, 1)
    return (w0 * taper * np.exp(0.35 * _smooth1d(rng, n, n / 6))).astype(_F32)


def _crack_paths(rng: np.random.Generator, bh: int, bw: int, w0: float, variant: str
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    paths = []
    if variant == 'map':
        cell = max(min(bh, bw) / rng.uniform(2.0, 4.5), 10.0, math.sqrt(bh * bw / 120.0))
        ny, nx = max(2, int(bh / cell) + 1), max(2, int(bw / cell) + 1)
        gy, gx = np.meshgrid(np.linspace(2, bh - 3, ny), np.linspace(2, bw - 3, nx), indexing='ij')
        jit = rng.uniform(-0.3, 0.3, (2, ny, nx)) * cell
        inner = np.zeros((ny, nx), bool)
        inner[1:-1, 1:-1] = True
        gy, gx = np.where(inner, gy + jit[0], gy), np.where(inner, gx + jit[1], gx)
        for i in range(ny):
            for j in range(nx):
                for di, dj in ((0, 1), (1, 0)):
                    if i + di < ny and j + dj < nx and rng.random() < 0.8:
                        p0 = np.array([gx[i, j], gy[i, j]])
                        p1 = np.array([gx[i + di, j + dj], gy[i + di, j + dj]])
                        pts = _fractal_path(rng, p0, p1, rng.uniform(0.12, 0.25))
                        paths.append((pts, _width_profile(rng, len(pts), w0 * rng.uniform(0.5, 1.2))))
        return paths
    ang = rng.uniform(0, np.pi)
    c = np.array([bw / 2, bh / 2])
    half = 0.5 * np.array([math.cos(ang) * (bw - 4), math.sin(ang) * (bh - 4)])
    pts = _fractal_path(rng, c - half, c + half, rng.uniform(0.12, 0.3))
    wid = _width_profile(rng, len(pts), w0)
    paths.append((pts, wid))
    if variant == 'branching':
        for _ in range(int(rng.integers(1, 4))):
            k = int(rng.integers(len(pts) // 5, max(len(pts) * 4 // 5, len(pts) // 5 + 1)))
            d = pts[min(k + 2, len(pts) - 1)] - pts[max(k - 2, 0)]
            a = math.atan2(d[1], d[0]) + rng.choice([-1, 1]) * rng.uniform(0.4, 1.1)
            ln = np.hypot(*(2 * half)) * rng.uniform(0.2, 0.5)
            p1 = np.clip(pts[k] + ln * np.array([math.cos(a), math.sin(a)]), 2, [bw - 3, bh - 3])
            bp = _fractal_path(rng, pts[k], p1, rng.uniform(0.15, 0.3))
            bwid = wid[k] * rng.uniform(0.4, 0.8) * np.linspace(1, 0.2, len(bp)).astype(_F32)
            paths.append((bp, bwid))
    return paths


def _render_crack(rng: np.random.Generator, sc: _Scene, sl: tuple, paths: list, moist: float, kind_idx: int,
                  spall: bool) -> np.ndarray:
    """Draw crack paths into the scene window; returns the coverage field."""
    hb, wb = sc.label[sl].shape
    dist, wn, skel = _draw_paths((hb, wb), paths)
    if spall:  # broken lips: width grows irregularly where the edge spalled off
        lip = _sstep(_noise(rng, hb, wb, sc.mm, 2.0, 30, down=2), 0.4, 1.6)
        wn = wn * (1 + 0.3 * lip) + lip * np.minimum(wn, sc.px(4.0))
    # sub-pixel cracks: drawn 0.7 px wide with contrast ~ sqrt(width) (dirt and shadow inside widen them optically)
    sub = np.sqrt(np.clip(wn / 0.7, 0.05, 1))
    hw = np.maximum(wn, 0.7) / 2
    cov = np.clip(np.minimum(hw, dist + 0.5) - np.maximum(-hw, dist - 0.5), 0, 1) * sub
    cov = cv2.GaussianBlur(cov, (0, 0), 0.45)
    edge = np.exp(-np.maximum(dist - hw, 0) ** 2 / (2 * (0.6 + 0.25 * wn) ** 2)) * np.clip(wn / 4, 0, 1)
    depth = np.clip(0.45 + 0.12 * np.log2(np.maximum(wn, 0.05) * sc.mm + 1) + 0.15 * edge, 0.35, 0.92)
    dark = np.clip(cov * depth + 0.25 * edge * (1 - cov), 0, 0.95)
    if spall:
        lipz = (dist > hw) & (dist < hw + sc.px(3)) & (wn > 3)
        sc.refl[sl] *= np.where(lipz, 1.08, 1.0)[..., None]
    sc.refl[sl] *= (1 - dark)[..., None]
    sc.height[sl] -= cv2.GaussianBlur(cov, (0, 0), 0.8) * np.clip(wn * sc.mm, 0.1, 1.2)
    sc.fine[sl] -= moist * cv2.GaussianBlur(cov, (0, 0), 1.0) * 1.5
    lab = (cov > 0.04) | skel
    lab = cv2.dilate(lab.astype(np.uint8), np.ones((3, 3), np.uint8))
    sc.label[sl][lab > 0] = kind_idx
    return cov


def _defect_crack(rng: np.random.Generator, sc: _Scene, sl: tuple, idx: int) -> str:
    hb, wb = sc.label[sl].shape
    variant = rng.choice(['hairline', 'single', 'branching', 'map', 'wide'], p=[0.25, 0.2, 0.25, 0.15, 0.15])
    w_mm = {'hairline': rng.uniform(0.05, 0.3), 'single': rng.uniform(0.3, 1.5), 'branching': rng.uniform(0.2, 2.5),
            'map': rng.uniform(0.1, 0.6), 'wide': rng.uniform(2.5, 8.0)}[variant]
    paths = _crack_paths(rng, hb, wb, sc.px(w_mm), variant)
    moist = rng.choice([0.0, rng.uniform(0.15, 1.0)], p=[0.4, 0.6]) * min(1.0, w_mm / 0.3 + 0.2)
    _render_crack(rng, sc, sl, paths, float(moist), idx, variant == 'wide')
    return str(variant)


# ----------------------------------------------------------------------------------------------- stains / streaks
_RUST = np.array([[0.55, 0.30, 0.14], [0.42, 0.2, 0.09], [0.35, 0.14, 0.08], [0.62, 0.4, 0.2]], _F32)


def _stain(sc: _Scene, sl: tuple, a: np.ndarray, col: np.ndarray, strength: float) -> None:
    """Blend reflectance towards a colour with opacity a*strength (a in 0..1)."""
    al = np.clip(a * strength, 0, 1)[..., None]
    sc.refl[sl] = sc.refl[sl] * (1 - al) + al * col


def _streaks(rng: np.random.Generator, src: np.ndarray, length: float, mm: float) -> np.ndarray:
    """Column-modulated downward streaks from a source mask (local window)."""
    hb, wb = src.shape
    corr = max(1.0, rng.uniform(1.0, 6.0) / mm)
    cols = _sstep(_smooth1d(rng, wb, corr), rng.uniform(0.0, 0.8), 1.8) * rng.uniform(0.5, 1.0, wb)
    src = (src * cols[None, :]).astype(_F32)
    mix = _sstep(_smooth1d(rng, wb, corr * 2), -0.5, 0.5)[None, :]  # streak lengths vary column to column
    s = (_smear_down(src, length, length * rng.uniform(0.4, 0.9)) * mix
         + _smear_down(src, length * 0.35, length * 0.2) * (1 - mix))
    return np.clip(s * 1.3, 0, 1)


def _defect_corrosion(rng: np.random.Generator, sc: _Scene, sl: tuple, idx: int, sun: float) -> str:
    hb, wb = sc.label[sl].shape
    variant = str(rng.choice(['runoff', 'spalling', 'bar_crack'], p=[0.4, 0.3, 0.3]))
    col = _RUST[rng.integers(len(_RUST))] * rng.uniform(0.7, 1.15)
    bar_y = int(hb * rng.uniform(0.15, 0.4))
    y = np.arange(hb, dtype=_F32)[:, None]
    bar_w = max(sc.px(rng.uniform(10, 25)), 2.0)
    n = _noise(rng, hb, wb, sc.mm, 2.0, 25, down=2)
    along = _sstep(_smooth1d(rng, wb, wb / 3)[None, :], -0.8, 0.3)
    src = np.exp(-((y - bar_y) ** 2) / (2 * bar_w ** 2)) * along * _sstep(n, -0.8, 0.8)
    src[:, :max(1, wb // 12)] = 0
    src[:, -max(1, wb // 12):] = 0
    run = _streaks(rng, src.astype(_F32), (hb - bar_y) * rng.uniform(0.6, 1.0), sc.mm)
    a = np.clip(src * 1.4 + run * rng.uniform(0.6, 1.0), 0, 1) * (0.75 + 0.25 * n.clip(-1, 1))
    _stain(sc, sl, a, col, rng.uniform(0.6, 0.95))
    vis = a > 0.12
    if variant == 'spalling':
        x0, x1 = int(wb * rng.uniform(0.15, 0.35)), int(wb * rng.uniform(0.65, 0.85))
        env = np.zeros((hb, wb), _F32)
        pts = np.stack([np.linspace(x0, x1, 12), bar_y + rng.uniform(-1.5, 1.5, 12) * bar_w], 1)
        rim = np.concatenate([pts, pts[::-1] + [0, 3 * bar_w]])
        rim[:, 1] -= 1.5 * bar_w
        cv2.fillPoly(env, [np.round(rim).astype(np.int32)], 1.0, cv2.LINE_AA)
        env = cv2.GaussianBlur(env, (0, 0), max(0.7, bar_w * 0.15))
        rough = _noise(rng, hb, wb, sc.mm, 1.4, 15, down=1)
        core = env * (0.6 + 0.15 * rough)
        sc.refl[sl] *= (1 - rng.uniform(0.45, 0.75) * core)[..., None]
        trace = np.exp(-((y - bar_y - bar_w * 0.2) ** 2) / (2 * (bar_w * 0.3) ** 2)) * env
        _stain(sc, sl, trace * (0.8 + 0.2 * rough.clip(-1, 1)), _RUST[2] * 0.7, 0.95)
        sc.height[sl] += -bar_w * sc.mm * 0.4 * env + 1.5 * rough * env
        vis |= env > 0.2
    elif variant == 'bar_crack':
        p = _fractal_path(rng, np.array([wb * 0.08, bar_y]), np.array([wb * 0.92, bar_y]), 0.08)
        _render_crack(rng, sc, sl, [(p, _width_profile(rng, len(p), sc.px(rng.uniform(0.2, 1.5))))],
                      0.3, idx, False)
    # delaminated cover: warmer in sun, cooler at night, wider than the stain
    env = _ellipse_env(hb, wb, rng, 0.5) * np.clip(1.3 - np.abs(y - bar_y) / (hb * 0.7), 0, 1)
    env *= np.clip(1 + 0.35 * _noise(rng, hb, wb, sc.mm, 2.5, 0.4 * wb * sc.mm, down=4), 0, 1.5)
    sign = 1.0 if sun > 3 else -1.0
    sc.dT[sl] += sign * rng.uniform(1.0, 4.0) * env
    vis |= env > 0.6
    sc.label[sl][vis] = idx
    return variant


def _defect_leak(rng: np.random.Generator, sc: _Scene, sl: tuple, idx: int, evap: float, sun: float) -> str:
    hb, wb = sc.label[sl].shape
    variant = str(rng.choice(['wet_patch', 'tide_line', 'drip', 'efflorescence'], p=[0.3, 0.25, 0.25, 0.2]))
    top = 0.55 if variant in ('drip', 'efflorescence') else 1.0
    ht = max(4, int(hb * top))
    env = _ellipse_env(ht, wb, rng, rng.uniform(0.3, 0.7))
    n = _noise(rng, ht, wb, sc.mm, 2.6, 80, hi_mm=3.0, aniso=rng.uniform(1, 1.6), angle=np.pi / 2, down=2)
    wet = np.zeros((hb, wb), _F32)
    wet[:ht] = _sstep(env + 0.25 * n, 0.3, 0.6) * (0.8 + 0.2 * np.clip(n, -1, 1))
    if variant in ('drip', 'efflorescence'):
        src = np.zeros_like(wet)
        src[:ht] = wet[:ht] * _sstep(np.arange(ht, dtype=_F32)[:, None], ht * 0.5, ht)
        wet = np.maximum(wet, _streaks(rng, src, hb, sc.mm) * 1.3)
    wet = np.clip(wet, 0, 1)
    sc.refl[sl] *= (1 - rng.uniform(0.3, 0.6) * wet)[..., None] * np.array([1.0, 1.0, 1.03], _F32)
    sc.gloss[sl] += rng.uniform(0.0, 0.12) * wet
    sc.emis[sl] += (0.97 - sc.emis[sl]) * wet
    vis = wet > 0.1
    if variant == 'tide_line':  # deposit rings where older, larger wet fronts dried
        for k in range(int(rng.integers(1, 4))):
            lv = 0.3 - 0.08 * (k + 1)
            band = np.exp(-((env[:ht] + 0.3 * n - 0.35 - lv) ** 2) / (2 * 0.012 ** 2))
            _stain(sc, (slice(sl[0].start, sl[0].start + ht), sl[1]), band, np.array([0.62, 0.55, 0.43], _F32),
                   rng.uniform(0.3, 0.6))
            vis[:ht] |= band > 0.3
    if variant == 'efflorescence':
        src = wet * _sstep(_noise(rng, hb, wb, sc.mm, 2.2, 25, hi_mm=0.8, down=1), -0.3, 0.8)
        crys = 0.75 + 0.25 * _noise(rng, hb, wb, sc.mm, 0.8, 2, down=1).clip(-1, 1)  # crystalline grain
        white = np.clip((_streaks(rng, src, hb * 0.6, sc.mm) * 1.5 + src) * crys, 0, 1)
        _stain(sc, sl, white, np.array([0.85, 0.86, 0.85], _F32), rng.uniform(0.3, 0.75))
        sc.gloss[sl] *= 1 - white
        vis |= white > 0.1
    # evaporative cooling outweighs the extra absorption of the darker wet surface
    sc.dT[sl] -= (evap + 0.15 * sun) * wet
    sc.label[sl][vis] = idx
    return variant


# ----------------------------------------------------------------------------------------------- unseen types
def _defect_rebar(rng: np.random.Generator, sc: _Scene, sl: tuple, idx: int) -> str:
    hb, wb = sc.label[sl].shape
    env = _ellipse_env(hb, wb, rng, 0.5)
    lo = _noise(rng, hb, wb, sc.mm, 2.6, 0.5 * max(hb, wb) * sc.mm, down=4)  # irregular break-out outline
    env = _sstep(env * (1 + 0.5 * lo) + 0.1 * _noise(rng, hb, wb, sc.mm, 2.0, 20, down=2), 0.45, 0.5)
    rough = _noise(rng, hb, wb, sc.mm, 2.0, 10, hi_mm=0.5, down=1)
    sc.refl[sl] *= (1 - env * (0.3 + 0.12 * rough))[..., None]
    sc.height[sl] += env * (-4 + 0.6 * rough)
    variant = str(rng.choice(['bars', 'mesh']))
    d = max(sc.px(rng.uniform(10, 25)), 2.5)
    horiz = rng.random() < 0.5
    y, x = np.mgrid[0:hb, 0:wb].astype(_F32)
    across, along = (y, x) if horiz else (x, y)
    n_across = hb if horiz else wb
    nb = int(np.clip(n_across / max(sc.px(rng.uniform(100, 200)), 1), 1, 4))
    centres = [(k + rng.uniform(0.35, 0.65)) / nb * n_across for k in range(nb)]
    prof = np.zeros((hb, wb), _F32)
    for c in centres:
        prof = np.maximum(prof, np.clip(1 - ((across - c) / (d / 2)) ** 2, 0, 1))
    if variant == 'mesh':
        c2 = (wb if horiz else hb) * rng.uniform(0.3, 0.7)
        prof = np.maximum(prof, np.clip(1 - ((along - c2) / (d / 2)) ** 2, 0, 1))
    open_ = cv2.GaussianBlur(env, (0, 0), max(1.0, d)) > 0.45  # bars run through the whole broken-out area
    steel = np.clip(prof * 6, 0, 1) * open_
    ribs = 0.85 + 0.15 * np.cos(2 * np.pi * along / (0.7 * d))  # transverse ribs of deformed bar
    shade = (0.35 + 0.65 * np.sqrt(prof)) * ribs
    col = np.array([0.97, 1.0, 1.04], _F32) * float(sc.refl[sl].mean()) * rng.uniform(0.45, 0.8)
    _stain(sc, sl, steel, col * shade[..., None], 1.0)
    sc.gloss[sl] += rng.uniform(0.2, 0.6) * steel * np.exp(-((np.sqrt(prof) - 0.9) ** 2) / 0.01)
    sc.height[sl] += steel * (np.sqrt(prof) * d * sc.mm / 2)
    sc.emis[sl] += (rng.uniform(0.15, 0.35) - sc.emis[sl]) * steel
    sc.dT[sl] += steel * rng.choice([-1, 1]) * rng.uniform(1.5, 4.0)
    sc.label[sl][(env > 0.2) | (steel > 0.1)] = idx
    return variant


def _defect_object(rng: np.random.Generator, sc: _Scene, sl: tuple, idx: int, ambient: float) -> str:
    hb, wb = sc.label[sl].shape
    variant = str(rng.choice(['cable', 'glove', 'bottle', 'bag', 'tool']))
    m = np.zeros((hb, wb), np.uint8)
    rc = lambda: (int(rng.uniform(0.15, 0.85) * wb), int(rng.uniform(0.15, 0.85) * hb))  # noqa: E731
    s = min(hb, wb)
    if variant == 'cable':
        pts = _fractal_path(rng, np.array([0.05 * wb, rng.uniform(0.2, 0.8) * hb]),
                            np.array([0.95 * wb, rng.uniform(0.2, 0.8) * hb]), 0.12, 6.0)
        cv2.polylines(m, [np.round(pts).astype(np.int32)], False, 255, max(2, int(sc.px(rng.uniform(6, 20)))),
                      cv2.LINE_AA)
    elif variant == 'bottle':
        c = (wb / 2, hb / 2)
        box = cv2.boxPoints((c, (0.8 * s, 0.3 * s), rng.uniform(0, 180)))
        cv2.fillPoly(m, [np.round(box).astype(np.int32)], 255, cv2.LINE_AA)
    elif variant == 'tool':
        p0, p1 = rc(), rc()
        cv2.line(m, p0, p1, 255, max(2, s // 10), cv2.LINE_AA)
        cv2.circle(m, p1, max(2, s // 6), 255, -1, cv2.LINE_AA)
    else:
        k = 5 if variant == 'glove' else 9
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        r = rng.uniform(0.25, 0.45, k) * s
        poly = np.stack([wb / 2 + r * np.cos(ang), hb / 2 + r * np.sin(ang)], 1)
        cv2.fillPoly(m, [np.round(poly).astype(np.int32)], 255, cv2.LINE_AA)
        if variant == 'glove':
            for a in ang[:4]:
                cv2.line(m, (wb // 2, hb // 2), (int(wb / 2 + 0.45 * s * math.cos(a)),
                                                 int(hb / 2 + 0.45 * s * math.sin(a))), 255, max(2, s // 9))
    a = m.astype(_F32) / 255
    sh = np.roll(np.roll(a, max(1, s // 25), 0), max(1, s // 25), 1)
    sc.refl[sl] *= (1 - 0.4 * cv2.GaussianBlur(sh, (0, 0), max(1, s / 40)) * (1 - a))[..., None]
    col = rng.uniform(0.02, 0.8, 3).astype(_F32)
    col[rng.integers(3)] *= rng.uniform(0.1, 0.5)
    shade = 0.75 + 0.25 * _noise(rng, hb, wb, sc.mm, 2.5, 30, down=2).clip(-1, 1)
    _stain(sc, sl, a, col * shade[..., None], 1.0)
    sc.gloss[sl] += a * rng.uniform(0.0, 0.6)
    sc.own_w[sl] = np.maximum(sc.own_w[sl], a)
    t = ambient + rng.choice([-1, 1]) * rng.uniform(2.0, 15.0)
    sc.own_t[sl] += a * t - sc.own_t[sl] * a
    sc.emis[sl] += (rng.uniform(0.85, 0.95) - sc.emis[sl]) * a
    sc.label[sl][a > 0.2] = idx
    return variant


def _defect_hot(rng: np.random.Generator, sc: _Scene, sl: tuple, idx: int) -> str:
    hb, wb = sc.label[sl].shape
    variant = str(rng.choice(['blob', 'pipe']))
    y = np.arange(hb, dtype=_F32)[:, None]
    x = np.arange(wb, dtype=_F32)[None, :]
    if variant == 'blob':
        g = np.exp(-(((x - wb / 2) / (0.22 * wb)) ** 2 + ((y - hb / 2) / (0.22 * hb)) ** 2) / 2)
    else:
        vert = wb < hb
        c = rng.uniform(0.35, 0.65)
        r = (x - c * wb) / (0.12 * wb) if vert else (y - c * hb) / (0.12 * hb)
        along = _sstep((y / hb if vert else x / wb), 0.0, 0.15) * (1 - _sstep(y / hb if vert else x / wb, 0.85, 1))
        g = np.exp(-r * r / 2) * along
    sc.dT[sl] += rng.uniform(8, 60) * g
    if rng.random() < 0.3:  # a faint dried / sooty ring in RGB, often nothing
        _stain(sc, sl, g, np.array([0.3, 0.28, 0.25], _F32), rng.uniform(0.02, 0.1))
    sc.label[sl][g > 0.25] = idx
    return variant


def _defect_veg(rng: np.random.Generator, sc: _Scene, sl: tuple, idx: int) -> str:
    hb, wb = sc.label[sl].shape
    variant = str(rng.choice(['moss', 'algae', 'plant']))
    env = _ellipse_env(hb, wb, rng, 0.6)
    n = _noise(rng, hb, wb, sc.mm, 1.8, 30, down=1)
    a = _sstep(env * (1 + 0.6 * n), 0.35, 0.6)
    speck = _sstep(_noise(rng, hb, wb, sc.mm, 0.8, 3, down=1), -0.3, 1.2)
    col = np.array([rng.uniform(0.06, 0.16), rng.uniform(0.12, 0.28), rng.uniform(0.03, 0.08)], _F32)
    col *= min(1.0, float(sc.refl[sl].mean()) / 0.3)  # dark moss on dark walls: keeps exposure plausible
    col = 0.65 * col + 0.35 * col.mean()  # olive rather than lime
    if variant == 'algae':  # thin dark-green film hanging down
        a = np.maximum(a * 0.7, 0.5 * _streaks(rng, a * 0.5, hb * 0.3, sc.mm))
        col *= 0.55
    _stain(sc, sl, a, col * (0.7 + 0.6 * speck)[..., None], rng.uniform(0.7, 0.95))
    sc.height[sl] += a * speck * (2.0 if variant == 'moss' else 0.3)
    if variant == 'plant':
        m = np.zeros((hb, wb), _F32)
        base = (wb // 2, int(hb * 0.8))
        for _ in range(int(rng.integers(4, 10))):
            ang = rng.uniform(-np.pi * 0.95, -np.pi * 0.05)
            ln = rng.uniform(0.08, 0.25) * min(hb, wb)
            c = (int(base[0] + math.cos(ang) * ln / 2), int(base[1] + math.sin(ang) * ln / 2))
            cv2.ellipse(m, c, (max(1, int(ln / 2)), max(1, int(ln / 7))), math.degrees(ang), 0, 360, 1.0, -1,
                        cv2.LINE_AA)
        lc = np.array([0.12, rng.uniform(0.3, 0.5), 0.06], _F32)
        _stain(sc, sl, m, lc * (0.8 + 0.3 * speck)[..., None], 1.0)
        a = np.maximum(a, m)
    sc.dT[sl] -= rng.uniform(0.8, 3.0) * a
    sc.emis[sl] += (0.97 - sc.emis[sl]) * a
    sc.label[sl][a > 0.15] = idx
    return variant


# ----------------------------------------------------------------------------------------------- distractors
def _rand_box(rng: np.random.Generator, sc: _Scene, size_mm: tuple[float, float]) -> tuple:
    bw = int(np.clip(sc.px(rng.uniform(*size_mm)), 6, sc.w))
    bh = int(np.clip(sc.px(rng.uniform(*size_mm)), 6, sc.h))
    x0, y0 = int(rng.integers(0, max(1, sc.w - bw + 1))), int(rng.integers(0, max(1, sc.h - bh + 1)))
    return slice(y0, y0 + bh), slice(x0, x0 + bw)


def _distractor(rng: np.random.Generator, sc: _Scene, name: str) -> None:
    mm = sc.mm
    if name == 'dry_stain':  # old water mark: darker, maybe a ring, no cooling
        sl = _rand_box(rng, sc, (60, 500))
        hb, wb = sc.label[sl].shape
        a = _sstep(_ellipse_env(hb, wb, rng, 0.5) * (1 + 0.5 * _noise(rng, hb, wb, mm, 2, 50, down=2)), 0.3, 0.6)
        sc.refl[sl] *= (1 - rng.uniform(0.08, 0.3) * a)[..., None]
    elif name == 'rust_stain':  # iron-rich aggregate or rusty paint drips, no delamination
        sl = _rand_box(rng, sc, (30, 300))
        hb, wb = sc.label[sl].shape
        a = _sstep(_noise(rng, hb, wb, mm, 1.5, 8, down=1), 1.2, 2.2) * _ellipse_env(hb, wb, rng, 0.6)
        if rng.random() < 0.5:
            a = np.maximum(a, _streaks(rng, a, hb * 0.7, mm))
        _stain(sc, sl, a, _RUST[rng.integers(len(_RUST))], rng.uniform(0.4, 0.9))
    elif name in ('paint', 'tag'):
        sl = _rand_box(rng, sc, (40, 400) if name == 'paint' else (30, 150))
        hb, wb = sc.label[sl].shape
        m = np.zeros((hb, wb), np.uint8)
        form = rng.choice(['patch', 'line', 'number', 'arrow']) if name == 'paint' else 'number'
        th = max(1, int(sc.px(rng.uniform(8, 40))))
        if form == 'patch':
            cv2.rectangle(m, (wb // 8, hb // 8), (wb * 7 // 8, hb * 7 // 8), 255, -1)
        elif form == 'line':
            cv2.line(m, (0, int(rng.integers(0, hb))), (wb - 1, int(rng.integers(0, hb))), 255, th, cv2.LINE_AA)
        elif form == 'arrow':
            cv2.arrowedLine(m, (wb // 8, hb // 2), (wb * 7 // 8, int(rng.integers(0, hb))), 255, th, cv2.LINE_AA)
        else:
            txt = ''.join(rng.choice(list('0123456789ABKX+-')) for _ in range(int(rng.integers(1, 4))))
            fs = hb / 40
            cv2.putText(m, txt, (2, hb * 3 // 4), cv2.FONT_HERSHEY_SIMPLEX, fs, 255, max(1, int(fs * 2)),
                        cv2.LINE_AA)
        a = cv2.GaussianBlur(m.astype(_F32) / 255, (0, 0), 0.4 + (form == 'line') * 1.5)
        col = rng.choice([[0.7, 0.05, 0.04], [0.85, 0.7, 0.05], [0.05, 0.2, 0.6], [0.85, 0.85, 0.82],
                          [0.9, 0.35, 0.05], [0.05, 0.4, 0.1], [0.05, 0.05, 0.05]]).astype(_F32)
        _stain(sc, sl, a, col, rng.uniform(0.6, 0.95))
        sc.emis[sl] += (0.95 - sc.emis[sl]) * a
    elif name in ('cast_shadow', 'pipe_shadow'):
        m = np.zeros((sc.h, sc.w), _F32)
        if name == 'pipe_shadow':
            y0, y1 = rng.uniform(0, sc.h, 2)
            cv2.line(m, (-10, int(y0)), (sc.w + 10, int(y1)), 1.0, max(2, int(sc.px(rng.uniform(40, 200)))))
        else:
            k = int(rng.integers(3, 7))
            poly = np.stack([rng.uniform(-0.3, 1.3, k) * sc.w, rng.uniform(-0.3, 1.3, k) * sc.h], 1)
            cv2.fillPoly(m, [np.round(poly).astype(np.int32)], 1.0)
        pen = max(0.5, sc.px(rng.uniform(1, 15)))
        m = cv2.GaussianBlur(m, (0, 0), pen)
        depth = rng.uniform(0.3, 0.7)
        sc.shade *= 1 - depth * m
        lag = np.float32([[1, 0, rng.uniform(-0.2, 0.2) * sc.w], [0, 1, rng.uniform(-0.2, 0.2) * sc.h]])
        sc.shade_th *= 1 - depth * rng.uniform(0.3, 0.9) * cv2.warpAffine(m, lag, (sc.w, sc.h))
    elif name == 'joint':  # formwork joint or saw cut: straight thin dark line, no cooling
        m = np.zeros((sc.h, sc.w), _F32)
        if rng.random() < 0.5:
            y = int(rng.integers(0, sc.h))
            p0, p1 = (-5, y), (sc.w + 5, y + int(rng.integers(-2, 3)))
        else:
            x = int(rng.integers(0, sc.w))
            p0, p1 = (x, -5), (x + int(rng.integers(-2, 3)), sc.h + 5)
        cv2.line(m, p0, p1, 1.0, max(1, int(sc.px(rng.uniform(2, 8)))), cv2.LINE_AA)
        sc.refl *= (1 - rng.uniform(0.2, 0.5) * m)[..., None]
        sc.height -= 2 * m
    elif name == 'repair_patch':  # different mortar, smoother, different thermal inertia
        sl = _rand_box(rng, sc, (80, 600))
        hb, wb = sc.label[sl].shape
        m = np.zeros((hb, wb), _F32)
        poly = np.array([[0.1, 0.1], [0.9, 0.12], [0.88, 0.9], [0.12, 0.88]]) + rng.uniform(-0.08, 0.08, (4, 2))
        cv2.fillPoly(m, [np.round(poly * [wb, hb]).astype(np.int32)], 1.0, cv2.LINE_AA)
        g = float(sc.refl[sl].mean()) * rng.uniform(0.7, 1.3) * (1 + 0.05 * _noise(rng, hb, wb, mm, 2.5, 60, down=2)
                                      + 0.1 * _noise(rng, hb, wb, mm, 1.0, 5, down=1))
        col = np.stack([g, g * rng.uniform(0.97, 1.03), g * rng.uniform(0.95, 1.05)], -1)
        _stain(sc, sl, m, col, rng.uniform(0.75, 0.95))
        seam = np.clip(cv2.dilate(m, np.ones((3, 3), np.uint8)) - cv2.erode(m, np.ones((3, 3), np.uint8)), 0, 1)
        sc.refl[sl] *= (1 - 0.3 * seam)[..., None]
        sc.height[sl] = sc.height[sl] * (1 - 0.5 * m) + 0.3 * m * _noise(rng, hb, wb, mm, 1.2, 6, down=1)
        if rng.random() < 0.35:  # old patch: efflorescence bleeding from its lower edge
            wht = _streaks(rng, np.clip(m - cv2.erode(m, np.ones((5, 5), np.uint8)), 0, 1), hb * 0.3, mm)
            _stain(sc, sl, wht, np.array([0.85, 0.85, 0.83], _F32), 0.6)
        sc.dT[sl] += rng.choice([-1, 1]) * rng.uniform(0.5, 2.0) * m
    elif name == 'cold_line':  # embedded conduit / tie bar: thermal only
        m = np.zeros((sc.h, sc.w), _F32)
        x = int(rng.integers(0, sc.w))
        cv2.line(m, (x, -5), (x + int(rng.integers(-20, 21)), sc.h + 5), 1.0, max(1, int(sc.px(rng.uniform(10, 30)))))
        sc.dT -= rng.uniform(0.5, 2.0) * cv2.GaussianBlur(m, (0, 0), max(0.5, sc.px(10)))


_DISTRACTORS = ('dry_stain', 'rust_stain', 'paint', 'cast_shadow', 'joint', 'repair_patch', 'cold_line',
                'pipe_shadow', 'tag')


# ----------------------------------------------------------------------------------------------- placement
def _place(rng: np.random.Generator, h: int, w: int, kinds: tuple[str, ...], mm: float) -> list[tuple]:
    boxes: list[tuple[int, int, int, int]] = []
    n = max(1, len(kinds))
    cap = 1.0 / math.sqrt(n)
    size_mm = {'crack': (80, 900), 'corrosion': (100, 600), 'leak': (100, 800), 'exposed_rebar': (80, 400),
               'foreign_object': (60, 400), 'hot_spot': (60, 500), 'vegetation': (40, 400)}
    for kind in kinds:
        lo, hi = size_mm.get(kind, (60, 400))
        bw = min(rng.uniform(lo, hi) / mm, w * cap * rng.uniform(0.7, 0.98))
        bh = min(rng.uniform(lo, hi) / mm * (1.5 if kind in ('corrosion', 'leak') else 1), h * cap * 0.98)
        bw, bh = max(bw, min(12, w)), max(bh, min(12, h))
        for attempt in range(200):
            iw, ih = int(bw), int(bh)
            x0, y0 = int(rng.integers(0, w - iw + 1)), int(rng.integers(0, h - ih + 1))
            if all(x0 >= b[2] or b[0] >= x0 + iw or y0 >= b[3] or b[1] >= y0 + ih for b in boxes):
                break
            if attempt % 20 == 19:
                bw, bh = max(bw * 0.8, 6), max(bh * 0.8, 6)
        boxes.append((x0, y0, x0 + iw, y0 + ih))
    return boxes


# ----------------------------------------------------------------------------------------------- thermal
def _thermal(rng: np.random.Generator, sc: _Scene, spec: FrameSpec, env: dict) -> tuple[np.ndarray, tuple]:
    tw, th = spec.thermal_width, spec.thermal_height
    cw, ch = max(8, tw), max(8, th)
    ar = lambda a, s: cv2.resize(a, s, interpolation=cv2.INTER_AREA)  # noqa: E731
    albedo = sc.refl.mean(axis=2)
    absorb = ar(np.clip(1 - albedo * 1.4, 0.2, 0.95), (cw, ch))
    sun = env['sun_k'] * absorb * ar(sc.shade_th, (cw, ch))
    gy, gx = np.mgrid[0:ch, 0:cw].astype(_F32)
    grad = env['grad_k'] * ((gx / cw - 0.5) * math.cos(env['grad_a']) + (gy / ch - 0.5) * math.sin(env['grad_a']))
    t_eq = env['ambient'] + env['sky_k'] + sun + grad + ar(sc.dT, (cw, ch))
    # steady balance k*lap(T) = h*(T - T_eq): Jacobi sweeps with k/h in cells^2
    cell_mm = sc.mm * sc.w / cw
    k = (env['cond_mm'] / cell_mm) ** 2
    lap = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], _F32)
    t = t_eq.copy()
    for _ in range(8):
        t = (k * cv2.filter2D(t, -1, lap, borderType=cv2.BORDER_REPLICATE) + t_eq) / (4 * k + 1)
    ww, wh = tw * 2, th * 2
    t = cv2.resize(t, (ww, wh), interpolation=cv2.INTER_CUBIC)
    t += ar(sc.fine, (ww, wh))
    own_w = ar(sc.own_w, (ww, wh))
    own_t = ar(sc.own_t, (ww, wh))
    t = t * (1 - own_w) + own_t
    eps = ar(sc.emis, (ww, wh))
    t = eps * t + (1 - eps) * env['t_refl']  # linearised radiance mixing with the reflected surroundings
    t = cv2.GaussianBlur(t, (0, 0), rng.uniform(0.6, 1.6))
    r = spec.max_misregistration_px * math.sqrt(rng.random())
    a = rng.uniform(0, 2 * np.pi)
    dx, dy = r * math.cos(a), r * math.sin(a)
    m = np.float32([[0.5, 0, dx + 0.25], [0, 0.5, dy + 0.25]])
    t = cv2.warpAffine(t, m, (tw, th), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    yy, xx = np.mgrid[0:th, 0:tw].astype(_F32)
    rr = ((xx / tw - 0.5) ** 2 + (yy / th - 0.5) ** 2) * 2
    t += rng.uniform(-1.0, 1.0) * rr  # narcissus / vignetting
    netd = rng.uniform(0.03, 0.15)
    t += rng.normal(0, netd, (th, tw)).astype(_F32)
    t += rng.normal(0, netd * 0.35, (1, tw)).astype(_F32) + rng.normal(0, netd * 0.25, (th, 1)).astype(_F32)
    t = t * rng.uniform(0.98, 1.02) + rng.uniform(-0.5, 0.5)
    return np.nan_to_num(t).astype(_F32), (round(dx, 3), round(dy, 3))


# ----------------------------------------------------------------------------------------------- camera
def _camera(rng: np.random.Generator, sc: _Scene, env: dict) -> tuple[np.ndarray, dict]:
    h, w, mm = sc.h, sc.w, sc.mm
    gy, gx = cv2.Sobel(sc.height, -1, 0, 1, ksize=3), cv2.Sobel(sc.height, -1, 1, 0, ksize=3)
    la = env['light_a']
    graze = env['graze']
    shading = np.clip(1 + graze * (gx * math.cos(la) + gy * math.sin(la)) / (8 * mm), 0.25, 1.8)
    yy = np.linspace(-0.5, 0.5, h, dtype=_F32)[:, None]
    xx = np.linspace(-0.5, 0.5, w, dtype=_F32)[None, :]
    ga = rng.uniform(0, 2 * np.pi)
    illum = 1 + rng.uniform(0, 0.6) * (xx * math.cos(ga) + yy * math.sin(ga))
    illum = illum * (1 + rng.uniform(0, 0.25) * _noise(rng, h, w, mm, 3.0, 2000, down=16))
    vig = 1 - rng.uniform(0, 0.45) * (xx * xx + yy * yy) * 2
    direct = env['direct']
    light = (illum * vig) * ((1 - direct) + direct * sc.shade)
    lin = sc.refl * (light * shading)[..., None]
    spec_pat = np.clip(_noise(rng, h, w, mm, 3.0, 400, down=16) * 0.5 + 0.6, 0, 1.5)
    lin += (sc.gloss * spec_pat * light * rng.uniform(0.1, 0.5))[..., None]
    wb = rng.normal(0, 0.06)  # white balance error along the colour-temperature axis, small green tint
    lin *= np.array([1 + wb, 1 + rng.normal(0, 0.015), 1 - wb], _F32)
    lin *= rng.uniform(0.32, 0.55) / (float(np.median(lin[::4, ::4])) + 1e-4)  # auto exposure with bias
    blur = rng.choice(['none', 'defocus', 'motion'], p=[0.55, 0.35, 0.1])
    if blur == 'defocus':
        lin = cv2.GaussianBlur(lin, (0, 0), rng.uniform(0.4, 1.4))
    elif blur == 'motion':
        n = int(rng.integers(2, 6))
        k = np.zeros((n, n), _F32)
        cv2.line(k, (0, int(rng.integers(0, n))), (n - 1, int(rng.integers(0, n))), 1.0)
        lin = cv2.filter2D(lin, -1, k / k.sum())
    full = rng.uniform(300, 3000)  # photo-electrons at white
    noise = rng.standard_normal((h, w, 3), dtype=_F32)
    lin = lin + noise * np.sqrt(np.clip(lin, 0, None) / full + (rng.uniform(1, 8) / full) ** 2)
    gamma = rng.uniform(1.9, 2.5)
    lut = (np.linspace(0, 1, 4096) ** (1 / gamma) * 255 + 0.5).astype(np.uint8)  # tone curve as a table
    img = lut[(np.clip(lin, 0, 1) * 4095).astype(np.uint16)]
    if rng.random() < 0.5:  # lateral chromatic aberration: R and B scaled about the centre
        e = rng.uniform(0.0005, 0.003)
        for ch, s in ((0, 1 + e), (2, 1 - e)):
            m = np.float32([[s, 0, (1 - s) * w / 2], [0, s, (1 - s) * h / 2]])
            img[..., ch] = cv2.warpAffine(np.ascontiguousarray(img[..., ch]), m, (w, h),
                                          borderMode=cv2.BORDER_REFLECT)
    q = int(rng.integers(40, 96))
    ok, buf = cv2.imencode('.jpg', cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])
    img = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return img, {'jpeg_quality': q, 'blur': str(blur), 'gamma': round(gamma, 3)}


# ----------------------------------------------------------------------------------------------- entry point
def render(seed: int, spec: FrameSpec) -> SyntheticFrame:
    """Render one labelled RGB + thermal frame; a pure function of (seed, spec)."""
    for k in spec.defects:
        if k not in DEFECT_KINDS:
            raise ValueError(f'unknown defect kind {k!r}')
    # independent streams per stage: a defect looks the same whatever the frame size or scale draws elsewhere
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence([int(seed) & 0xFFFFFFFF, 0xF0F1]).spawn(
        6 + len(spec.defects))]
    rng, r_tex, r_dis, r_place, r_th, r_cam = streams[:6]
    h, w, mm = int(spec.height), int(spec.width), float(spec.mm_per_px)
    sc = _Scene(h, w, mm)
    ambient = float(spec.ambient_c) if spec.ambient_c is not None else float(rng.uniform(0, 45))
    day = rng.random() < 0.65
    sunny = day and rng.random() < 0.6
    humid = rng.uniform(0.2, 1.0)
    wind = rng.uniform(0, 8)
    env = {
        'ambient': ambient,
        'sun_k': rng.uniform(6, 22) if sunny else (rng.uniform(0, 3) if day else 0.0),
        'sky_k': 0.0 if day else -rng.uniform(0.5, 4.0),
        'grad_k': rng.uniform(0, 6), 'grad_a': rng.uniform(0, 2 * np.pi),
        'cond_mm': rng.uniform(15, 60),
        't_refl': ambient - (rng.uniform(5, 25) if rng.random() < 0.6 else rng.uniform(-3, 3)),
        'direct': rng.uniform(0.55, 0.85) if sunny else rng.uniform(0.0, 0.3),
        'light_a': rng.uniform(0, 2 * np.pi), 'graze': rng.uniform(0.08, 0.5),
    }
    evap = rng.uniform(1.0, 6.0) * (1.15 - 0.6 * humid) * (0.7 + 0.06 * wind)
    evap = float(np.clip(evap, 1.0, 6.0))
    tex = _texture(r_tex, sc)
    if sunny and rng.random() < 0.35:  # scene shadow of an unseen object (not counted as distractor)
        _distractor(r_dis, sc, 'cast_shadow')
    names = [str(r_dis.choice(_DISTRACTORS)) for _ in range(int(r_dis.poisson(spec.distractor_rate)))]
    for nm in names:
        _distractor(r_dis, sc, nm)
    boxes = _place(r_place, h, w, tuple(spec.defects), mm)
    variants = {}
    for kind, (x0, y0, x1, y1), rng in zip(spec.defects, boxes, streams[6:], strict=True):
        sl = (slice(y0, y1), slice(x0, x1))
        idx = KINDS.index(kind)
        if kind == 'crack':
            v = _defect_crack(rng, sc, sl, idx)
        elif kind == 'corrosion':
            v = _defect_corrosion(rng, sc, sl, idx, env['sun_k'])
        elif kind == 'leak':
            v = _defect_leak(rng, sc, sl, idx, evap, env['sun_k'])
        elif kind == 'exposed_rebar':
            v = _defect_rebar(rng, sc, sl, idx)
        elif kind == 'foreign_object':
            v = _defect_object(rng, sc, sl, idx, ambient)
        elif kind == 'hot_spot':
            v = _defect_hot(rng, sc, sl, idx)
        else:
            v = _defect_veg(rng, sc, sl, idx)
        variants[kind] = v
    thermal, mis = _thermal(r_th, sc, spec, env)
    rgb, cam = _camera(r_cam, sc, env)
    regions = []
    for kind in spec.defects:
        ys, xs = np.nonzero(sc.label == KINDS.index(kind))
        if len(xs):
            box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
            regions.append(Region(kind=kind, box=box, variant=variants[kind]))
    meta = {'family': FAMILY, 'ambient_c': ambient, 'distractors': names, 'misregistration_px': mis,
            'sunny': sunny, 'day': day, 'evaporation_k': round(evap, 3), 'texture': tex, 'camera': cam}
    return SyntheticFrame(rgb=rgb, thermal_c=thermal, label_map=sc.label, regions=tuple(regions), meta=meta)
