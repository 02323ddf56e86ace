"""Aggregate family: concrete built from an explicit material model, imaged by an RGB and a thermal camera.

Texture: a cement-paste matrix (tone, tint, mottling, sand speckle) holding aggregate particles of three size grades
(random near-convex polygons / ellipses from a per-frame stone palette, placed at random without interpenetrating;
grades too small to draw become thresholded noise blobs), a paste skin that hides and blurs them to a random degree,
air-void pores and bugholes as bowls in a height map, formwork boards (grain imprint, seam fins, panel joints, tie
holes), trowel arcs, broom striations, shotcrete lumps, weathering streaks, dirt and old efflorescence. Every size is
in millimetres and converted with mm_per_px.
Defects: cracks are biased walks on a cost map that prefers the paste beside aggregate, refined by cost-biased
midpoint displacement (hairline, single, wide with spalled lips, branching, map); corrosion is rust from a rebar line
at cover depth with run-off made by advecting particles downward, spalling and bar-line cracks, over a delaminated
patch; leaks are advection-diffusion plumes from a source (capillary spread, gravity drift, evaporative loss) with tide
lines, drip trails and efflorescence crust; unseen kinds: exposed clean rebar in a broken-out recess, foreign objects,
hot spots behind the surface, moss / biofilm / small plants. Distractors mislead RGB only (stains, rust-coloured
aggregate, paint, markings, tags, joints), thermal only (cold lines) or both (repair patches, moving shadows).
Thermal: per-pixel material maps (solar absorptivity from albedo, emissivity, coupling to the bulk, wetness, lag,
conductivity) feed a linearised lumped energy balance per pixel: sun on absorptivity, sky long-wave deficit,
convection driven by a gusty wind field, evaporation limited by humidity and wind (plus an energy-limited share of the
absorbed sun), conduction to a lagging bulk. It is blended between the current and an earlier shading (thermal
inertia), smoothed by a conductivity-weighted Gaussian pyramid over the diffusion length, and seen through emissivity
with reflected surroundings.
Cameras: RGB radiance from albedo, height-map normals (Lambert, a Gaussian specular lobe, mirrored surroundings),
cavity occlusion and rim self-shadowing, under sun (cast shadows), overcast or lamp light; then vignetting, defocus or
motion blur, lateral chromatic aberration, shot / read noise, white balance, auto exposure, a tone curve, sharpening
and a JPEG round trip. Thermal: misregistration shift, optics blur, area sampling to the sensor, NETD noise, row /
column fixed pattern and narcissus vignetting; float32 degC.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from fracturescope_sim.surfaces.frame import KINDS, FrameSpec, Region, SyntheticFrame

FAMILY = 'aggregate'

_KIND_ID = {k: i for i, k in enumerate(KINDS)}
_F32 = np.float32
_SIGMA_SB = 5.670e-8

# Stone archetypes (linear albedo RGB); a frame picks a few and jitters them.
_STONES = np.array([
    (0.55, 0.55, 0.52),   # limestone
    (0.16, 0.16, 0.17),   # basalt
    (0.55, 0.45, 0.42),   # pink granite
    (0.74, 0.73, 0.70),   # quartz
    (0.50, 0.37, 0.27),   # sandstone
    (0.52, 0.47, 0.38),   # river gravel
    (0.33, 0.36, 0.39),   # greywacke
    (0.42, 0.40, 0.36),   # flint-ish
], _F32)

_SURFACES = ('formed', 'troweled', 'broom', 'weathered', 'shotcrete', 'precast')

# Thermal material maps and the value a pixel has when nothing wrote to it (emissivity is set per frame).
_MAP_DEFAULTS = {'gloss': 0.0, 'wet': 0.0, 'couple': 1.0, 'dt': 0.0, 'fixw': 0.0, 'fixt': 0.0, 'lag': 1.0,
                 'shade': 1.0, 'shade_past': 1.0, 'cond': 0.0, 'emis': 0.94, 'delam': 0.0,
                 'nirw': 0.0, 'nira': 0.5, 'ao_shade': 1.0, 'dts': 0.0}


# ----------------------------------------------------------------------------------------------------------------------
# small numeric helpers


def _noise(rng: np.random.Generator, h: int, w: int, cell_y: float, cell_x: float | None = None) -> np.ndarray:
    """Smooth value noise of roughly unit variance with features cell_y x cell_x pixels (white noise when < 1 px)."""
    cell_x = cell_y if cell_x is None else cell_x
    gh = int(min(h, max(1, math.ceil(h / max(cell_y, 1e-6))))) + 1
    gw = int(min(w, max(1, math.ceil(w / max(cell_x, 1e-6))))) + 1
    g = rng.standard_normal((gh, gw), dtype=_F32)
    if gh > h and gw > w:
        return g[:h, :w]
    inter = cv2.INTER_CUBIC if min(h / gh, w / gw) > 1.5 else cv2.INTER_LINEAR
    return cv2.resize(g, (w, h), interpolation=inter) * _F32(1.35)


def _fbm(rng: np.random.Generator, h: int, w: int, cell: float, octaves: int = 3, gain: float = 0.5) -> np.ndarray:
    """Fractal sum of value-noise octaves, coarsest first."""
    out = np.zeros((h, w), _F32)
    amp = 1.0
    for _ in range(octaves):
        out += _F32(amp) * _noise(rng, h, w, cell)
        cell *= 0.5
        amp *= gain
        if cell < 1.0:
            break
    return out


def _blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; large sigmas go through a smaller image to stay cheap."""
    if sigma < 0.3:
        return img
    h, w = img.shape[:2]
    if sigma <= 5.0 or min(h, w) < 16:
        return cv2.GaussianBlur(img, (0, 0), sigma)
    f = min(int(sigma // 2.5), max(1, min(h, w) // 8))
    small = cv2.resize(img, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / f)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _polygons(rng: np.random.Generator, cx: np.ndarray, cy: np.ndarray, r: np.ndarray, k: int,
              rough: float, aspect: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
    """Random star-shaped (near-convex) polygons, N x k x 2 int32 in 1/8 px units (fillPoly shift=3)."""
    n = len(cx)
    ang = np.sort(rng.uniform(0, 2 * np.pi, (n, k)), axis=1)
    ang = 0.6 * ang + 0.4 * np.linspace(0, 2 * np.pi, k, endpoint=False)[None, :]
    rad = r[:, None] * (1.0 + rough * rng.uniform(-1.0, 0.6, (n, k)))
    asp = rng.uniform(aspect[0], aspect[1], n)[:, None]
    rot = rng.uniform(0, np.pi, n)[:, None]
    ex, ey = rad * np.cos(ang), rad * np.sin(ang) * asp
    px = cx[:, None] + ex * np.cos(rot) - ey * np.sin(rot)
    py = cy[:, None] + ex * np.sin(rot) + ey * np.cos(rot)
    return np.round(np.stack([px, py], axis=-1) * 8.0).astype(np.int32)


def _fill(img: np.ndarray, polys: np.ndarray, value: float) -> None:
    if len(polys):
        cv2.fillPoly(img, list(polys), value, cv2.LINE_8, 3)


def _lines_coverage(h: int, w: int, paths: list[np.ndarray], widths: list[np.ndarray]) -> np.ndarray:
    """Anti-aliased coverage of polylines whose width varies per vertex; sub-pixel widths darken partially."""
    cov = np.zeros((h, w), _F32)
    segs: dict[int, list[np.ndarray]] = {}
    frac: dict[int, list[float]] = {}
    for pts, wid in zip(paths, widths, strict=True):
        if len(pts) < 2:
            continue
        wm = 0.5 * (wid[:-1] + wid[1:])
        # quantise widths: integer thickness >= 1, and a coverage factor for the sub-pixel part
        thick = np.maximum(1, np.round(wm)).astype(int)
        sub = np.minimum(wm, 1.0)
        q = np.round(sub * 8).astype(int)
        key = thick * 16 + q
        p8 = np.round(pts * 8).astype(np.int32)
        for kk in np.unique(key):
            idx = np.nonzero(key == kk)[0]
            segs.setdefault(int(kk), []).extend(p8[np.stack([idx, idx + 1], 1)])
            frac.setdefault(int(kk), [max(1, int(kk) % 16) / 8.0])
    for kk, lst in segs.items():
        m = np.zeros((h, w), np.uint8)
        cv2.polylines(m, lst, False, 255, kk // 16, cv2.LINE_AA, 3)
        np.maximum(cov, m.astype(_F32) * _F32(frac[kk][0] / 255.0), out=cov)
    return cov


def _dilate(mask: np.ndarray, px: int = 1) -> np.ndarray:
    k = np.ones((2 * px + 1, 2 * px + 1), np.uint8)
    return cv2.dilate(mask.astype(np.uint8), k) > 0


def _advect(rng: np.random.Generator, h: int, w: int, sx: np.ndarray, sy: np.ndarray, per_src: int,
            length_px: float, wander_px: float, spread_px: float) -> np.ndarray:
    """Deposit left by particles advected downward from sources: shared meandering channels, individual jitter."""
    n_src = len(sx)
    if n_src == 0 or h < 2:
        return np.zeros((h, w), _F32)
    steps = int(np.clip(length_px, 2, 400))
    dy = max(1.0, length_px / steps) * 0.7
    t = np.arange(steps, dtype=_F32)[:, None]
    pcount = n_src * per_src
    src = np.repeat(np.arange(n_src), per_src)
    # the channel a source's water follows: slow sinuous lateral drift
    f1 = rng.uniform(0.5, 3.0, n_src)[src] / steps
    ph = rng.uniform(0, 2 * np.pi, n_src)[src]
    amp = wander_px * rng.uniform(0.3, 1.0, n_src)[src]
    x = (sx[src] + rng.normal(0, spread_px, pcount))[None, :] + amp * np.sin(2 * np.pi * f1 * t + ph) - amp * np.sin(ph)
    x = x + np.cumsum(rng.normal(0, 0.08, (steps, pcount)), axis=0)
    speed = rng.uniform(0.6, 1.4, pcount)[None, :]
    y = sy[src][None, :] + t * dy * speed
    life = rng.uniform(0.2, 1.0, pcount)[None, :] * steps
    wgt = np.exp(-t / np.maximum(life, 1.0)) * (t < life * 1.6)
    xi, yi = np.round(x).astype(np.int64), np.round(y).astype(np.int64)
    ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h) & (wgt > 0.01)
    dep = np.bincount((yi[ok] * w + xi[ok]), weights=wgt[ok], minlength=h * w).astype(_F32).reshape(h, w)
    return dep


def _rect_slices(r: tuple[int, int, int, int]) -> tuple[slice, slice]:
    return slice(r[1], r[3]), slice(r[0], r[2])


# ----------------------------------------------------------------------------------------------------------------------
# the canvas: material maps at RGB resolution


class _Canvas:
    def __init__(self, rng: np.random.Generator, h: int, w: int, mmpp: float, emis0: float) -> None:
        self.rng = rng
        self.h, self.w, self.mmpp = h, w, mmpp
        self.alb = np.zeros((h, w, 3), _F32)
        self.hgt = np.zeros((h, w), _F32)          # relief [mm], + towards the camera
        self.sid = np.zeros((h, w), np.uint8)      # aggregate bin per pixel, 0 = paste
        self.label = np.zeros((h, w), np.uint8)
        self.maps: dict[str, np.ndarray] = {}
        self.defaults = dict(_MAP_DEFAULTS, emis=emis0)
        self.ldir = np.array([0.0, 0.0, 1.0], _F32)    # towards the key light, for self-shadowing

    def m(self, name: str) -> np.ndarray:
        """A thermal / optical material map, allocated on first write."""
        if name not in self.maps:
            self.maps[name] = np.full((self.h, self.w), self.defaults[name], _F32)
        return self.maps[name]

    def px(self, mm: float) -> float:
        return mm / self.mmpp


# numpy broadcasting of a per-pixel map or an RGB vector over an H x W x 3 image is several times slower than
# same-shape arithmetic, so maps are expanded to three channels with cv2.merge first.


def _c3(a: np.ndarray) -> np.ndarray:
    """A single-channel map repeated into three channels."""
    a = np.ascontiguousarray(a, dtype=_F32)
    return cv2.merge([a, a, a])


def _outer(a: np.ndarray, v: np.ndarray | tuple[float, float, float]) -> np.ndarray:
    """H x W map times an RGB vector: H x W x 3."""
    a = np.ascontiguousarray(a, dtype=_F32)
    return cv2.merge([a * _F32(v[0]), a * _F32(v[1]), a * _F32(v[2])])


def _mix(alb: np.ndarray, a: np.ndarray, col: np.ndarray | tuple[float, float, float]) -> None:
    """Blend a colour (RGB vector or per-pixel image) over an albedo crop in place with per-pixel opacity a."""
    col = np.asarray(col, _F32)
    if col.ndim == 1:
        alb *= _c3(1.0 - a)
        alb += _outer(a, col)
    else:
        alb += _c3(a) * (col - alb)


def _dye(alb: np.ndarray, a: np.ndarray, col: np.ndarray | tuple[float, float, float]) -> None:
    """A transparent stain: multiplies the albedo towards col / grey, keeping the texture under it."""
    tint = np.asarray(col, _F32) * _F32(1.0 / 0.42)
    if tint.ndim == 1:
        f = _outer(a, tint - 1.0)
    else:
        f = _c3(a) * (tint - 1.0)
    f += 1.0
    alb *= f


# ----------------------------------------------------------------------------------------------------------------------
# scene


class _Scene:
    """Per-frame draws: surface, lighting, climate."""

    def __init__(self, rng: np.random.Generator, spec: FrameSpec) -> None:
        u = rng.uniform
        self.surface = _SURFACES[int(rng.integers(len(_SURFACES)))]
        self.ambient = float(spec.ambient_c) if spec.ambient_c is not None else float(u(0.0, 45.0))
        self.light = str(rng.choice(['sun', 'overcast', 'lamp'], p=[0.4, 0.3, 0.3]))
        indoor = self.light == 'lamp' and u() < 0.6        # tunnel / gallery: no sky, no sun
        self.indoor = indoor
        # light direction: azimuth in the image plane, elevation above the wall plane
        az = u(0, 2 * np.pi)
        el = {'sun': u(0.25, 1.2), 'overcast': u(0.7, 1.4), 'lamp': u(0.9, 1.45)}[self.light]
        self.ldir = np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)], _F32)
        self.key = {'sun': u(2.0, 6.0), 'overcast': u(0.15, 0.6), 'lamp': u(1.0, 3.0)}[self.light]
        self.light_col = {
            'sun': np.array([1.0, u(0.93, 0.99), u(0.82, 0.95)], _F32),
            'overcast': np.array([u(0.9, 0.98), u(0.96, 1.0), 1.0], _F32),
            'lamp': [np.array([1.0, 0.72, 0.40], _F32), np.array([1.0, 0.86, 0.68], _F32),
                     np.array([0.92, 0.97, 1.0], _F32)][int(rng.integers(3))],
        }[self.light]
        self.sky_col = np.array([u(0.85, 0.95), u(0.93, 1.0), 1.0], _F32)
        # climate for the energy balance
        self.rh = float(u(0.25, 0.98))
        self.wind = float(u(0.0, 7.0) * (0.3 if indoor else 1.0))
        self.sky_def = 0.0 if indoor else float(-u(20, 110) * (0.4 if self.light == 'overcast' else 1.0))
        self.bulk_off = float(u(-5.0, 5.0))              # the core lags the air: yesterday's mean
        # direct sun load is calibrated by the sun/shade contrast it produces (1..6 K), not drawn in W/m2
        self.shade_dt = float(u(1.0, 6.0)) if self.light == 'sun' else 0.0
        self.diffuse = float(u(20, 120)) if self.light == 'overcast' else 0.0
        self.sun_shift = rng.normal(0, 1, 2)              # where shadows were a while ago (direction)
        self.lag = float(u(0.25, 0.65))


# ----------------------------------------------------------------------------------------------------------------------
# clean concrete


def _base_surface(cv: _Canvas, sc: _Scene) -> None:
    rng, h, w, mmpp = cv.rng, cv.h, cv.w, cv.mmpp
    u = rng.uniform
    tone = u(0.13, 0.58)
    warm = u(-0.06, 0.09)
    paste_col = tone * np.array([1 + warm, 1 + 0.3 * warm + u(-0.015, 0.02), 1 - warm], _F32)
    # paste mottling and sand speckle
    mott = _fbm(rng, h, w, cv.px(u(20, 160)), 3) * _F32(u(0.02, 0.09))
    grain_mm = u(0.2, 0.8)
    cell = grain_mm / mmpp
    speck = _noise(rng, h, w, max(cell, 0.6)) * _F32(u(0.03, 0.09) * min(1.0, cell ** 0.5))
    shade_field = 1.0 + mott + speck
    cv.alb[:] = _outer(shade_field, paste_col)
    cv.hgt += speck * _F32(u(0.1, 0.5))
    exposure = {'formed': u(0.0, 0.3), 'troweled': u(0.0, 0.2), 'broom': u(0.1, 0.45), 'weathered': u(0.45, 1.0),
                'shotcrete': u(0.2, 0.6), 'precast': u(0.0, 0.25)}[sc.surface]
    _aggregate(cv, sc, paste_col, exposure)
    _pits(cv, sc)
    if sc.surface in ('formed', 'precast'):
        _formwork(cv, sc)
    elif sc.surface == 'troweled':
        _trowel(cv)
    elif sc.surface == 'broom':
        # broom striations: short, wavy grooves, not a corrugation
        along, across = cv.px(u(20, 80)), cv.px(u(0.8, 2.5))
        a = _noise(rng, h, w, along, across) if u() < 0.5 else _noise(rng, h, w, across, along)
        a = np.maximum(a - _F32(0.3), 0) * _noise(rng, h, w, cv.px(u(30, 120)))
        cv.hgt += a * _F32(u(0.08, 0.3))
        cv.alb *= _c3(1.0 + a * _F32(u(0.01, 0.03)))
    elif sc.surface == 'shotcrete':
        cv.hgt += _fbm(rng, h, w, cv.px(u(25, 80)), 3) * _F32(u(1.0, 3.0))
    _weathering(cv, sc)


def _aggregate(cv: _Canvas, sc: _Scene, paste_col: np.ndarray, exposure: float) -> None:
    """Coarse, medium and fine aggregate: explicit polygons when big enough in pixels, noise blobs otherwise."""
    rng, h, w, mmpp = cv.rng, cv.h, cv.w, cv.mmpp
    u = rng.uniform
    n_types = int(rng.integers(2, 6))
    types = rng.choice(len(_STONES), n_types, replace=False)
    pal = np.zeros((1 + n_types * 4, 3), _F32)
    for i, t in enumerate(types):
        base = _STONES[t] * _F32(u(0.8, 1.15)) * rng.uniform(0.97, 1.03, 3).astype(_F32)
        base = base + _F32(u(0.2, 0.6)) * (base.mean() - base)     # weathered stone is greyer than fresh
        for b in range(4):
            pal[1 + i * 4 + b] = base * (0.8 + 0.12 * b)
    pal[0] = paste_col
    tprob = rng.dirichlet(np.ones(n_types) * 1.5)
    rounded = u() < 0.4
    dmax = float(rng.choice([10.0, 14.0, 20.0, 32.0]))
    grades = [(0.3 * dmax, 0.5 * dmax, u(0.3, 0.5)), (2.0, 0.3 * dmax, u(0.15, 0.3)), (0.4, 2.0, u(0.15, 0.3))]
    budget = 8000
    coarse = cv.sid > 0
    for gi, (rmin_mm, rmax_mm, frac) in enumerate(grades):
        if gi == 2:
            coarse = cv.sid > 0
        rmin, rmax = rmin_mm / mmpp, rmax_mm / mmpp
        if rmax < 2.0:
            # too small to draw one by one: blobs of the right size from thresholded noise
            blob = _noise(rng, h, w, max(0.7, 1.6 * (rmin + rmax) / 2))
            thr = float(np.quantile(blob[:: max(1, h // 64), :: max(1, w // 64)], 1 - frac))
            sel = (blob > thr) & (cv.sid == 0)
            kind = np.minimum(n_types - 1, np.searchsorted(np.cumsum(tprob), _noise(rng, h, w, 3.0) * 0.3 + 0.5))
            b = (1 + kind * 4 + rng.integers(0, 4, (h, w))).astype(np.uint8)
            cv.sid[sel] = b[sel]
            continue
        # random placement in batches; a stone that would land on one already drawn is dropped (stones do not
        # interpenetrate), so the packing saturates like a real section through concrete
        rm = 0.5 * (rmin + rmax)
        n = int(min(budget, 1.5 * frac * (w + 2 * rmax) * (h + 2 * rmax) / (math.pi * rm * rm * 0.8)))
        budget = max(500, budget - n)
        cx, cy = rng.uniform(-rmax, w + rmax, n), rng.uniform(-rmax, h + rmax, n)
        r = rmin + (rmax - rmin) * rng.random(n) ** 1.5
        if rounded:
            polys = _polygons(rng, cx, cy, r, 12, 0.06, (0.55, 1.0))
        else:
            polys = _polygons(rng, cx, cy, r, 7, 0.22, (0.55, 1.0))
        bins = 1 + rng.choice(n_types, n, p=tprob) * 4 + rng.integers(0, 4, n)
        ring = np.exp(1j * np.linspace(0, 2 * np.pi, 6, endpoint=False))
        px_ = np.concatenate([cx[:, None], cx[:, None] + 0.75 * r[:, None] * ring.real[None, :]], 1)
        py_ = np.concatenate([cy[:, None], cy[:, None] + 0.75 * r[:, None] * ring.imag[None, :]], 1)
        inside = (px_ >= 0) & (px_ < w) & (py_ >= 0) & (py_ < h)
        ix, iy = np.clip(px_, 0, w - 1).astype(int), np.clip(py_, 0, h - 1).astype(int)
        for bt in range(4):
            sel = np.arange(bt, n, 4)
            free = ~((cv.sid[iy[sel], ix[sel]] > 0) & inside[sel]).any(1)
            sel = sel[free]
            for bval in np.unique(bins[sel]):
                _fill(cv.sid, polys[sel[bins[sel] == bval]], int(bval))
    stone = (cv.sid > 0).astype(np.uint8)
    # paste skin: how much of each stone shows, varying over the surface (weathered patches show more); a skin
    # also blurs the outline of the stone under it
    vis = np.clip(_F32(exposure) * (1.0 + _noise(rng, h, w, cv.px(u(60, 300))) * _F32(0.6)), 0.0, 1.0)
    # sand grains show through the skin more than the big stones
    vis = np.where((cv.sid > 0) & ~coarse, np.minimum(1.0, vis + _F32(u(0.1, 0.35))), vis)
    skin = max(0.0, 1.0 - 2.0 * exposure) * cv.px(u(0.3, 1.5))
    m = _blur(stone.astype(_F32), skin) * vis
    grain = 1.0 + _noise(rng, h, w, max(0.6, cv.px(u(0.3, 1.2)))) * _F32(u(0.04, 0.12))
    grain += _noise(rng, h, w, max(0.8, cv.px(u(1.5, 5.0)))) * _F32(u(0.02, 0.08))
    srgb = pal[cv.sid]
    srgb *= _c3(grain)
    srgb -= cv.alb
    srgb *= _c3(m)
    cv.alb += srgb
    relief = u(-0.3, 1.5) * exposure                           # eroded paste leaves stones proud
    if abs(relief) > 0.05:
        # rounded tops: height follows the distance to the stone outline over the first millimetres
        dist = cv2.distanceTransform(stone, cv2.DIST_L2, 3)
        dome = np.sqrt(np.minimum(dist * _F32(1.0 / max(cv.px(u(1.0, 4.0)), 0.7)), 1.0))
        cv.hgt += dome * vis * _F32(relief)


def _pits(cv: _Canvas, sc: _Scene) -> None:
    """Bugholes and pores: dark pits in the height map, sized in millimetres."""
    rng, h, w, mmpp = cv.rng, cv.h, cv.w, cv.mmpp
    area_m2 = h * w * mmpp * mmpp * 1e-6
    formed = sc.surface in ('formed', 'precast')
    # air-void pores (0.2..1 mm) and bugholes (1..15 mm): densities per square metre, log-uniform
    d_pore = math.exp(rng.uniform(math.log(1500), math.log(40000 if formed else 15000)))
    d_bug = math.exp(rng.uniform(math.log(5), math.log(1500 if formed else 200)))
    n_pore = int(min(8000, rng.poisson(d_pore * area_m2)))
    n_bug = int(min(3000, rng.poisson(d_bug * area_m2)))
    n = n_pore + n_bug
    if n == 0:
        return
    dmm = np.concatenate([0.2 + 0.8 * rng.random(n_pore) ** 2, 1.0 + 14.0 * rng.random(n_bug) ** 4.0])
    r = 0.5 * dmm / mmpp
    cx, cy = rng.uniform(0, w, n), rng.uniform(0, h, n)
    depth = np.zeros((h, w), _F32)
    cover = np.zeros((h, w), _F32)
    small = r < 0.7
    if small.any():
        # sub-pixel pores: darken the pixel by the fraction of it they cover
        flat = cy[small].astype(int) * w + cx[small].astype(int)
        frac = np.minimum(1.0, np.pi * r[small] ** 2)
        cover += np.bincount(flat, weights=frac, minlength=h * w).astype(_F32).reshape(h, w)
        depth += np.bincount(flat, weights=frac * dmm[small] * 0.5, minlength=h * w).astype(_F32).reshape(h, w)
    big = ~small
    if big.any():
        pm = np.zeros((h, w), np.uint8)
        polys = _polygons(rng, cx[big], cy[big], r[big], 12, 0.2, (0.6, 1.0))
        dq = np.minimum(np.round(dmm[big] * 0.5 * 20).astype(int) // 20 * 20 + 10, 250)  # depth ~ d / 2 [0.05 mm]
        for lv in np.unique(dq):
            _fill(pm, polys[dq == lv], int(lv))
        # bowls: walls slope down over the first millimetre or two from the rim
        inside = (pm > 0).astype(np.uint8)
        dist = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
        bowl = np.sqrt(np.minimum(dist * _F32(1.0 / max(0.8, cv.px(rng.uniform(0.8, 2.5)))), 1.0))
        depth += pm.astype(_F32) * _F32(0.05) * bowl
        cover += inside.astype(_F32) * _F32(rng.uniform(0.3, 0.6))
    cv.hgt -= _blur(depth, 0.6)
    # the rim shades the pit floor on the side facing the light (a typical depth of a couple of millimetres)
    if big.any():
        _self_shadow(cv, (slice(None), slice(None)), (pm > 0).astype(_F32), rng.uniform(1.0, 3.0))
    # the inside of a pore is in its own shadow and collects dust: darker whatever the light
    dark = _F32(rng.uniform(0.4, 0.75))
    cv.alb *= _c3(1.0 - np.minimum(1.0, _blur(cover, 0.5)) * dark)


def _formwork(cv: _Canvas, sc: _Scene) -> None:
    """Board marks: per-board tone, grain imprint, seam fins, panel joints and tie holes."""
    rng, h, w, mmpp = cv.rng, cv.h, cv.w, cv.mmpp
    u = rng.uniform
    vertical = u() < 0.5
    across = w if vertical else h
    coord = (np.arange(across) * mmpp + u(0, 1000)).astype(_F32)
    if sc.surface == 'formed' and u() < 0.7:
        bw = u(80, 300)
        board = np.floor(coord / bw).astype(int)
        tone = (1.0 + rng.normal(0, u(0.01, 0.05), board.max() - board.min() + 1)[board - board.min()]).astype(_F32)
        seam_d = np.abs(coord - np.round(coord / bw) * bw)
        seam = np.exp(-0.5 * (seam_d / max(u(0.5, 2.0), 0.5 * mmpp)) ** 2).astype(_F32)
        if vertical:
            grain = _noise(rng, h, w, cv.px(u(60, 250)), cv.px(u(0.8, 3.0)))
        else:
            grain = _noise(rng, h, w, cv.px(u(0.8, 3.0)), cv.px(u(60, 250)))
        cv.hgt += grain * _F32(u(0.01, 0.06))
        cv.alb *= _c3(1.0 + grain * _F32(u(0.003, 0.015)))
    else:
        tone = np.ones(across, _F32)
        seam = np.zeros(across, _F32)
    pw = u(600, 2400)
    pd = np.abs(coord - np.round(coord / pw) * pw)
    panel = np.exp(-0.5 * (pd / max(u(1.0, 3.0), 0.6 * mmpp)) ** 2).astype(_F32)
    fin = seam * _F32(u(0.2, 1.2)) + panel * _F32(u(-1.5, 1.5))
    dark = 1.0 - (seam * _F32(u(-0.05, 0.12)) + panel * _F32(u(0.0, 0.2)))
    prof = tone * dark
    if vertical:
        cv.hgt += fin[None, :]
        cv.alb *= _c3(np.broadcast_to(prof[None, :], (h, w)))
    else:
        cv.hgt += fin[:, None]
        cv.alb *= _c3(np.broadcast_to(prof[:, None], (h, w)))
    # tie holes on a grid
    sx, sy = u(450, 900), u(450, 900)
    ox, oy = u(0, sx), u(0, sy)
    xs = np.arange(ox - sx, w * mmpp + sx, sx) / mmpp
    ys = np.arange(oy - sy, h * mmpp + sy, sy) / mmpp
    rad = cv.px(u(11, 20))
    plugged = u() < 0.6
    plug_col = cv.alb[h // 2, w // 2] * _F32(u(0.8, 1.3))
    for y in ys:
        for x in xs:
            if -rad < x < w + rad and -rad < y < h + rad:
                c = (int(round(x * 8)), int(round(y * 8)))
                m = np.zeros((h, w), np.uint8)
                cv2.circle(m, c, int(rad * 8), 255, -1, cv2.LINE_AA, 3)
                a = m.astype(_F32) / 255
                if plugged:
                    _mix(cv.alb, a * 0.8, plug_col)
                    cv.hgt -= a * 2.0
                    cv2.circle(m, c, int(rad * 8), 255, max(1, int(round(cv.px(0.6)))), cv2.LINE_AA, 3)
                    cv.hgt -= (m.astype(_F32) / 255) * 1.5
                else:
                    cv.hgt -= _blur(a, 1.0) * 25.0
                    cv.alb *= _c3(1.0 - 0.5 * a)


def _trowel(cv: _Canvas) -> None:
    """Steel-trowel arcs: overlapping swirls of slightly different gloss and brightness."""
    rng, h, w = cv.rng, cv.h, cv.w
    u = rng.uniform
    marks = np.zeros((h, w), np.uint8)
    diag_mm = math.hypot(h, w) * cv.mmpp
    n = int(np.clip(diag_mm / 120, 4, 60))
    for _ in range(n):
        c = (int(u(-0.2, 1.2) * w), int(u(-0.2, 1.2) * h))
        ax = int(cv.px(u(150, 500)))
        cv2.ellipse(marks, c, (ax, int(ax * u(0.4, 1.0))), u(0, 180), u(0, 360), u(0, 360) + u(40, 160),
                    int(rng.integers(60, 255)), max(1, int(cv.px(u(5, 40)))))
    a = _blur(marks.astype(_F32) / 255, max(0.5, cv.px(u(3, 15))))
    cv.alb *= _c3(1.0 + a * _F32(u(-0.06, 0.06)))
    cv.m('gloss')[:] += a * _F32(u(0.02, 0.12))


def _weathering(cv: _Canvas, sc: _Scene) -> None:
    """Vertical dirt streaks, low-frequency dirt and old, dry efflorescence haze."""
    rng, h, w = cv.rng, cv.h, cv.w
    u = rng.uniform
    dirt_col = np.array([u(0.16, 0.3), u(0.14, 0.26), u(0.10, 0.2)], _F32)
    if u() < 0.7:
        streak = np.maximum(0, _noise(rng, h, w, cv.px(u(150, 900)), cv.px(u(4, 40))) - _F32(u(0.0, 0.8)))
        ramp = np.linspace(u(0.3, 1.0), u(0.0, 1.0), h, dtype=_F32)[:, None]
        _dye(cv.alb, np.minimum(0.7, streak * ramp * _F32(u(0.1, 0.5))), dirt_col)
    if u() < 0.8:
        dirt = np.maximum(0, _fbm(rng, h, w, cv.px(u(100, 800)), 2) - _F32(u(-0.3, 0.8)))
        _dye(cv.alb, np.minimum(0.6, dirt * _F32(u(0.05, 0.35))), dirt_col)
    if u() < 0.2:
        eff = np.maximum(0, _fbm(rng, h, w, cv.px(u(80, 400)), 3) - _F32(u(0.6, 1.4)))
        _mix(cv.alb, np.minimum(0.6, eff * _F32(u(0.2, 0.6))), (0.78, 0.78, 0.76))


# ----------------------------------------------------------------------------------------------------------------------
# layout


def _partition(rng: np.random.Generator, w: int, h: int, n: int) -> list[tuple[int, int, int, int]]:
    """Guillotine split of the frame into n cells, one per defect, so defects never overlap."""
    rects = [(0, 0, w, h)]
    while len(rects) < n:
        i = max(range(len(rects)), key=lambda k: (rects[k][2] - rects[k][0]) * (rects[k][3] - rects[k][1]))
        x0, y0, x1, y1 = rects.pop(i)
        f = rng.uniform(0.38, 0.62)
        if x1 - x0 >= y1 - y0:
            xm = x0 + max(1, int((x1 - x0) * f))
            rects += [(x0, y0, xm, y1), (xm, y0, x1, y1)]
        else:
            ym = y0 + max(1, int((y1 - y0) * f))
            rects += [(x0, y0, x1, ym), (x0, ym, x1, y1)]
    order = rng.permutation(len(rects))
    return [rects[i] for i in order]


def _sub_rect(rng: np.random.Generator, cell: tuple[int, int, int, int], want_w: float, want_h: float,
              margin: int = 1) -> tuple[int, int, int, int]:
    """A random box of about want_w x want_h px inside cell (shrunk to fit)."""
    x0, y0, x1, y1 = cell
    cw, ch = max(1, x1 - x0 - 2 * margin), max(1, y1 - y0 - 2 * margin)
    bw, bh = int(np.clip(want_w, min(4, cw), cw)), int(np.clip(want_h, min(4, ch), ch))
    bx = x0 + margin + int(rng.integers(0, cw - bw + 1))
    by = y0 + margin + int(rng.integers(0, ch - bh + 1))
    return bx, by, bx + bw, by + bh


# ----------------------------------------------------------------------------------------------------------------------
# cracks


def _cost(cv: _Canvas, r: tuple[int, int, int, int]) -> np.ndarray:
    """Fracture cost: aggregate is hard, paste just beside it (the interfacial zone) is the easiest path."""
    sl = _rect_slices(r)
    s = (cv.sid[sl] > 0).astype(_F32)
    near = _blur(s, max(1.0, cv.px(1.5)))
    hh, ww = s.shape
    return s + (1.0 - s) * (0.55 - 0.5 * near) + _noise(cv.rng, hh, ww, max(1.0, cv.px(3.0))) * _F32(0.12)


def _sample(cost: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    hh, ww = cost.shape
    return cost[np.clip(y.astype(int), 0, hh - 1), np.clip(x.astype(int), 0, ww - 1)]


def _walk(rng: np.random.Generator, cost: np.ndarray, x: float, y: float, heading: float, length: float,
          step: float, temp: float, pull: float) -> np.ndarray:
    """Biased random walk: each step picks among fanned-out candidates, cheaper cost and straighter more likely."""
    hh, ww = cost.shape
    offs = np.linspace(-1.2, 1.2, 9)
    n = int(max(2, min(80, length / step)))
    step = length / n
    pts = [(x, y)]
    th = heading
    rnd = rng.random(n)
    for i in range(n):
        cand = th + offs
        cx, cy = x + step * np.cos(cand), y + step * np.sin(cand)
        c = _sample(cost, cx, cy)
        dev = np.angle(np.exp(1j * (cand - heading)))
        score = -c / temp - 1.5 * offs * offs - pull * dev * dev
        if i < 0.6 * n:     # do not leave the box before the crack has run most of its course
            score = score - 50.0 * ~((cx >= 0) & (cx < ww) & (cy >= 0) & (cy < hh))
        p = np.exp(score - score.max())
        k = min(8, int(np.searchsorted(np.cumsum(p) / p.sum(), rnd[i])))
        th, x, y = cand[k], cx[k], cy[k]
        pts.append((x, y))
        if not (0 <= x < ww and 0 <= y < hh):
            break
    return np.array(pts, np.float64)


def _refine(rng: np.random.Generator, cost: np.ndarray, pts: np.ndarray, min_seg: float,
            amp: float = 1.0) -> np.ndarray:
    """Cost-biased midpoint displacement: tortuosity at every scale down to a pixel, following the cheap paste."""
    for _ in range(8):
        a, b = pts[:-1], pts[1:]
        d = b - a
        seg = np.hypot(d[:, 0], d[:, 1])
        if len(seg) == 0 or seg.mean() < min_seg:
            break
        nrm = np.stack([-d[:, 1], d[:, 0]], 1) / np.maximum(seg, 1e-6)[:, None]
        mid = 0.5 * (a + b)
        k = np.array([-0.28, -0.14, 0.0, 0.14, 0.28]) * amp
        off = k[None, :] * seg[:, None] + rng.normal(0, 0.05, (len(seg), 5)) * seg[:, None]
        cand = mid[:, None, :] + off[..., None] * nrm[:, None, :]
        c = _sample(cost, cand[..., 0], cand[..., 1]) + rng.random((len(seg), 5)) * 0.35
        pick = cand[np.arange(len(seg)), c.argmin(1)]
        out = np.empty((len(pts) + len(seg), 2))
        out[0::2] = pts
        out[1::2] = pick
        pts = out
    return pts


def _width_profile(rng: np.random.Generator, n: int, w0: float) -> np.ndarray:
    s = np.linspace(0, 1, n)
    taper = np.clip(np.sin(np.pi * np.clip(s * rng.uniform(0.9, 1.3) - rng.uniform(0, 0.1), 0, 1)), 0, 1) ** 0.35
    wob = np.interp(s, np.linspace(0, 1, 9), rng.uniform(0.6, 1.3, 9))
    wob *= np.interp(s, np.linspace(0, 1, 31), rng.uniform(0.55, 1.35, 31))     # local necking and widening
    return w0 * (0.25 + 0.75 * taper) * wob


def _crack(cv: _Canvas, cell: tuple[int, int, int, int], sc: _Scene, info: dict) -> tuple[str, np.ndarray]:
    rng = cv.rng
    u = rng.uniform
    variant = str(rng.choice(['hairline', 'single', 'wide', 'branching', 'map'], p=[0.25, 0.22, 0.15, 0.22, 0.16]))
    w_mm = {'hairline': u(0.05, 0.3), 'single': u(0.3, 1.5), 'wide': u(2.0, 8.0), 'branching': u(0.2, 2.0),
            'map': u(0.1, 0.6)}[variant]
    length_mm = u(80, 1500)
    if variant == 'map':
        box = _sub_rect(rng, cell, cv.px(u(150, 900)), cv.px(u(150, 900)))
    else:
        diag = cv.px(length_mm)
        ang0 = u(0, np.pi)
        box = _sub_rect(rng, cell, max(abs(math.cos(ang0)) * diag, 0.15 * diag, 6),
                        max(abs(math.sin(ang0)) * diag, 0.15 * diag, 6))
    info.update(width_mm=round(w_mm, 3), width_px=round(cv.px(w_mm), 3))
    cost = _cost(cv, box)
    bh, bw = cost.shape
    wpx = max(cv.px(w_mm), 0.35)                    # optical widening: edge crumbs and moisture make it visible
    step = max(2.0, cv.px(u(3, 10)))
    paths: list[np.ndarray] = []
    widths: list[np.ndarray] = []
    if variant == 'map':
        cell_mm = u(40, 250)
        n = int(np.clip(bw * bh / max(1.0, cv.px(cell_mm)) ** 2, 3, 60))
        sub = cv2.Subdiv2D((0, 0, bw + 1, bh + 1))
        for px_, py_ in zip(rng.uniform(0, bw, n), rng.uniform(0, bh, n), strict=True):
            sub.insert((float(px_), float(py_)))
        facets, _ = sub.getVoronoiFacetList([])
        seen = set()
        for f in facets:
            f = np.asarray(f, np.float64)
            for a, b in zip(f, np.roll(f, -1, 0), strict=True):
                key = (round(min(a[0], b[0]), 1), round(min(a[1], b[1]), 1), round(max(a[0], b[0]), 1))
                if key in seen:
                    continue
                seen.add(key)
                a = np.clip(a, 0, [bw - 1, bh - 1])
                b = np.clip(b, 0, [bw - 1, bh - 1])
                if np.hypot(*(a - b)) < 2:
                    continue
                p = _refine(rng, cost, np.stack([a, b]), 1.5)
                paths.append(p)
                widths.append(_width_profile(rng, len(p), wpx * u(0.5, 1.2)))
    else:
        # start on one side of the box, head across it
        ang = math.atan2(bh, bw) * (1 if u() < 0.5 else -1) + u(-0.4, 0.4)
        x0 = 0.0 if math.cos(ang) > 0 else bw - 1.0
        y0 = u(0.1, 0.9) * bh if abs(math.sin(ang)) < 0.5 else (0.0 if math.sin(ang) > 0 else bh - 1.0)
        if abs(math.sin(ang)) >= 0.5:
            x0 = u(0.1, 0.9) * bw
        length = math.hypot(bw, bh) * 1.3
        trunk = _walk(rng, cost, x0, y0, ang, length, step, u(0.15, 0.4), u(0.3, 1.2))
        trunk = _refine(rng, cost, trunk, 1.5)
        paths.append(trunk)
        widths.append(_width_profile(rng, len(trunk), wpx))
        if variant == 'branching':
            for _ in range(int(rng.integers(1, 5))):
                i = int(rng.integers(len(trunk) // 5, max(len(trunk) // 5 + 1, 4 * len(trunk) // 5)))
                d = trunk[min(i + 1, len(trunk) - 1)] - trunk[max(i - 1, 0)]
                h0 = math.atan2(d[1], d[0]) + (1 if u() < 0.5 else -1) * u(0.5, 1.2)
                br = _walk(rng, cost, trunk[i, 0], trunk[i, 1], h0, length * u(0.15, 0.5), step, 0.3, 0.6)
                br = _refine(rng, cost, br, 1.5)
                wb = _width_profile(rng, len(br), wpx * u(0.35, 0.7))
                wb[: max(1, len(wb) // 3)] = np.maximum(wb[: max(1, len(wb) // 3)], wpx * 0.4)
                paths.append(br)
                widths.append(wb)
    cov = _lines_coverage(bh, bw, paths, widths)
    line = _lines_coverage(bh, bw, paths, [np.full(len(p), 1.0) for p in paths])
    sl = _rect_slices(box)
    alb, hgt = cv.alb[sl], cv.hgt[sl]
    # the opening is dark, but debris and the lit far wall break it up where it is wide enough to see into
    inner = u(0.05, 0.25) * (1.0 + 2.0 * np.clip(_noise(rng, bh, bw, max(1.0, cv.px(u(1, 4)))), 0, 1))
    alb *= _c3(1.0 - cov * (1.0 - inner))
    if u() < 0.6:   # damp halo: water wicks into the paste beside the crack
        halo = _blur(line, max(0.7, cv.px(u(0.5, 2.5))))
        alb *= _c3(1.0 - np.minimum(1.0, halo * 2.0) * _F32(u(0.03, 0.15)))
    depth = min(15.0, w_mm * u(3, 8))
    hgt -= _blur(cov, 0.5) * _F32(depth)
    if variant == 'wide':
        # spalled lips: chips broken off along both edges, fresher and lighter concrete
        p = paths[0]
        nchip = int(np.clip(len(p) * u(0.05, 0.2), 2, 200))
        idx = rng.integers(0, len(p), nchip)
        d = np.gradient(p, axis=0)[idx]
        nrm = np.stack([-d[:, 1], d[:, 0]], 1) / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-6)[:, None]
        side = rng.choice([-1.0, 1.0], nchip)[:, None]
        rr = cv.px(w_mm) * rng.uniform(0.6, 1.8, nchip)
        cc = p[idx] + nrm * side * (0.5 * cv.px(w_mm) + 0.3 * rr[:, None])
        chips = np.zeros((bh, bw), np.uint8)
        _fill(chips, _polygons(rng, cc[:, 0], cc[:, 1], np.maximum(rr, 0.7), 7, 0.3), 255)
        ch_a = _blur(chips.astype(_F32) / 255, 0.6)
        alb *= _c3(1.0 + ch_a * _F32(u(0.05, 0.2)))
        hgt -= ch_a * _F32(min(6.0, 0.6 * w_mm))
        cov = np.maximum(cov, ch_a)
    # thermal: a moist or deep crack is a thin cool line; a dry shallow one shows almost nothing
    moist = u() < 0.55 or variant == 'wide'
    dt_amp = u(0.2, 1.5) if moist else u(0.0, 0.1)
    cool = _blur(np.minimum(1.0, line + cov), max(0.7, cv.px(u(1.0, 4.0))))
    cool = cool / max(float(cool.max()), 1e-6)
    cv.m('dts')[sl] -= cool * _F32(dt_amp)
    info.update(thermal_dt=round(-dt_amp, 3), moist=moist)
    mask = np.zeros((cv.h, cv.w), bool)
    mask[sl] = _dilate((line > 0.25) | (cov > 0.2), 1)
    if not mask[sl].any():     # degenerate path (tiny box): a short straight crack through the middle
        cv2.line(alb, (0, bh // 2), (bw - 1, bh // 2), (0.05, 0.05, 0.05), 1, cv2.LINE_AA)
        mask[sl][max(0, bh // 2 - 1):bh // 2 + 2, :] = True
    return variant, mask


# ----------------------------------------------------------------------------------------------------------------------
# corrosion


def _rust_colour(rng: np.random.Generator) -> np.ndarray:
    base = [(0.55, 0.27, 0.10), (0.42, 0.20, 0.08), (0.32, 0.12, 0.07), (0.48, 0.30, 0.16)][int(rng.integers(4))]
    sat = rng.uniform(0.55, 1.0)
    c = np.array(base, _F32)
    return (c.mean() + sat * (c - c.mean())) * _F32(rng.uniform(0.8, 1.15))


def _corrosion(cv: _Canvas, cell: tuple[int, int, int, int], sc: _Scene, info: dict) -> tuple[str, np.ndarray]:
    rng = cv.rng
    u = rng.uniform
    variant = str(rng.choice(['runoff', 'stain', 'spalling', 'bar_crack'], p=[0.3, 0.25, 0.25, 0.2]))
    box = _sub_rect(rng, cell, cv.px(u(200, 1200)), cv.px(u(200, 1200)))
    sl = _rect_slices(box)
    bw, bh = box[2] - box[0], box[3] - box[1]
    horiz = u() < 0.65
    cover = u(15, 50)
    bar_d = cv.px(u(10, 25))
    rust = _rust_colour(rng)
    yy, xx = np.mgrid[0:bh, 0:bw].astype(_F32)
    # the bar: a line across the upper part of the box (run-off needs room below it)
    if horiz:
        pos = u(0.1, 0.45) * bh
        s0, s1 = sorted(u(0, 1, 2) * bw)
        s0, s1 = min(s0, 0.3 * bw), max(s1, 0.7 * bw)
        across, along = np.abs(yy - pos), xx
    else:
        pos = u(0.2, 0.8) * bw
        s0, s1 = u(0.0, 0.3) * bh, u(0.4, 0.8) * bh
        across, along = np.abs(xx - pos), yy
    spread = bar_d * 0.5 + cv.px(cover) * u(0.3, 1.0)
    ramp = max(1.0, 0.15 * (s1 - s0))
    span = _smoothstep((along - s0) / ramp + 0.5) * _smoothstep((s1 - along) / ramp + 0.5)
    band = np.exp(-0.5 * (across / max(spread, 0.7)) ** 2) * span
    blot = np.clip(0.55 + 0.45 * _fbm(rng, bh, bw, max(2.0, cv.px(u(15, 60))), 3), 0.0, 1.5)
    stain = np.minimum(1.0, band * blot * _F32(u(0.5, 1.0)))
    if variant == 'runoff':
        stain *= _F32(u(0.2, 0.6))
    # bleed points and run-off streaks below them
    nsrc = int(rng.integers(1, 6)) if variant != 'stain' else int(rng.integers(0, 3))
    if horiz:
        sx = rng.uniform(s0, s1, nsrc)
        sy = np.full(nsrc, pos)
    else:
        sx = np.full(nsrc, pos)
        sy = rng.uniform(s0, s1, nsrc)
    dep = _advect(rng, bh, bw, sx, sy, int(rng.integers(20, 60)), bh * u(0.4, 1.0), cv.px(u(3, 20)),
                  cv.px(u(1, 6)))
    streak = 1.0 - np.exp(-_blur(dep, max(0.5, cv.px(u(0.5, 2.5)))) * _F32(u(0.3, 1.2)))
    stain = np.maximum(stain, streak * _F32(u(0.5, 0.95)))
    spall = np.zeros((bh, bw), _F32)
    if variant == 'spalling':
        # cover broken off over part of the bar: rough darker concrete with rusty bar traces
        c = (s0 + s1) / 2 + u(-0.2, 0.2) * (s1 - s0)
        rx, ry = (s1 - s0) * u(0.2, 0.45), spread * u(1.5, 3.0)
        if not horiz:
            rx, ry = ry, rx
        cxy = (c, pos) if horiz else (pos, c)
        poly = _polygons(rng, np.array([cxy[0]]), np.array([cxy[1]]), np.array([1.0]), 14, 0.25)
        poly = ((poly.astype(np.float64) / 8 - np.array(cxy)) * np.array([rx, ry]) + np.array(cxy)) * 8
        m8 = np.zeros((bh, bw), np.uint8)
        _fill(m8, poly.astype(np.int32), 255)
        spall = _blur(m8.astype(_F32) / 255, 0.7)
        rough = _fbm(rng, bh, bw, max(1.5, cv.px(u(3, 10))), 3)
        cv.hgt[sl] -= spall * (_F32(cover * 0.6) + rough * _F32(2.0))
        _self_shadow(cv, sl, spall, cover * 0.6)
        broken = _outer(1 + 0.1 * rough, np.array(cv2.mean(cv.alb[sl])[:3], _F32) * _F32(u(0.65, 0.9)))
        _mix(cv.alb[sl], spall * _F32(0.85), broken)
        bar = np.exp(-0.5 * (across / max(bar_d * 0.45, 0.6)) ** 4) * spall
        bar_col = rust * _F32(u(0.5, 0.9))
        _mix(cv.alb[sl], np.minimum(1.0, bar * (0.8 + 0.2 * rough)), bar_col)
        cv.hgt[sl] += bar * _F32(cover * 0.4)
        stain = np.maximum(stain, _blur(spall, max(1.0, cv.px(8))) * _F32(0.5))
    crack_cov = np.zeros((bh, bw), _F32)
    if variant == 'bar_crack':
        cost = _cost(cv, box)
        x0, y0 = (s0, pos) if horiz else (pos, s0)
        p = _walk(rng, cost, x0, y0, 0.0 if horiz else np.pi / 2, s1 - s0, max(2.0, cv.px(8)), 0.5, 3.0)
        p = _refine(rng, cost, p, 1.5, 0.5)
        wpx = max(cv.px(u(0.2, 1.5)), 0.4)
        crack_cov = _lines_coverage(bh, bw, [p], [_width_profile(rng, len(p), wpx)])
        cv.alb[sl] *= _c3(1.0 - crack_cov * _F32(0.8))
        cv.hgt[sl] -= crack_cov * _F32(2.0)
        stain = np.maximum(stain, _blur(crack_cov, max(1.0, cv.px(4))) * _F32(u(1.0, 3.0)))
    stain = np.clip(stain, 0, 1) * _F32(u(0.6, 1.0))
    # darker, redder rust at the bar, thinner orange where it has run and spread; speckled by the paste pores
    core = _blur(band, max(0.7, spread * 0.3))
    col = _outer(1.0 - 0.35 * core, rust) + _outer(core * _F32(0.1), (0.3, 0.0, -0.05))
    stain *= 1.0 + _noise(rng, bh, bw, max(0.6, cv.px(u(0.5, 2.0)))) * _F32(0.15)
    _dye(cv.alb[sl], np.clip(stain, 0.0, 1.0), col)
    # delaminated cover: an irregular patch around the corroding length of bar, bigger than the stain on it
    ca, sa = 0.5 * (s0 + s1), 0.5 * (s1 - s0) * u(1.0, 1.3) + 1.0
    sb = max(2.0, min(spread * u(1.5, 3.0), 0.5 * (bh if horiz else bw)))
    rho = np.sqrt(((along - ca) / sa) ** 2 + (across / sb) ** 2)
    dl = _smoothstep((1.0 - rho + _noise(rng, bh, bw, max(2.0, sb)) * _F32(0.15)) / 0.3)
    dl = np.maximum(dl, _blur(spall, 2.0))
    cv.m('couple')[sl] = np.minimum(cv.m('couple')[sl], 1.0 - dl * _F32(u(0.6, 0.92)))
    cv.m('delam')[sl] = np.maximum(cv.m('delam')[sl], dl)
    mask = np.zeros((cv.h, cv.w), bool)
    mask[sl] = (stain > 0.12) | (dl > 0.35) | (spall > 0.3) | _dilate(crack_cov > 0.2, 1)
    info.update(bar='horizontal' if horiz else 'vertical', cover_mm=round(cover, 1))
    return variant, mask


# ----------------------------------------------------------------------------------------------------------------------
# leaks


def _leak(cv: _Canvas, cell: tuple[int, int, int, int], sc: _Scene, info: dict) -> tuple[str, np.ndarray]:
    rng = cv.rng
    u = rng.uniform
    variant = str(rng.choice(['wet_patch', 'tide_line', 'drip', 'efflorescence'], p=[0.3, 0.25, 0.25, 0.2]))
    box = _sub_rect(rng, cell, cv.px(u(150, 1200)), cv.px(u(200, 1500)))
    sl = _rect_slices(box)
    bw, bh = box[2] - box[0], box[3] - box[1]
    # wetting front grown by gravity-biased diffusion from a source, on a coarse grid
    g = max(1, int(math.ceil(max(bw, bh) / 56)))
    gw, gh = max(3, bw // g), max(3, bh // g)
    # advection-diffusion plume from a fixed source: capillary spread (blur), gravity drift down, and a loss to
    # evaporation that varies with the paste's porosity
    por = np.clip(u(0.93, 0.985) + 0.03 * _noise(rng, gh, gw, max(1.0, u(2, 6))), 0.85, 0.995).astype(_F32)
    wet = np.zeros((gh, gw), _F32)
    sx, sy = int(u(0.25, 0.75) * gw), int(u(0.05, 0.3) * gh)
    src = (slice(sy, sy + 1), slice(max(0, sx - int(u(0, 0.2) * gw)), sx + 1 + int(u(0, 0.2) * gw)))
    drift = u(0.2, 0.6)
    n_iter = int(min(150, (gh - sy) / drift * u(0.6, 1.0)))
    for _ in range(n_iter):
        wet[src] = 1.0
        wet = cv2.GaussianBlur(wet, (5, 5), 1.0)
        wet[1:] += drift * (wet[:-1] - wet[1:])
        wet *= por
    wet[src] = 1.0
    wf = cv2.resize(wet, (bw, bh), interpolation=cv2.INTER_LINEAR)
    wf = wf * (1.0 + _fbm(rng, bh, bw, max(1.0, cv.px(u(10, 40))), 3) * _F32(u(0.1, 0.3)))
    # the front stays inside the box and sits where the patch covers a chosen share of it
    ey = _smoothstep(np.minimum(np.arange(bh), bh - 1 - np.arange(bh)) / max(1.0, 0.15 * bh))
    ex = _smoothstep(np.minimum(np.arange(bw), bw - 1 - np.arange(bw)) / max(1.0, 0.15 * bw))
    wf = wf * (ey[:, None] * ex[None, :]).astype(_F32)
    level = max(0.02, float(np.quantile(wf[:: max(1, bh // 48), :: max(1, bw // 48)], 1.0 - u(0.25, 0.5))))
    rel = np.sqrt(np.clip((wf - level) / max(1e-3, float(wf.max()) - level), 0, 1))
    mottle = 1.0 + _noise(rng, bh, bw, max(1.0, cv.px(u(3, 15)))) * _F32(0.08)
    wetness = _smoothstep((wf - level) / (0.1 * level + 0.01)) * (_F32(u(0.5, 0.7)) + _F32(0.35) * rel) * mottle
    wetness = np.minimum(wetness, 1.0)
    mask = wetness > 0.08
    alb = cv.alb[sl]
    deposit = np.zeros((bh, bw), _F32)
    if variant == 'tide_line':
        # rings where earlier, larger wet fronts dried and left salts / dirt
        for k in range(int(rng.integers(1, 4))):
            lv = level * (0.85 - 0.2 * k)
            ring = np.exp(-0.5 * ((wf - lv) / _F32(level * u(0.015, 0.05))) ** 2)
            deposit = np.maximum(deposit, ring * _F32(u(0.4, 1.0)))
        mask |= deposit > 0.2
    trails = np.zeros((bh, bw), _F32)
    if variant in ('drip', 'efflorescence') or u() < 0.3:
        # drips leave from the lowest wet pixels and run down
        cols = np.nonzero(mask.any(0))[0]
        if len(cols):
            n = int(rng.integers(2, 8))
            xs = rng.choice(cols, n)
            low = bh - 1 - np.argmax(mask[::-1, xs], axis=0)
            dep = _advect(rng, bh, bw, xs.astype(np.float64), low.astype(np.float64), int(rng.integers(8, 25)),
                          bh * u(0.3, 1.0), cv.px(u(1, 8)), cv.px(u(0.3, 1.5)))
            trails = 1.0 - np.exp(-_blur(dep, max(0.5, cv.px(0.8))) * _F32(u(0.4, 1.5)))
            wetness = np.maximum(wetness, trails * _F32(u(0.5, 0.9)))
            mask |= _dilate(trails > 0.1, 1)
    cv.m('wet')[sl] = np.maximum(cv.m('wet')[sl], wetness)
    alb *= _c3(1.0 - wetness * _F32(u(0.45, 0.65)))     # water fills the pores: much less scattering
    gl = cv.m('gloss')
    gl[sl] = np.maximum(gl[sl], wetness * _F32(u(0.15, 0.5)))
    if variant == 'tide_line':
        col = np.array([0.62, 0.58, 0.5], _F32) * _F32(u(0.6, 1.2))
        _mix(alb, np.minimum(0.8, deposit * _F32(u(0.3, 0.7))), col)
    if variant == 'efflorescence':
        # crystalline white salts, streaky downward, where water evaporates (edges and trails)
        edge = np.exp(-0.5 * ((wf - level) / (0.15 * level + 0.005)) ** 2)
        # powdery crust: blotches, streaked downward, with a fine crystalline sparkle
        blotch = np.clip(0.6 + 0.6 * _noise(rng, bh, bw, max(1.5, cv.px(u(4, 15)))), 0, 1.5)
        sparkle = 0.75 + 0.25 * _noise(rng, bh, bw, 0.7)
        streak = np.maximum(0, _noise(rng, bh, bw, max(2.0, cv.px(u(30, 120))), max(0.8, cv.px(u(2, 8)))) + 0.5)
        eff = (edge + trails * 0.7 + wetness * 0.25) * blotch * sparkle * streak * _F32(u(0.4, 0.9))
        eff = np.clip(eff, 0, 0.9)
        _mix(alb, eff, np.array([0.88, 0.88, 0.85], _F32) * _F32(u(0.9, 1.05)))
        cv.hgt[sl] += eff * _F32(0.4)
        mask |= eff > 0.15
    # the source itself: a dark wet crack / joint segment
    x0 = int(src[1].start * bw / gw)
    x1 = max(x0 + 2, int(src[1].stop * bw / gw))
    yc = int((sy + 0.5) * bh / gh)
    cv2.line(alb, (x0, yc), (x1, yc + int(u(-3, 3))), (0.05, 0.05, 0.05), max(1, int(cv.px(u(0.3, 2.0)))))
    mask[max(0, yc - 1):yc + 2, x0:x1 + 1] = True
    info.update(area_px=int(mask.sum()))
    full = np.zeros((cv.h, cv.w), bool)
    full[sl] = mask
    return variant, full


# ----------------------------------------------------------------------------------------------------------------------
# unseen kinds


def _spall_hole(rng: np.random.Generator, bw: int, bh: int) -> np.ndarray:
    cx, cy = bw / 2, bh / 2
    poly = _polygons(rng, np.array([0.0]), np.array([0.0]), np.array([1.0]), 16, 0.22)[0].astype(np.float64) / 8
    poly = poly * np.array([bw * 0.45, bh * 0.45]) + np.array([cx, cy])
    m = np.zeros((bh, bw), np.uint8)
    _fill(m, (poly * 8).astype(np.int32)[None], 255)
    return m.astype(_F32) / 255


def _self_shadow(cv: _Canvas, sl: tuple[slice, slice], hole: np.ndarray, depth_mm: float) -> None:
    """The rim of a recess shades its floor on the side facing the light (a pixel is lit if the light ray leaves
    the recess before rising depth_mm)."""
    lx, ly, lz = (float(v) for v in cv.ldir)
    k = cv.px(depth_mm) / max(lz, 0.15)
    hh, ww = hole.shape
    moved = cv2.warpAffine(hole, np.float32([[1, 0, -lx * k], [0, 1, -ly * k]]), (ww, hh), borderValue=0.0)
    shadow = hole * (1.0 - moved)
    # RGB only: at the thermal camera's scale conduction evens out millimetre-sized shadows
    cv.m('ao_shade')[sl] *= 1.0 - _blur(shadow, max(0.5, cv.px(1.0))) * _F32(0.92)


def _exposed_rebar(cv: _Canvas, cell: tuple[int, int, int, int], sc: _Scene, info: dict) -> tuple[str, np.ndarray]:
    rng = cv.rng
    u = rng.uniform
    box = _sub_rect(rng, cell, cv.px(u(120, 600)), cv.px(u(120, 500)))
    sl = _rect_slices(box)
    bw, bh = box[2] - box[0], box[3] - box[1]
    hole = _spall_hole(rng, bw, bh)
    hole = np.maximum(hole, 0) if hole.any() else np.ones((bh, bw), _F32)
    depth = u(25, 60)
    rough = _fbm(rng, bh, bw, max(1.5, cv.px(u(3, 8))), 3)
    alb = cv.alb[sl]
    # fresh fracture surface: broken paste and split aggregate, a little lighter than the weathered skin
    frac_tex = _noise(rng, bh, bw, max(0.8, cv.px(u(2, 6))))
    broken = _outer(1 + 0.06 * rough + 0.08 * frac_tex, np.array(cv2.mean(alb)[:3], _F32) * _F32(u(0.85, 1.2)))
    _mix(alb, hole, broken)
    floor = hole * (_F32(depth) + rough * _F32(1.5))
    _self_shadow(cv, sl, hole, depth)
    yy, xx = np.mgrid[0:bh, 0:bw].astype(_F32)
    horiz = u() < 0.5
    d_px = max(1.5, cv.px(u(10, 25)))
    spacing = max(d_px * 2.5, cv.px(u(80, 200)))
    n = max(1, int(min(bh if horiz else bw, 10 * spacing) / spacing))
    start = (bh if horiz else bw) / 2 - (n - 1) * spacing / 2
    steel = np.zeros((bh, bw), _F32)
    prof = np.zeros((bh, bw), _F32)
    sheen = np.zeros((bh, bw), _F32)
    # where a cylinder's normal meets the half vector: the bright metallic streak along each bar
    hv = sc.ldir + np.array([0, 0, 1], _F32)
    rib_period = max(2.0, 0.7 * d_px)

    def bar(rows: bool, centre: float, dia: float, hl: float) -> None:
        # only the strip of pixels the bar covers is computed
        lo, hi = max(0, int(centre - 0.5 * dia) - 2), int(centre + 0.5 * dia) + 3
        sl2 = (slice(lo, hi), slice(None)) if rows else (slice(None), slice(lo, hi))
        coord, along = (yy[sl2], xx[sl2]) if rows else (xx[sl2], yy[sl2])
        if coord.size == 0:
            return
        sd = (coord - _F32(centre)) / _F32(0.5 * dia)
        d = np.abs(sd)
        cyl = np.sqrt(np.clip(1.0 - d * d, 0, 1))
        ribs = 1.0 + 0.08 * np.cos(along * _F32(2 * np.pi / rib_period) + sd * 1.2) ** 8
        np.maximum(prof[sl2], cyl * ribs * _F32(0.5 * cv.mmpp * dia), out=prof[sl2])
        np.maximum(steel[sl2], np.clip((1.0 - d) * dia * 0.5 + 0.5, 0, 1), out=steel[sl2])
        np.maximum(sheen[sl2], np.exp(-((sd - _F32(hl)) / _F32(0.3)) ** 2) * (d < 1), out=sheen[sl2])

    hl_c = float(hv[1] / math.hypot(hv[1], hv[2])) if horiz else float(hv[0] / math.hypot(hv[0], hv[2]))
    hl_a = float(hv[0] / math.hypot(hv[0], hv[2])) if horiz else float(hv[1] / math.hypot(hv[1], hv[2]))
    for i in range(n):
        bar(horiz, start + i * spacing + u(-0.1, 0.1) * spacing, d_px, hl_c)
    if u() < 0.5:   # a transverse bar
        bar(not horiz, u(0.3, 0.7) * (bw if horiz else bh), d_px * 0.8, hl_a)
    steel *= hole
    metal = np.array([0.36, 0.37, 0.39], _F32) * _F32(u(0.7, 1.2))
    freckle = np.clip(rough[..., None], -1, 1) * _F32(0.06)
    _mix(alb, steel, metal * (0.6 + _F32(u(0.8, 1.6)) * sheen[..., None] + freckle))
    cv.hgt[sl] += -floor * (1 - steel) + steel * (prof - _F32(depth) + _F32(depth * 0.55))
    cv.m('gloss')[sl] = np.maximum(cv.m('gloss')[sl], steel * _F32(u(0.5, 0.9)))
    cv.m('emis')[sl] += steel * (_F32(u(0.1, 0.3)) - cv.m('emis')[sl])
    cv.m('cond')[sl] = np.maximum(cv.m('cond')[sl], steel)
    cv.m('couple')[sl] += steel * _F32(2.0) + hole * _F32(0.5)
    mask = np.zeros((cv.h, cv.w), bool)
    mask[sl] = hole > 0.3
    return ('mesh' if n > 1 else 'single_bar'), mask


def _object_height(mask: np.ndarray, r_px: float) -> np.ndarray:
    """Rounded profile of an object lying on the surface: height from the distance to its outline."""
    d = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    t = np.clip(d / max(r_px, 0.5), 0, 1)
    return np.sqrt(1.0 - (1.0 - t) ** 2).astype(_F32)


def _foreign_object(cv: _Canvas, cell: tuple[int, int, int, int], sc: _Scene, info: dict) -> tuple[str, np.ndarray]:
    rng = cv.rng
    u = rng.uniform
    what = str(rng.choice(['cable', 'bottle', 'glove', 'tool', 'bag']))
    size_mm = {'cable': u(300, 1500), 'bottle': u(180, 320), 'glove': u(180, 260), 'tool': u(200, 450),
               'bag': u(200, 600)}[what]
    box = _sub_rect(rng, cell, cv.px(size_mm) * u(0.6, 1.0), cv.px(size_mm) * u(0.6, 1.0))
    sl = _rect_slices(box)
    bw, bh = box[2] - box[0], box[3] - box[1]
    m = np.zeros((bh, bw), np.uint8)
    col = np.array([[0.05, 0.05, 0.05], [0.7, 0.25, 0.03], [0.75, 0.6, 0.05], [0.05, 0.2, 0.6], [0.6, 0.05, 0.05],
                    [0.75, 0.75, 0.72], [0.1, 0.35, 0.1], [0.45, 0.3, 0.15]], _F32)[int(rng.integers(8))]
    col = col * _F32(u(0.8, 1.15))
    metal = np.zeros((bh, bw), np.uint8)
    radius_mm = 10.0
    gloss = u(0.1, 0.4)
    emis = u(0.85, 0.95)
    dtemp = u(-3, 8)
    opacity = 1.0
    if what == 'cable':
        t = np.linspace(0, 1, 24)
        pts = np.stack([t * bw + np.sin(t * u(2, 8) + u(0, 6)) * bw * 0.15,
                        u(0.2, 0.8) * bh + np.sin(t * u(2, 9) + u(0, 6)) * bh * 0.3], 1)
        if u() < 0.5:
            pts = pts[:, ::-1] * np.array([bw / max(bh, 1), bh / max(bw, 1)])
        radius_mm = u(4, 12)
        cv2.polylines(m, [np.round(pts * 8).astype(np.int32)], False, 255, max(1, int(2 * cv.px(radius_mm))),
                      cv2.LINE_AA, 3)
        dtemp = u(0, 15)
    elif what == 'bottle':
        ang = u(0, 180)
        half_len, rad_b = cv.px(size_mm) * 0.5, cv.px(u(60, 85)) * 0.5
        c = (bw / 2, bh / 2)
        box_pts = cv2.boxPoints(((c[0], c[1]), (2 * half_len * 0.72, 2 * rad_b), ang))
        _fill(m, (box_pts * 8).astype(np.int32)[None], 255)
        tip = np.array(c) + 0.72 * half_len * np.array([math.cos(math.radians(ang)), math.sin(math.radians(ang))])
        neck = cv2.boxPoints(((tip[0], tip[1]), (half_len * 0.7, rad_b * 0.8), ang))
        _fill(m, (neck * 8).astype(np.int32)[None], 255)
        m = cv2.GaussianBlur(m, (3, 3), 0)
        radius_mm = u(30, 42)
        gloss, dtemp = u(0.4, 0.9), u(-10, 6)
        if u() < 0.5:   # clear plastic: the wall shows through, tinted
            col = np.array([u(0.5, 0.8), u(0.6, 0.85), u(0.6, 0.9)], _F32)
            opacity = u(0.45, 0.75)
    elif what == 'glove':
        c = np.array([bw / 2, bh * 0.6])
        cv2.ellipse(m, (int(c[0]), int(c[1])), (max(1, int(bw * 0.28)), max(1, int(bh * 0.3))), u(-20, 20), 0, 360,
                    255, -1, cv2.LINE_AA)
        for k in range(5):
            a = math.radians(-150 + k * 28 + u(-8, 8)) if k < 4 else math.radians(u(-20, 20))
            e = c + np.array([math.cos(a), math.sin(a)]) * np.array([bw * 0.45, bh * 0.55])
            cv2.line(m, (int(c[0]), int(c[1])), (int(e[0]), int(e[1])), 255, max(1, int(cv.px(u(17, 24)))),
                     cv2.LINE_AA)
        radius_mm = u(8, 15)
        gloss, dtemp = u(0.0, 0.15), u(1, 9)
    elif what == 'tool':
        ang = u(0, 180)
        c = (bw / 2, bh / 2)
        reach = cv.px(size_mm) * 0.45
        handle = cv2.boxPoints(((c[0], c[1]), (reach * 1.4, cv.px(u(25, 35))), ang))
        _fill(m, (handle * 8).astype(np.int32)[None], 255)
        tip = np.array(c) + 0.75 * reach * np.array([math.cos(math.radians(ang)), math.sin(math.radians(ang))])
        head = cv2.boxPoints(((tip[0], tip[1]), (cv.px(u(25, 40)), cv.px(u(90, 130))), ang))
        _fill(metal, (head * 8).astype(np.int32)[None], 255)
        m = np.maximum(m, metal)
        radius_mm = u(10, 16)
        dtemp = u(-3, 20)
    else:   # plastic bag: crumpled outline, wrinkles
        poly = _polygons(rng, np.array([bw / 2]), np.array([bh / 2]), np.array([0.4 * min(bw, bh)]), 20, 0.35)
        _fill(m, poly, 255)
        m = cv2.GaussianBlur(m, (3, 3), 0)
        radius_mm = u(10, 40)
        gloss, dtemp = u(0.3, 0.8), u(-2, 6)
    if not m.any():
        m[bh // 2, bw // 2] = 255
    a = m.astype(_F32) / 255
    prof = _object_height(m > 127, cv.px(radius_mm)) * _F32(radius_mm)
    a_vis = a * _F32(opacity)
    if what == 'bag':
        prof += _fbm(rng, bh, bw, max(1.5, cv.px(u(20, 60))), 2) * _F32(radius_mm * 0.4) * a
    alb = cv.alb[sl]
    mt = metal.astype(_F32) / 255
    ocol = col[None, None, :] * (1 - mt[..., None]) + np.array([0.45, 0.45, 0.47], _F32) * mt[..., None]
    ocol = ocol * (1.0 + _noise(rng, bh, bw, max(0.6, cv.px(1.0)))[..., None] * _F32(0.04))
    # glossy curved objects mirror a bright patch of their surroundings: a streak where the normal faces it
    gx = cv2.Sobel(prof, cv2.CV_32F, 1, 0, ksize=3) * _F32(1.0 / (8.0 * cv.mmpp))
    gy = cv2.Sobel(prof, cv2.CV_32F, 0, 1, ksize=3) * _F32(1.0 / (8.0 * cv.mmpp))
    inv = 1.0 / np.sqrt(1.0 + gx * gx + gy * gy)
    tx, ty = 0.5 * float(sc.ldir[0]), 0.5 * float(sc.ldir[1]) - 0.3
    hl = np.exp(-((-gx * inv - _F32(tx)) ** 2 + (-gy * inv - _F32(ty)) ** 2) / _F32(0.06))
    ocol = ocol + (hl * _F32(gloss * 0.8))[..., None]
    # its shadow on the wall, cast away from the light
    off = np.array([-sc.ldir[0], -sc.ldir[1]]) / max(float(sc.ldir[2]), 0.25) * cv.px(radius_mm) * 0.8
    sh = cv2.warpAffine(a, np.float32([[1, 0, off[0]], [0, 1, off[1]]]), (bw, bh))
    sh = _blur(sh, max(0.5, cv.px(radius_mm * 0.3)))
    shade = cv.m('shade')
    shade[sl] *= 1.0 - sh * (1 - a) * _F32(0.85)
    _mix(alb, a_vis, ocol)
    cv.hgt[sl] = cv.hgt[sl] * (1 - a) + (prof + _F32(radius_mm * 0.2)) * a
    cv.m('gloss')[sl] += a * (_F32(gloss) + mt * _F32(0.5) - cv.m('gloss')[sl])
    cv.m('emis')[sl] += a * (_F32(emis) * (1 - mt) + mt * _F32(0.25) - cv.m('emis')[sl])
    cv.m('fixw')[sl] = np.maximum(cv.m('fixw')[sl], a)
    cv.m('fixt')[sl] = _F32(sc.ambient + dtemp)
    info.update(object_dt=round(dtemp, 2))
    mask = np.zeros((cv.h, cv.w), bool)
    mask[sl] = _dilate(a > 0.3, 1)
    return what, mask


def _hot_spot(cv: _Canvas, cell: tuple[int, int, int, int], sc: _Scene, info: dict) -> tuple[str, np.ndarray]:
    rng = cv.rng
    u = rng.uniform
    variant = str(rng.choice(['pipe', 'blob', 'cable_run']))
    box = _sub_rect(rng, cell, cv.px(u(150, 900)), cv.px(u(150, 900)))
    sl = _rect_slices(box)
    bw, bh = box[2] - box[0], box[3] - box[1]
    src = np.zeros((bh, bw), _F32)
    depth_mm = u(20, 120)            # buried source: its heat spreads about as wide as it is deep
    if variant == 'blob':
        cv2.circle(src, (bw // 2, bh // 2), max(1, int(min(bw, bh) * u(0.05, 0.2))), 1.0, -1, cv2.LINE_AA)
    else:
        t = np.linspace(0, 1, 16)
        bend = u(0, 0.25) if variant == 'cable_run' else 0.0
        if bw >= bh:
            pts = np.stack([t * bw, bh * (0.5 + bend * np.sin(t * u(2, 6)))], 1)
        else:
            pts = np.stack([bw * (0.5 + bend * np.sin(t * u(2, 6))), t * bh], 1)
        wid = cv.px(u(20, 120)) if variant == 'pipe' else cv.px(u(10, 30))
        cv2.polylines(src, [np.round(pts * 8).astype(np.int32)], False, 1.0, max(1, int(wid)), cv2.LINE_AA, 3)
    sigma = max(1.0, min(cv.px(depth_mm) * 0.5, min(bw, bh) / 6))
    field = _blur(src, sigma)
    # keep it inside its box: fade to zero at the border
    yy = _smoothstep(np.minimum(np.arange(bh), bh - 1 - np.arange(bh)) / max(1.0, bh * 0.12))
    xx = _smoothstep(np.minimum(np.arange(bw), bw - 1 - np.arange(bw)) / max(1.0, bw * 0.12))
    field = field * (yy[:, None] * xx[None, :]).astype(_F32)
    peak = float(field.max())
    if peak <= 0:
        field[bh // 2, bw // 2] = 1.0
        peak = 1.0
    field /= _F32(peak)
    amp = u(8, 60)
    cv.m('dts')[sl] += field * _F32(amp)
    if u() < 0.3:   # a faint dry mark over it
        cv.alb[sl] *= _c3(1.0 + field * _F32(u(0.01, 0.04)))
    info.update(peak_dt=round(amp, 1))
    mask = np.zeros((cv.h, cv.w), bool)
    mask[sl] = field > 0.25
    return variant, mask


def _vegetation(cv: _Canvas, cell: tuple[int, int, int, int], sc: _Scene, info: dict) -> tuple[str, np.ndarray]:
    rng = cv.rng
    u = rng.uniform
    variant = str(rng.choice(['moss', 'algae', 'plant']))
    box = _sub_rect(rng, cell, cv.px(u(80, 600)), cv.px(u(80, 600)))
    sl = _rect_slices(box)
    bw, bh = box[2] - box[0], box[3] - box[1]
    alb = cv.alb[sl]
    g = u(0.12, 0.3)
    green = np.array([g * u(0.45, 0.8), g, g * u(0.15, 0.45)], _F32)    # olive to deep green
    green = green + _F32(u(0.15, 0.4)) * (green.mean() - green)          # weathered, dusty: less saturated
    yy = _smoothstep(np.minimum(np.arange(bh), bh - 1 - np.arange(bh)) / max(1.0, bh * 0.2))
    xx = _smoothstep(np.minimum(np.arange(bw), bw - 1 - np.arange(bw)) / max(1.0, bw * 0.2))
    env = (yy[:, None] * xx[None, :]).astype(_F32)
    if variant == 'moss':
        f = _fbm(rng, bh, bw, max(2.0, cv.px(u(15, 60))), 3) + env * 1.5 - 0.9
        cover = _smoothstep(f * 3.0) * env
        # cushions: fine fronds with dark gaps, lighter tips, browner where drying
        tex = _noise(rng, bh, bw, max(0.6, cv.px(u(0.4, 1.2))))
        lump = _noise(rng, bh, bw, max(1.0, cv.px(u(3, 10))))
        dry = np.clip(_noise(rng, bh, bw, max(2.0, cv.px(u(20, 60)))) * 0.5, 0, 1)[..., None]
        col = green[None, None, :] * np.clip(0.75 + 0.35 * tex + 0.2 * lump, 0.2, 1.6)[..., None]
        col = col * (1 - dry) + dry * np.array([0.2, 0.17, 0.08], _F32) * (0.8 + 0.3 * tex[..., None])
        _mix(alb, cover, np.clip(col, 0.0, 1.0))
        cv.hgt[sl] += cover * (_F32(u(2, 6)) + lump * _F32(1.0) + tex * _F32(0.4))
    elif variant == 'algae':
        # biofilm: grows where water runs, so streaky downward from a damp band, dark green to black
        f = _fbm(rng, bh, bw, max(2.0, cv.px(u(20, 80))), 3)
        streak = np.maximum(0, _noise(rng, bh, bw, max(2.0, cv.px(u(80, 300))), max(1.0, cv.px(u(3, 15)))))
        yy = np.linspace(-1, 1, bh, dtype=_F32)[:, None]
        xx = np.linspace(-1, 1, bw, dtype=_F32)[None, :]
        top = u(-0.8, 0.0)
        fall = np.clip(1.0 - (yy - top) / _F32(u(0.6, 1.6)), 0, 1) * _smoothstep((yy - top) / 0.35 + 1.0)
        shape = (1.0 - np.abs(xx) ** 2) * fall
        cover = np.clip(shape * (0.5 + 0.7 * streak) + f * 0.3 - 0.1, 0, 1) ** 0.7 * env
        dark = (green * _F32(u(0.15, 0.35)) + np.array([0.03, 0.03, 0.02], _F32)) * _F32(u(0.6, 1.0))
        col = dark[None, None, :] * (0.8 + 0.4 * np.clip(f, -1, 1))[..., None]
        _dye(alb, cover, col)
    else:
        cover = np.zeros((bh, bw), _F32)
        base = np.array([bw * u(0.3, 0.7), bh * u(0.7, 0.95)])
        n_leaves = int(rng.integers(4, 18))
        leaf_len = min(bw, bh) * u(0.15, 0.35)
        lv = np.zeros((bh, bw, 3), _F32)
        stem_w = max(1, int(cv.px(u(1, 3))))
        for _ in range(n_leaves):
            a = u(-np.pi * 0.95, -np.pi * 0.05)
            reach = u(0.2, 0.9) * min(bw, bh) * 0.55
            tip = base + reach * np.array([math.cos(a), math.sin(a)])
            shade = green * _F32(u(0.6, 1.5))
            cv2.line(cover, tuple(int(v) for v in base), tuple(int(v) for v in tip), 1.0, stem_w, cv2.LINE_AA)
            cv2.line(lv, tuple(int(v) for v in base), tuple(int(v) for v in tip), tuple(float(c) for c in green * 0.7),
                     stem_w)
            lc = tip + leaf_len * 0.5 * np.array([math.cos(a), math.sin(a)])
            axes = (max(1, int(leaf_len * 0.5)), max(1, int(leaf_len * u(0.15, 0.3))))
            cv2.ellipse(lv, (int(lc[0]), int(lc[1])), axes, math.degrees(a), 0, 360,
                        tuple(float(c) for c in shade), -1, cv2.LINE_AA)
            cv2.ellipse(cover, (int(lc[0]), int(lc[1])), axes, math.degrees(a), 0, 360, 1.0, -1, cv2.LINE_AA)
        cover = np.clip(cover, 0, 1)
        lv = lv / np.maximum(cover, 1e-3)[..., None]
        _mix(alb, cover, np.clip(lv, 0, 1))
        cv.hgt[sl] += cover * _F32(u(3, 12))
        off = (-sc.ldir[:2] / max(float(sc.ldir[2]), 0.3) * cv.px(10)).astype(np.float64)
        sh = cv2.warpAffine(cover, np.float32([[1, 0, off[0]], [0, 1, off[1]]]), (bw, bh))
        cv.m('shade')[sl] *= 1.0 - _blur(sh, 1.0) * (1 - cover) * _F32(0.6)
    if not (cover > 0.2).any():
        cv2.circle(cover, (bw // 2, bh // 2), max(1, min(bw, bh) // 4), 0.6, -1)
        _mix(alb, cover, green)
    cool = u(0.4, 2.2)      # transpiration; the NIR-bright leaves absorb less sun on top of it
    tb = _blur(cover, max(0.7, cv.px(3)))
    cv.m('dts')[sl] -= tb * _F32(cool)
    cv.m('emis')[sl] += tb * (_F32(0.97) - cv.m('emis')[sl])
    cv.m('nirw')[sl] = np.maximum(cv.m('nirw')[sl], tb)
    cv.m('nira')[sl] = _F32(u(0.45, 0.6))
    cv.m('gloss')[sl] *= 1.0 - cover * _F32(0.7)
    info.update(thermal_dt=round(-cool, 2))
    mask = np.zeros((cv.h, cv.w), bool)
    mask[sl] = cover > 0.2
    return variant, mask


_DEFECTS = {'crack': _crack, 'corrosion': _corrosion, 'leak': _leak, 'exposed_rebar': _exposed_rebar,
            'foreign_object': _foreign_object, 'hot_spot': _hot_spot, 'vegetation': _vegetation}


# ----------------------------------------------------------------------------------------------------------------------
# distractors: clean surface that looks like a defect in one modality (or both, but harmlessly)


def _blotch(cv: _Canvas, size_mm: float) -> tuple[tuple[slice, slice], np.ndarray]:
    rng = cv.rng
    bw = int(np.clip(cv.px(size_mm * rng.uniform(0.6, 1.4)), 4, cv.w))
    bh = int(np.clip(cv.px(size_mm * rng.uniform(0.6, 1.4)), 4, cv.h))
    x0, y0 = int(rng.integers(0, cv.w - bw + 1)), int(rng.integers(0, cv.h - bh + 1))
    yy = _smoothstep(np.minimum(np.arange(bh), bh - 1 - np.arange(bh)) / max(1.0, bh * 0.3))
    xx = _smoothstep(np.minimum(np.arange(bw), bw - 1 - np.arange(bw)) / max(1.0, bw * 0.3))
    env = (yy[:, None] * xx[None, :]).astype(_F32)
    f = _fbm(rng, bh, bw, max(2.0, bw / 3), 3) + env * 2.0 - 1.2
    return (slice(y0, y0 + bh), slice(x0, x0 + bw)), _smoothstep(f * 2.5) * env


def _shadow_poly(cv: _Canvas, band_mm: float | None) -> np.ndarray:
    """Hard-edged shadow of something out of view: a half-plane edge or a band (pole, pipe), soft penumbra."""
    rng = cv.rng
    h, w = cv.h, cv.w
    ang = rng.uniform(0, np.pi)
    n = np.array([math.cos(ang), math.sin(ang)])
    yy, xx = np.mgrid[0:h, 0:w].astype(_F32)
    d = (xx - rng.uniform(0.2, 0.8) * w) * _F32(n[0]) + (yy - rng.uniform(0.2, 0.8) * h) * _F32(n[1])
    pen = max(0.7, cv.px(rng.uniform(3, 40)))
    if band_mm is None:
        return _smoothstep(0.5 - d / (2 * pen))
    half = cv.px(band_mm) / 2
    return _smoothstep(0.5 + (half - np.abs(d)) / (2 * pen))


def _distractor(cv: _Canvas, sc: _Scene, name: str) -> None:
    rng = cv.rng
    u = rng.uniform
    if name in ('dry_stain', 'water_mark'):
        sl, a = _blotch(cv, u(80, 500))
        col = np.array([u(0.1, 0.22), u(0.1, 0.2), u(0.08, 0.16)], _F32)
        if name == 'water_mark':   # an old ring, dry: dark edge, nothing in thermal
            ring = np.exp(-0.5 * ((a - 0.3) / 0.08) ** 2)
            a = a * _F32(u(0.1, 0.3)) + ring * _F32(u(0.3, 0.6))
        _dye(cv.alb[sl], np.minimum(a * _F32(u(0.3, 0.8)), 0.9), col)
    elif name == 'rust_stain':     # iron-rich aggregate or rust-coloured paint: no delamination under it
        sl, a = _blotch(cv, u(30, 250))
        spots = np.maximum(0, _noise(rng, a.shape[0], a.shape[1], max(1.0, cv.px(u(2, 10)))) - _F32(u(0.5, 1.5)))
        _dye(cv.alb[sl], np.minimum(0.9, a * (spots + _F32(u(0.0, 0.4))) * _F32(u(0.5, 1.2))), _rust_colour(rng))
    elif name == 'paint_patch':
        sl, a = _blotch(cv, u(100, 600))
        a = _smoothstep((a - 0.3) * 6)
        col = [np.array([0.6, 0.6, 0.6], _F32) * _F32(u(0.4, 1.3)), np.array([0.8, 0.8, 0.75], _F32),
               np.array([u(0.1, 0.7), u(0.1, 0.7), u(0.1, 0.7)], _F32)][int(rng.integers(3))]
        _mix(cv.alb[sl], a * _F32(u(0.7, 1.0)), col)
        cv.m('emis')[sl] += a * (_F32(u(0.88, 0.93)) - cv.m('emis')[sl])
        cv.m('gloss')[sl] += a * _F32(u(0.0, 0.15))
    elif name in ('marking', 'tag'):
        m = np.zeros((cv.h, cv.w), np.uint8)
        col = [(0.7, 0.05, 0.05), (0.8, 0.35, 0.02), (0.8, 0.7, 0.05), (0.05, 0.15, 0.6), (0.85, 0.85, 0.85),
               (0.8, 0.1, 0.5)][int(rng.integers(6))]
        org = (int(u(0, 0.7) * cv.w), int(u(0.2, 1.0) * cv.h))
        if name == 'tag':   # a small inspection tag / label plate with writing
            tw, th = max(2, int(cv.px(u(40, 120)))), max(2, int(cv.px(u(25, 70))))
            cv2.rectangle(m, org, (org[0] + max(2, tw), org[1] + max(2, th)), 255, -1)
            a = m.astype(_F32) / 255
            _mix(cv.alb, a, np.array([0.8, 0.8, 0.75], _F32) * _F32(u(0.7, 1.0)))
            m[:] = 0
            scale = max(0.25, min(th / 40, tw / 70))
            cv2.putText(m, str(int(rng.integers(10, 999))), (org[0] + max(1, tw // 10), org[1] + int(th * 0.75)),
                        cv2.FONT_HERSHEY_SIMPLEX, scale, 255, max(1, int(scale * 1.5)), cv2.LINE_AA)
            cv.hgt[org[1]:org[1] + th + 1, org[0]:org[0] + tw + 1] = _F32(u(0.5, 2.0))   # flat card over the relief
            col = (0.05, 0.05, 0.05)
        elif u() < 0.5:
            txt = ['A', 'B', 'C', 'X', 'P'][int(rng.integers(5))] + str(int(rng.integers(1, 99)))
            scale = cv.px(u(60, 250)) / 22
            cv2.putText(m, txt, org, cv2.FONT_HERSHEY_SIMPLEX, max(0.3, scale), 255,
                        max(1, int(cv.px(u(8, 25)))), cv2.LINE_AA)
        else:   # spray line or arrow
            p2 = (int(org[0] + cv.px(u(100, 600)) * u(-1, 1)), int(org[1] + cv.px(u(100, 600)) * u(-1, 1)))
            th = max(1, int(cv.px(u(8, 30))))
            if u() < 0.5:
                cv2.arrowedLine(m, org, p2, 255, th, cv2.LINE_AA, 0, 0.3)
            else:
                cv2.line(m, org, p2, 255, th, cv2.LINE_AA)
        a = m.astype(_F32) / 255
        if name == 'marking':
            a = _blur(a, max(0.5, cv.px(u(1, 6))))   # overspray
        _mix(cv.alb, np.minimum(1.0, a * _F32(u(0.7, 1.1))), col)
    elif name in ('cast_shadow', 'pipe_shadow'):
        s = _shadow_poly(cv, None if name == 'cast_shadow' else u(40, 250))
        shade = cv.m('shade')
        shade *= 1.0 - s
        if sc.light == 'sun':
            # the shadow moved: where it lay a while ago the wall is still cooler
            past = np.roll(s, (int(sc.sun_shift[1] * cv.h * 0.1), int(sc.sun_shift[0] * cv.w * 0.1)), (0, 1))
            cv.m('shade_past')[:] *= 1.0 - past
    elif name in ('joint', 'saw_cut'):
        m = np.zeros((cv.h, cv.w), np.uint8)
        vert = u() < 0.5
        p = int(u(0.05, 0.95) * (cv.w if vert else cv.h))
        th = max(1, int(round(cv.px(u(3, 12) if name == 'saw_cut' else u(1, 6)))))
        if vert:
            cv2.line(m, (p, 0), (p + int(u(-0.02, 0.02) * cv.h), cv.h), 255, th, cv2.LINE_AA)
        else:
            cv2.line(m, (0, p), (cv.w, p + int(u(-0.02, 0.02) * cv.w)), 255, th, cv2.LINE_AA)
        a = m.astype(_F32) / 255
        cv.alb *= _c3(1.0 - a * _F32(u(0.4, 0.8)))
        cv.hgt -= _blur(a, 0.6) * _F32(u(3, 15))
    elif name == 'repair_patch':
        bw, bh = int(np.clip(cv.px(u(100, 800)), 4, cv.w)), int(np.clip(cv.px(u(100, 800)), 4, cv.h))
        x0, y0 = int(rng.integers(0, cv.w - bw + 1)), int(rng.integers(0, cv.h - bh + 1))
        m = np.zeros((bh, bw), np.uint8)
        if u() < 0.5:   # saw-cut rectangular repair
            rect = cv2.boxPoints(((bw / 2, bh / 2), (bw * u(0.6, 0.9), bh * u(0.6, 0.9)), u(-8, 8)))
            _fill(m, (rect * 8).astype(np.int32)[None], 255)
        else:           # trowelled blob
            f = _fbm(rng, bh, bw, max(2.0, min(bw, bh) / 3), 3)
            yy = np.linspace(-1, 1, bh, dtype=_F32)[:, None]
            xx = np.linspace(-1, 1, bw, dtype=_F32)[None, :]
            m[(1.0 - np.sqrt(xx * xx + yy * yy) + f * 0.25) > 0.35] = 255
        a = _blur(m.astype(_F32) / 255, max(0.5, cv.px(1.0)))
        sl = (slice(y0, y0 + bh), slice(x0, x0 + bw))
        mort = np.array(cv2.mean(cv.alb[sl])[:3], _F32)
        mort = (mort + _F32(u(0.3, 0.8)) * (mort.mean() - mort)) * _F32(u(0.75, 1.35))   # a greyer, other mortar
        tex = 1.0 + _noise(rng, bh, bw, max(0.6, cv.px(u(0.4, 1.5)))) * _F32(u(0.03, 0.08))
        tex += _noise(rng, bh, bw, max(1.0, cv.px(u(20, 80)))) * _F32(u(0.02, 0.06))
        _mix(cv.alb[sl], a, _outer(tex, mort))
        cv.hgt[sl] += a * _F32(u(-1, 1))
        # different mortar, different thermal inertia
        cv.m('dt')[sl] += a * _F32(u(0.5, 2.0) * (1 if u() < 0.5 else -1))
        cv.m('lag')[sl] *= 1.0 + a * _F32(u(-0.5, 0.6))
    elif name == 'cold_line':      # conduit or tie bar inside: thermal only
        s = _shadow_poly(cv, u(10, 40))
        cv.m('dts')[:] -= _blur(s, max(1.0, cv.px(15))) * _F32(u(0.5, 2.5))
    elif name == 'old_efflorescence':
        sl, a = _blotch(cv, u(80, 400))
        crystal = np.maximum(0, _blur(_noise(rng, a.shape[0], a.shape[1], max(0.6, cv.px(0.8))), 0.7) * 0.5 + 0.7)
        _mix(cv.alb[sl], np.minimum(0.7, a * crystal * _F32(u(0.2, 0.55))), (0.85, 0.85, 0.82))


_DISTRACTORS = ('dry_stain', 'water_mark', 'rust_stain', 'paint_patch', 'marking', 'tag', 'cast_shadow',
                'pipe_shadow', 'joint', 'saw_cut', 'repair_patch', 'cold_line', 'old_efflorescence')


# ----------------------------------------------------------------------------------------------------------------------
# RGB formation and camera


def _radiance(cv: _Canvas, sc: _Scene) -> np.ndarray:
    """Linear radiance: Lambert under a key light with shadows, occluded sky ambient, specular on gloss."""
    rng, h, w = cv.rng, cv.h, cv.w
    u = rng.uniform
    gx = cv2.Sobel(cv.hgt, cv2.CV_32F, 1, 0, ksize=3) * _F32(1.0 / (8.0 * cv.mmpp))
    gy = cv2.Sobel(cv.hgt, cv2.CV_32F, 0, 1, ksize=3) * _F32(1.0 / (8.0 * cv.mmpp))
    inv = 1.0 / np.sqrt(1.0 + gx * gx + gy * gy)
    lx, ly, lz = (float(v) for v in sc.ldir)
    ndl = np.maximum(0.0, (lz - gx * _F32(lx) - gy * _F32(ly)) * inv)
    cav = _blur(cv.hgt, max(1.0, cv.px(u(2, 6)))) - cv.hgt
    ao = 1.0 - np.clip(cav * _F32(u(0.04, 0.12)), 0.0, 0.75)
    # uneven illumination: a smooth gradient and, under a lamp, a hot spot with fall-off
    yy = np.linspace(-1, 1, h, dtype=_F32)[:, None]
    xx = np.linspace(-1, 1, w, dtype=_F32)[None, :]
    gdir = u(0, 2 * np.pi)
    ramp = 1.0 + _F32(u(0, 0.35)) * (xx * _F32(math.cos(gdir)) + yy * _F32(math.sin(gdir)))
    key = _F32(sc.key) * ndl * ramp
    if sc.light == 'lamp':
        cx, cy, rr = u(-0.6, 0.6), u(-0.6, 0.6), u(0.6, 2.0)
        key *= np.exp(-((xx - _F32(cx)) ** 2 + (yy - _F32(cy)) ** 2) / _F32(rr * rr))
    if 'shade' in cv.maps:
        key *= cv.maps['shade']
    if 'ao_shade' in cv.maps:
        key *= cv.maps['ao_shade']
    amb = ao * _F32(u(0.25, 0.6) if sc.light != 'lamp' else u(0.02, 0.2))
    irr = _outer(amb, sc.sky_col)
    irr += _outer(key, sc.light_col)
    rad = cv.alb * irr
    if 'gloss' in cv.maps:
        hv = sc.ldir + np.array([0, 0, 1], _F32)
        hv = hv / np.linalg.norm(hv)
        ndh = np.maximum(0.0, (_F32(hv[2]) - gx * _F32(hv[0]) - gy * _F32(hv[1])) * inv)
        # Gaussian lobe in the angle between normal and half vector (1 - cos ~ angle^2 / 2): no glow off-mirror
        rough = u(0.08, 0.3)
        spec = np.exp((ndh - 1.0) * _F32(2.0 / (rough * rough))) * key
        # the surroundings mirrored: the sky / ceiling is above, so up-facing normals look brighter
        ny = -gy * inv
        env = np.clip(0.35 - ny * 1.5, 0.0, 1.0)
        env = env * env * _F32(u(0.15, 0.5) * (sc.key * 0.3 + 0.5))
        rad += _outer(cv.maps['gloss'] * spec, sc.light_col)
        rad += _outer(cv.maps['gloss'] * env, sc.sky_col)
    return rad


def _camera(rng: np.random.Generator, rad: np.ndarray, sc: _Scene) -> np.ndarray:
    u = rng.uniform
    h, w = rad.shape[:2]
    # optics: vignetting, defocus or motion blur, lateral chromatic aberration
    yy = np.linspace(-1, 1, h, dtype=_F32)[:, None]
    xx = np.linspace(-1, 1, w, dtype=_F32)[None, :] * _F32(w / max(h, 1))
    r2 = (xx * xx + yy * yy) / _F32(1 + (w / max(h, 1)) ** 2)
    rad *= _c3(1.0 - _F32(u(0.0, 0.45)) * r2)
    mode = rng.random()
    if mode < 0.45:
        rad = _blur(rad, u(0.3, 1.6))
    elif mode < 0.65:
        n = int(rng.integers(3, 8))
        k = np.zeros((n, n), _F32)
        a = u(0, np.pi)
        c = (n - 1) / 2
        cv2.line(k, (int(round(c - c * math.cos(a))), int(round(c - c * math.sin(a)))),
                 (int(round(c + c * math.cos(a))), int(round(c + c * math.sin(a)))), 1.0, 1)
        rad = cv2.filter2D(rad, -1, k / k.sum())
    if u() < 0.6 and min(h, w) >= 32:
        for ch, s in ((0, u(0.3, 1.2)), (2, -u(0.3, 1.2))):
            f = 1.0 + s / max(h, w)
            m = np.float32([[f, 0, (1 - f) * w / 2], [0, f, (1 - f) * h / 2]])
            rad[..., ch] = cv2.warpAffine(np.ascontiguousarray(rad[..., ch]), m, (w, h),
                                          borderMode=cv2.BORDER_REFLECT)
    # auto exposure on a subsample, with an error
    sub = rad[:: max(1, h // 48), :: max(1, w // 48)]
    lum = float(np.mean(sub)) + 1e-6
    gain = u(0.16, 0.42) / lum * 2 ** u(-0.6, 0.5)
    rad *= _F32(gain)
    # sensor noise: shot + read, luma at full resolution, chroma coarser (demosaicing correlates it)
    shot, read = u(0.0002, 0.003), u(0.001, 0.006)
    sig = np.sqrt(cv2.cvtColor(rad, cv2.COLOR_RGB2GRAY) * _F32(shot) + _F32(read * read))
    nl = (rng.random((h, w), dtype=_F32) + rng.random((h, w), dtype=_F32) - 1.0) * _F32(2.45)
    rad += _c3(nl * sig)
    hh, ww = max(1, h // 2), max(1, w // 2)
    nc = rng.standard_normal((hh, ww, 3), dtype=_F32) * _F32(u(0.1, 0.35))
    rad += cv2.resize(nc, (w, h), interpolation=cv2.INTER_LINEAR) * _c3(sig)
    # white balance: the camera guesses the illuminant, imperfectly
    wb = 1.0 / (sc.light_col * _F32(0.7) + sc.sky_col * _F32(0.3))
    wb = wb / wb[1] * rng.uniform(0.92, 1.08, 3).astype(_F32)
    rad = cv2.multiply(rad, (float(wb[0]), float(wb[1]), float(wb[2]), 0.0))
    # tone curve: encode with the gamma at 8 bits over twice the exposure range, then one look-up table applies the
    # soft highlight shoulder and an S-curve (cheaper than float passes over the whole image)
    gamma = u(1.8, 2.6)
    np.maximum(rad, 0, out=rad)
    enc = cv2.pow(np.minimum(rad * _F32(0.5), 1.0), 1.0 / gamma)
    img = cv2.convertScaleAbs(enc, alpha=255.0)
    x = 2.0 * (np.arange(256) / 255.0) ** gamma
    x = np.minimum(x / (1.0 + x * u(0.0, 0.5)), 1.0) ** (1.0 / gamma)
    c = u(-0.15, 0.25)
    x = x + c * (x - 0.5) * (1 - np.abs(2 * x - 1))
    img = cv2.LUT(img, np.clip(x * 255.0 + 0.5, 0, 255).astype(np.uint8))
    if u() < 0.5:   # in-camera sharpening
        amt = u(0.2, 0.9)
        img = cv2.addWeighted(img, 1.0 + amt, cv2.GaussianBlur(img, (0, 0), 1.0), -amt, 0.0)
    q = int(rng.integers(40, 96))
    ok, buf = cv2.imencode('.jpg', cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


# ----------------------------------------------------------------------------------------------------------------------
# thermal


def _conduct(t: np.ndarray, cond: np.ndarray, length_px: float) -> np.ndarray:
    """Lateral conduction: a Gaussian pyramid recombined with per-pixel weights. Detail finer than the conduction
    length (how far heat diffuses over the time the forcing changes, a few cm in concrete) is mostly replaced by the
    coarser level; conductive metal spreads heat further still."""
    levels = [t]
    conds = [cond]
    while len(levels) < 6 and min(levels[-1].shape) >= 8:
        levels.append(cv2.pyrDown(levels[-1]))
        conds.append(cv2.pyrDown(conds[-1]))
    b = levels[-1]
    for i in range(len(levels) - 2, -1, -1):
        up = cv2.pyrUp(b, dstsize=(levels[i].shape[1], levels[i].shape[0]))
        base = min(0.9, 0.9 * length_px / 2.0 ** (i + 1))
        k = np.clip(_F32(base) + conds[i] * _F32(0.6), 0.0, 0.95)
        b = levels[i] + k * (up - levels[i])
    return b


def _thermal(cv: _Canvas, sc: _Scene, spec: FrameSpec) -> tuple[np.ndarray, tuple[float, float], dict]:
    rng = cv.rng
    u = rng.uniform
    tw, th = spec.thermal_width, spec.thermal_height
    ww, wh = min(cv.w, 2 * tw), min(cv.h, 2 * th)
    names = sorted(n for n in cv.maps if n not in ('gloss', 'ao_shade'))   # RGB-only maps stay out
    stack = [cv.alb] + [cv.maps[n] for n in names]
    chans = [cv2.resize(a, (ww, wh), interpolation=cv2.INTER_AREA) for a in stack]
    lo = {n: c for n, c in zip(names, chans[1:], strict=True)}

    def get(n: str) -> np.ndarray | float:
        return lo[n] if n in lo else float(cv.defaults[n])

    alb = chans[0]
    alpha = 1.0 - (alb[..., 0] * _F32(0.3) + alb[..., 1] * _F32(0.55) + alb[..., 2] * _F32(0.15))
    alpha = np.clip(alpha * _F32(1.05), 0.3, 0.97)
    if 'nirw' in lo:    # leaves reflect the near infrared: their solar absorptivity is not what their colour says
        alpha = alpha + lo['nirw'] * (lo['nira'] - alpha)
    emis = np.clip(get('emis'), 0.05, 0.99)
    wet = get('wet')
    ta = sc.ambient
    tk = ta + 273.15
    # wind field: gusty, so convection varies across the frame
    mm_per_work_px = cv.mmpp * cv.w / ww
    gust_px = u(300.0, 1500.0) / mm_per_work_px       # eddies are decimetres to metres across
    wind = np.maximum(0.0, sc.wind * (1.0 + 0.25 * _noise(rng, wh, ww, max(2.0, gust_px))))
    hc = 5.7 + 3.8 * wind
    hr = 4.0 * _SIGMA_SB * tk ** 3 * emis
    hk0 = u(4.0, 12.0)
    couple = np.maximum(get('couple'), 0.02)
    delam = get('delam')
    hk = hk0 * couple
    htot = hc + hr + hk
    tb = ta + sc.bulk_off
    # evaporation: psychrometric flux limited to 1..6 K of cooling for a fully wet surface (humidity, wind)
    wet_dt = 1.0 + 5.0 * float(np.clip((1.0 - sc.rh) * (0.35 + 0.65 * min(sc.wind, 5.0) / 5.0) / 0.7, 0.0, 1.0))
    if sc.indoor:
        wet_dt = max(1.0, wet_dt * 0.6)
    # in sun a wet surface also spends part of what it absorbs on evaporation (energy-limited evaporation)
    evap_sun = 0.35
    wet_dt = min(wet_dt, max(1.0, 6.0 - evap_sun * sc.shade_dt))
    # sun: the load is chosen by the sun/shade contrast it makes on average concrete
    s_load = sc.shade_dt * float(np.mean(htot)) / 0.6 if sc.light == 'sun' else sc.diffuse
    q_sky = emis * sc.sky_def

    def balance(shade: np.ndarray | float, hk: np.ndarray) -> np.ndarray:
        q_sun = alpha * s_load * (shade if sc.light == 'sun' else 1.0)
        h = hc + hr + hk
        q_evap = wet * (wet_dt * h + evap_sun * q_sun)
        return (q_sun + q_sky + (hc + hr) * ta + hk * tb - q_evap) / h

    def lagged(hk: np.ndarray) -> np.ndarray:
        t_now = balance(get('shade'), hk)
        t_past = balance(get('shade_past'), hk) if 'shade_past' in lo else t_now
        return t_now + lag * (t_past - t_now)

    lag = np.clip(sc.lag * np.asarray(get('lag')), 0.0, 0.9)
    t = lagged(hk)
    if 'delam' in lo:
        # delamination: the physics (cover decoupled from the bulk) gives its sign; keep its size in the range seen
        # in the field (0.5..4 K)
        t_ref = lagged(hk0 * (couple + delam * (1.0 - couple)))
        diff = t - t_ref
        core = delam > 0.5
        mx = float(np.max(np.abs(diff)[core])) if core.any() else 0.0
        sign = float(np.sign(np.sum(diff * delam))) or (1.0 if u() < 0.5 else -1.0)
        amp = float(np.clip(max(mx, u(0.5, 2.0)), 0.5, 4.0))
        t = t_ref + delam * _F32(sign * amp)
    t = t + get('dt')
    t = _conduct(t.astype(_F32), np.asarray(get('cond'), _F32) * np.ones_like(t, dtype=_F32),
                 u(6.0, 20.0) / mm_per_work_px)
    t = t + get('dts')      # surface-local: moist crack lines, leaves, buried sources already spread by depth
    if 'fixw' in lo:
        t = t + lo['fixw'] * (lo['fixt'] - t)
    # scene scale: smooth gradient (up to 6 K) and drift
    yy = np.linspace(-0.5, 0.5, wh, dtype=_F32)[:, None]
    xx = np.linspace(-0.5, 0.5, ww, dtype=_F32)[None, :]
    gd = u(0, 2 * np.pi)
    span_m = math.hypot(cv.w, cv.h) * cv.mmpp * 1e-3     # gradients come from metres-scale causes
    grad = u(0, 6.0) * min(1.0, max(0.1, span_m / 1.5))
    t = t + _F32(grad) * (xx * _F32(math.cos(gd)) + yy * _F32(math.sin(gd))) + _F32(u(-1.0, 1.0))
    # what the camera sees: emitted + reflected surroundings (sky outdoors, the tunnel indoors)
    t_refl = ta + (0.0 if sc.indoor else sc.sky_def / 6.0) + u(-2.0, 2.0)
    t_app = emis * t + (1.0 - emis) * t_refl
    # sensor: misregistration, optics blur, area sampling, NETD, fixed pattern, narcissus
    ang = u(0, 2 * np.pi)
    rad = spec.max_misregistration_px * math.sqrt(u(0, 1))
    dx, dy = rad * math.cos(ang), rad * math.sin(ang)
    m = np.float32([[1, 0, dx * ww / tw], [0, 1, dy * wh / th]])
    t_app = cv2.warpAffine(t_app.astype(_F32), m, (ww, wh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    t_app = _blur(t_app, u(0.4, 1.1) * ww / tw)
    out = cv2.resize(t_app, (tw, th), interpolation=cv2.INTER_AREA)
    out += rng.standard_normal((th, tw), dtype=_F32) * _F32(u(0.03, 0.15))
    out += rng.standard_normal((1, tw), dtype=_F32) * _F32(u(0.01, 0.12))
    out += rng.standard_normal((th, 1), dtype=_F32) * _F32(u(0.01, 0.08))
    ry = np.linspace(-1, 1, th, dtype=_F32)[:, None]
    rx = np.linspace(-1, 1, tw, dtype=_F32)[None, :]
    out += _F32(u(-1.2, 0.8)) * (rx * rx + ry * ry) / 2
    out = np.nan_to_num(out, nan=ta, posinf=ta, neginf=ta).astype(_F32)
    meta = {'sun_load_w_m2': round(s_load, 1), 'wind_m_s': round(sc.wind, 2), 'rh': round(sc.rh, 2),
            'sky_deficit_w_m2': round(sc.sky_def, 1), 'wet_cooling_k': round(wet_dt, 2)}
    return out, (round(dx, 4), round(dy, 4)), meta


# ----------------------------------------------------------------------------------------------------------------------


def render(seed: int, spec: FrameSpec) -> SyntheticFrame:
    """Render one labelled RGB + thermal frame of concrete; a pure function of (seed, spec)."""
    h, w = int(spec.height), int(spec.width)
    ss = np.random.SeedSequence([int(seed) & 0xFFFFFFFF, int(seed) >> 32 & 0xFFFFFFFF, 0xA66E])
    rng_scene, rng_tex, rng_def, rng_dis, rng_cam, rng_th = (np.random.default_rng(s) for s in ss.spawn(6))
    sc = _Scene(rng_scene, spec)
    cv = _Canvas(rng_tex, h, w, float(spec.mm_per_px), float(rng_scene.uniform(0.91, 0.96)))
    cv.ldir = sc.ldir
    _base_surface(cv, sc)
    # distractors first: they are part of the surface the defects sit on
    cv.rng = rng_dis
    n_dis = int(rng_dis.poisson(max(0.0, spec.distractor_rate)))
    dis = [str(d) for d in rng_dis.choice(_DISTRACTORS, n_dis)] if n_dis else []
    for d in dis:
        _distractor(cv, sc, d)
    cv.rng = rng_def
    kinds = [str(k) for k in dict.fromkeys(spec.defects) if str(k) in _DEFECTS]
    regions: list[Region] = []
    details: list[dict] = []
    if kinds:
        cells = _partition(rng_def, w, h, len(kinds))
        for kind, cell in zip(kinds, cells, strict=True):
            info: dict = {'kind': kind}
            variant, mask = _DEFECTS[kind](cv, cell, sc, info)
            x0, y0, x1, y1 = cell
            mask[:y0] = False
            mask[y1:] = False
            mask[:, :x0] = False
            mask[:, x1:] = False
            if not mask.any():
                continue
            cv.label[mask] = _KIND_ID[kind]
            ys, xs = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
            box = (int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1)
            regions.append(Region(kind=kind, box=box, variant=variant))
            info['variant'] = variant
            details.append(info)
    rgb = _camera(rng_cam, _radiance(cv, sc), sc)
    thermal, shift, tmeta = _thermal(cv, sc, spec)
    meta = {'family': FAMILY, 'ambient_c': round(sc.ambient, 3), 'distractors': dis, 'misregistration_px': shift,
            'surface': sc.surface, 'lighting': sc.light, 'indoor': sc.indoor, 'mm_per_px': float(spec.mm_per_px),
            'defects': details, **tmeta}
    return SyntheticFrame(rgb=rgb, thermal_c=thermal, label_map=cv.label, regions=tuple(regions), meta=meta)
