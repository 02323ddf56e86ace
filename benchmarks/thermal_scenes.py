"""Independent generator of low-resolution thermal frames of industrial equipment (second source of truth).

Sensor: MLX90640-like, 32 x 24 px, ~55 x 35 degree field of view, frames in degrees Celsius (float32, (24, 32)).
Each scene is rendered at UP = 4x resolution as a map of apparent excess over ambient (emissivity already folded
in: bare copper or aluminium cladding reads cooler than painted steel at the same true temperature), displaced by a
camera shake of up to +-1 px (in steps of 1/UP px), blurred by a Gaussian PSF (sigma 0.5-0.8 px), area-averaged to
32 x 24, and given a fixed per-pixel offset pattern (0.1-0.3 K, with the sensor's chess-pattern component) and
temporal noise (0.15-0.5 K at the centre, up to 1.5x in the corners, plus a 0.05 K common-mode term per frame).

Heat level and states. Every installation has a heat level L in [0, 1]: the fraction of its running excess that the
equipment has reached. All equipment excess maps scale with L, so L is also the equipment's mean excess divided by its
running mean excess (at the same loads and burner state). L follows a first-order response with time constant
`tau_s` to the on/off input. Labels:
  - 'cold': L < COLD_MAX_LEVEL (0.05): switched off and back at ambient (mean excess under 5 % of running, i.e. about
    1 K or less for most installations, up to ~4 K for a water heater in a cold room).
  - 'hot':  L >= HOT_MIN_LEVEL (0.90): steady running (loads, burner cycling and small jitter still vary).
  - 'warm': everything in between: heating up or cooling down. `frame('warm')` without a level draws L in
    [0.15, 0.85] (clearly transitional); recordings contain the whole range [0.05, 0.90).
Running excess: pipes 15-45 K, motor housing 15-35 K (bearings +5-10 K), cabinet circuits 3-25 K at nominal load
(heat goes with load squared), cable terminations 8-30 K, water heater body at an absolute setpoint of 55-80 degC
(its excess is setpoint - ambient, with the flue and burner door hotter while the burner fires).

Hot spots. `with_hot_spot` adds `excess_k` uniformly over a size_px x size_px square (sensor pixels) of the render,
on top of what that place normally reads, before blur and sampling, aligned with the sensor grid of that frame (after
shake). That injected value is the nominal excess. After PSF blur the peak pixel reads (noise-free, over the same
frame without the spot; 5-95 % over installations) 20-37 % of it for 1x1, 47-64 % for 2x2, 86-98 % for 3x3 and
93-99 % for 4x4. The returned box (x0, y0, x1, y1) is in that frame's sensor pixels, x1/y1 exclusive. On-equipment
spots cover >= 50 % fault sites (lugs, terminals, bearings, pipe runs, flue, burner door); off-equipment spots keep a
1 px ring clear of the equipment and of the window/lamp (a cabinet's mounting plate counts as background).

Run `python benchmarks/thermal_scenes.py` for a self-check (counts, excess per state, hot-spot contrast, contact sheet).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import math
import time

import numpy as np

KINDS = ('pipes', 'motor', 'cabinet', 'cable_terminations', 'water_heater')
STATES = ('cold', 'warm', 'hot')
SENSOR_H, SENSOR_W = 24, 32
UP = 4  # render oversampling per sensor pixel
MARGIN = UP  # hi-res border so a 1 px shake never samples outside the rendered scene
HI_H, HI_W = SENSOR_H * UP + 2 * MARGIN, SENSOR_W * UP + 2 * MARGIN
COLD_MAX_LEVEL = 0.05
HOT_MIN_LEVEL = 0.90
FOV_DEG = (55.0, 35.0)
# Thermal time constants (s) per kind: short enough that a few hours hold several on/off cycles.
_TAU_S = {'pipes': (240, 600), 'motor': (360, 800), 'cabinet': (360, 800), 'cable_terminations': (360, 720),
          'water_heater': (400, 800)}

# Centres of the hi-res pixels in sensor-pixel units: sensor pixel (i, j) covers y in [i, i+1), x in [j, j+1).
_Y, _X = ((np.mgrid[0:HI_H, 0:HI_W].astype(np.float32) - MARGIN + 0.5) / UP)


@dataclass
class Recording:
    frames: np.ndarray  # (N, 24, 32) float32 degC
    states: list[str]  # per frame: 'cold' | 'warm' | 'hot'
    times_s: np.ndarray  # (N,) seconds since the recording started
    ambient_c: np.ndarray  # (N,) true ambient per frame
    kind: str
    levels: np.ndarray | None = None  # (N,) true heat level L (extra: lets a benchmark skip borderline frames)


def label_for_level(level: float) -> str:
    """The state label of a heat level L (see the module docstring)."""
    if level < COLD_MAX_LEVEL:
        return 'cold'
    return 'hot' if level >= HOT_MIN_LEVEL else 'warm'


def _gauss_matrix(n: int, sigma: float) -> np.ndarray:
    i = np.arange(n, dtype=np.float64)
    k = np.exp(-0.5 * ((i[:, None] - i[None, :]) / sigma) ** 2)
    return k / k.sum(1, keepdims=True)  # renormalised rows: no dark rim at the borders


def _blur(img: np.ndarray, sigma_hi: float) -> np.ndarray:
    return (_gauss_matrix(img.shape[0], sigma_hi) @ img @ _gauss_matrix(img.shape[1], sigma_hi).T).astype(np.float32)


def _sampling_matrix(n_out: int, n_hi: int, shift: int, sigma_hi: float) -> np.ndarray:
    """PSF blur, crop at a shake offset and pixel area integration along one axis, as one (n_out, n_hi) matrix."""
    rows = _gauss_matrix(n_hi, sigma_hi)[MARGIN + shift:MARGIN + shift + n_out * UP]
    return rows.reshape(n_out, UP, n_hi).mean(1).astype(np.float32)


def _polyline(points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray, float]:
    """Distance of every hi-res pixel to a polyline (x, y) and the arc length s of its nearest point."""
    best_d = np.full(_X.shape, np.inf, np.float32)
    best_s = np.zeros(_X.shape, np.float32)
    s0 = 0.0
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:], strict=True):
        dx, dy = x1 - x0, y1 - y0
        seg = math.hypot(dx, dy)
        t = np.clip(((_X - x0) * dx + (_Y - y0) * dy) / (seg * seg), 0.0, 1.0)
        d = np.hypot(_X - x0 - t * dx, _Y - y0 - t * dy)
        closer = d < best_d
        best_d = np.where(closer, d, best_d)
        best_s = np.where(closer, s0 + t * seg, best_s)
        s0 += seg
    return best_d, best_s, s0


def _tube(d: np.ndarray, width: float) -> np.ndarray:
    """A cylinder seen side-on: emissivity drops at grazing angles, so its limbs read cooler than its axis."""
    r = np.clip(d / (width / 2), 0.0, 1.0)
    return 0.8 + 0.2 * np.sqrt(1.0 - r * r)


def _rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return (_X >= x0) & (_X < x1) & (_Y >= y0) & (_Y < y1)


class _Canvas:
    """Running-excess maps per heat group, painted back to front: a later part occludes earlier ones in all groups."""

    def __init__(self) -> None:
        self.maps: dict[str, np.ndarray] = {}
        self.painted = np.zeros(_X.shape, bool)  # hides background features (window, lamp)
        self.equip = np.zeros(_X.shape, bool)  # the equipment proper (not mounting plates)
        self.sites = np.zeros(_X.shape, bool)  # where faults typically develop

    def paint(self, mask: np.ndarray, excess: float | np.ndarray | dict[str, float | np.ndarray],
              site: bool = False, equip: bool = True) -> None:
        parts = excess if isinstance(excess, dict) else {'main': excess}
        for arr in self.maps.values():
            arr[mask] = 0.0
        for group, ex in parts.items():
            arr = self.maps.setdefault(group, np.zeros(_X.shape, np.float32))
            arr[mask] = np.broadcast_to(np.asarray(ex, np.float32), mask.shape)[mask]
        self.painted |= mask
        self.equip[mask] = equip
        self.sites[mask] = site and equip


def _build_pipes(c: _Canvas, rng: np.random.Generator) -> None:
    for _ in range(rng.integers(2, 5)):
        w, e_in, drop = rng.uniform(1.5, 3.5), rng.uniform(15, 45), rng.uniform(0.04, 0.15)
        shape = rng.choice(['h', 'v', 'elbow'])
        if shape == 'h':
            y = rng.uniform(3, 21)
            pts = [(rng.uniform(-2, 8), y), (34.0, y)]
        elif shape == 'v':
            x = rng.uniform(3, 29)
            pts = [(x, rng.uniform(-2, 6)), (x, 26.0)]
        else:
            xc, yc = rng.uniform(8, 24), rng.uniform(6, 18)
            pts = [(float(rng.choice([-2.0, 34.0])), yc), (xc, yc), (xc, float(rng.choice([-2.0, 26.0])))]
        if rng.random() < 0.5:
            pts.reverse()  # flow direction: the fluid cools slightly along the run
        d, s, total = _polyline(pts)
        along = e_in * (1.0 - drop * s / total)
        c.paint(d < w / 2, along * _tube(d, w) * rng.uniform(0.88, 0.95), site=True)
        for _ in range(rng.integers(0, 3)):  # insulated stretches: thicker, clad surface only a few K warm
            a = rng.uniform(0.0, 0.7) * total
            ins = (d < 0.85 * w) & (s >= a) & (s <= a + rng.uniform(0.15, 0.4) * total)
            c.paint(ins, along * _tube(d, 1.7 * w) * rng.uniform(0.05, 0.2), site=True)
        for _ in range(rng.integers(1, 4)):  # bare flanges / valve bodies: more surface, lower emissivity
            sf = rng.uniform(0.1, 0.9) * total
            flange = (d < rng.uniform(0.75, 1.0) * w) & (np.abs(s - sf) < rng.uniform(0.25, 0.6))
            c.paint(flange, e_in * (1.0 - drop * sf / total) * rng.uniform(0.7, 1.0), site=True)


def _build_motor(c: _Canvas, rng: np.random.Generator) -> None:
    vertical = rng.random() < 0.25
    th = math.radians(rng.uniform(-12, 12) + (90.0 if vertical else 0.0))
    length, dia, e = rng.uniform(9, 13), rng.uniform(6, 9), rng.uniform(15, 35)
    cx, cy = (rng.uniform(14, 18), rng.uniform(11, 13)) if vertical else (rng.uniform(12, 19), rng.uniform(9, 15))
    u = (_X - cx) * math.cos(th) + (_Y - cy) * math.sin(th)  # along the shaft, drive end at +u
    v = -(_X - cx) * math.sin(th) + (_Y - cy) * math.cos(th)
    prof = 0.85 + 0.15 * np.sqrt(np.clip(1.0 - (2 * v / dia) ** 2, 0.0, 1.0))

    def box(u0: float, u1: float, half: float) -> np.ndarray:
        return (u >= u0) & (u < u1) & (np.abs(v) < half)

    half = length / 2
    c.paint(box(-0.8 * half, 0.8 * half, dia / 2 + 1.2) & (v > 0), e * 0.3)  # feet conduct heat into the base
    fins = 1.0 + 0.06 * np.cos(2 * np.pi * v / 0.9)  # axial cooling fins: texture mostly lost after blur
    c.paint(box(-half, half, dia / 2), e * prof * fins, site=True)
    ut = rng.uniform(-half / 2, half / 2)
    c.paint((np.abs(u - ut) < 1.5) & (v < -dia / 2 + 0.3) & (v > -dia / 2 - 2.2), e * rng.uniform(0.6, 0.9), site=True)
    for u0 in (half, -half - 1.6):  # end shields; the bearings in them run hotter than the housing
        shield = box(u0, u0 + 1.6, 0.4 * dia)
        c.paint(shield, e * 0.9 * prof)
        c.paint(shield & (np.abs(v) < 0.2 * dia + 0.5), e + rng.uniform(5, 10), site=True)
    fan_len = rng.uniform(1.5, 2.5)  # fan cover draws in ambient air: stays cool
    c.paint(box(-half - 1.6 - fan_len, -half - 1.6, 0.42 * dia), e * rng.uniform(0.15, 0.35) * prof)
    us, ls = half + 1.6, rng.uniform(2, 4)
    c.paint(box(us, us + ls, 0.6), e * np.clip(0.7 - 0.1 * (u - us), 0.2, 0.7))  # shaft carries bearing heat out
    lc = rng.uniform(1.5, 2.5)
    c.paint(box(us + ls, us + ls + lc, 0.3 * dia + 0.5), e * rng.uniform(0.2, 0.35), site=True)  # bare coupling
    c.paint(box(us + ls + lc, us + ls + lc + 3.0, 0.6), e * 0.12)


def _build_cabinet(c: _Canvas, rng: np.random.Generator) -> None:
    # Open cabinet: mounting plate and air warm with the total load ('bus' group), enclosure frame at the border.
    c.paint(_rect(1.0, 0.5, 31.0, 23.5), rng.uniform(1.0, 3.0), equip=False)
    c.maps['bus'] = c.maps.pop('main')
    n = int(rng.integers(3, 9))
    rows = [n] if n <= 4 and rng.random() < 0.6 else [n // 2, n - n // 2]
    y_row = [rng.uniform(6, 12)] if len(rows) == 1 else [rng.uniform(5.5, 7.5), rng.uniform(15.5, 17.5)]
    circuit = 0
    for n_row, yc in zip(rows, y_row, strict=True):
        hb = rng.uniform(5, 6.5)
        y0, y1 = yc - hb / 2, yc + hb / 2
        c.paint(_rect(1.0, y0 - 2.6, 31.0, y0 - 1.0), {'bus': 1.5}, equip=False)  # plastic wiring ducts
        c.paint(_rect(1.0, y1 + 1.0, 31.0, y1 + 2.6), {'bus': 1.5}, equip=False)
        c.paint(_rect(1.0, yc - 0.6, 31.0, yc + 0.6), {'bus': 0.8}, equip=False)  # DIN rail
        widths = rng.uniform(1.8, 2.3, n_row) * rng.choice([1, 1, 2, 3], n_row)
        gaps = rng.uniform(0.3, 1.0, n_row)
        scale = min(1.0, 27.0 / float(widths.sum() + gaps.sum()))
        x = rng.uniform(2.0, 30.0 - scale * float(widths.sum() + gaps.sum()))
        for wb, gap in zip(widths * scale, gaps * scale, strict=True):
            ec, g, xm = rng.uniform(3, 25), f'circuit{circuit}', x + wb / 2
            for ya, yb in ((y0 - 1.0, y0), (y1, y1 + 1.0)):  # cables: heated by their own current and the terminal
                dist = np.where(_Y < y0, y0 - _Y, _Y - y1)
                c.paint(_rect(xm - 0.45, ya, xm + 0.45, yb), {g: ec * (0.45 + 0.3 * np.exp(-dist / 2))}, site=True)
            c.paint(_rect(x, y0, x + wb, y1), {g: ec * 0.55}, site=True)
            for yt in (y0, y1 - 1.1):  # screw terminals: the hottest part of a loaded breaker
                c.paint(_rect(x + 0.2, yt, x + wb - 0.2, yt + 1.1), {g: ec}, site=True)
            x += wb + gap
            circuit += 1
    yb = rng.uniform(21.0, 22.0) if len(rows) == 2 else rng.uniform(y_row[0] + 7.5, 21.5)
    for k in range(3):  # bus bars feeding the row: oxidised copper, emissivity ~0.5-0.8
        c.paint(_rect(1.0, yb - 1.6 * k, 31.0, yb - 1.6 * k + 0.9), {'bus': rng.uniform(4, 10) * rng.uniform(0.5, 0.8)},
                site=True)


def _build_terminations(c: _Canvas, rng: np.random.Generator) -> None:
    pitch, e = rng.uniform(6, 9), rng.uniform(8, 30)
    x0, y_lug = 16 - pitch + rng.uniform(-4, 4), rng.uniform(7, 12)
    c.paint(_rect(x0 - 4.5, -1.0, x0 + 2 * pitch + 4.5, 25.0), 0.05 * e, equip=False)  # steel mounting plate
    for k in range(3):
        xk, fk = x0 + k * pitch, 1.0 + rng.normal(0.0, 0.03)  # balanced phases: within a few percent
        bar = e * rng.uniform(0.35, 0.6) * (0.6 + 0.4 * np.exp(-(y_lug - _Y) / 4))  # bare copper: low emissivity
        c.paint(_rect(xk - 1.0, -2.0, xk + 1.0, y_lug), bar)
        wc, sag = rng.uniform(2.0, 3.0), rng.uniform(-2, 2)
        d, s, _ = _polyline([(xk, y_lug + 1.0), (xk + 0.2 * sag, y_lug + 4.0), (xk + sag, 26.0)])
        c.paint(d < wc / 2, e * fk * (0.45 + 0.4 * np.exp(-s / 3)) * _tube(d, wc), site=True)
        wl = rng.uniform(2.2, 3.0)
        c.paint(_rect(xk - wl / 2, y_lug - 1.2, xk + wl / 2, y_lug + 1.5), e * fk, site=True)  # bolted lug
        c.paint(np.hypot(_X - xk, _Y - y_lug) < 0.6, e * fk * 0.8, site=True)  # bare bolt head: lower emissivity
    c.paint(_rect(x0 - 2.5, y_lug - 5.0, x0 + 2 * pitch + 2.5, y_lug - 3.5), 0.1 * e)  # epoxy support insulator
    if rng.random() < 0.5:  # neutral: carries only the imbalance current
        xn = x0 + 3 * pitch if x0 + 3 * pitch < 31 else x0 - pitch
        c.paint(_rect(xn - 0.7, -2.0, xn + 0.7, 26.0), 0.1 * e, site=True)


def _build_water_heater(c: _Canvas, rng: np.random.Generator) -> float:
    # Maps are in units of (setpoint - ambient): the thermostat holds the body at an absolute temperature.
    w = rng.uniform(9, 13)
    cx, yt, yb, cap = rng.uniform(w / 2 + 2, 30 - w / 2), rng.uniform(5, 8), rng.uniform(22, 26), rng.uniform(1, 2)
    x_edge = -2.0 if rng.random() < 0.5 else 34.0
    for yp, frac in ((yt + rng.uniform(3, 5), 1.0), (yb - rng.uniform(3, 5), rng.uniform(0.6, 0.8))):  # flow, return
        wp = rng.uniform(1.2, 2.0)
        d, _, _ = _polyline([(cx, yp), (x_edge, yp)])
        c.paint(d < wp / 2, frac * 0.85 * _tube(d, wp), site=True)
    fw, yk = rng.uniform(2, 3.5), rng.uniform(0.5, max(1.0, yt - 2.5))
    pts = [(cx, yt + 1.0), (cx, -2.0)] if rng.random() < 0.5 else [(cx, yt + 1.0), (cx, yk), (34.0 - x_edge, yk)]
    d, _, _ = _polyline(pts)
    c.paint(d < fw / 2, {'main': 0.9 * _tube(d, fw), 'burner': rng.uniform(0.4, 1.0) * _tube(d, fw)}, site=True)
    body = _rect(cx - w / 2, yt + cap, cx + w / 2, yb) | (((_X - cx) / (w / 2)) ** 2 + ((_Y - yt - cap) / cap) ** 2 < 1)
    strat = 1.0 + rng.uniform(0.08, 0.2) * (0.5 - (_Y - yt) / (yb - yt))  # hot water rises: top of the tank warmer
    prof = 0.88 + 0.15 * np.sqrt(np.clip(1.0 - ((_X - cx) / (w / 2)) ** 2, 0.0, 1.0))
    c.paint(body, strat * prof, site=True)
    yp = yt + rng.uniform(3, 5)
    c.paint(_rect(cx - 0.3 * w, yp, cx + 0.3 * w, yp + 2.5), 0.5)  # plastic control panel, insulated from the water
    yd = yb - rng.uniform(3.5, 5.0)
    c.paint(_rect(cx - 0.25 * w, yd, cx + 0.25 * w, yd + rng.uniform(2, 3)),
            {'main': 1.0, 'burner': rng.uniform(0.3, 0.7)}, site=True)  # burner door: hot only while firing
    return float(rng.uniform(55, 80))


_BUILDERS: dict[str, Callable[[_Canvas, np.random.Generator], float | None]] = {
    'pipes': _build_pipes, 'motor': _build_motor, 'cabinet': _build_cabinet,
    'cable_terminations': _build_terminations, 'water_heater': _build_water_heater}


def _background(rng: np.random.Generator, painted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Static walls/floor relative to ambient, and the mask of static features (cold window, ceiling lamp)."""
    bg = rng.uniform(1, 2) * (0.5 - _Y / SENSOR_H) + rng.uniform(-0.6, 0.6) * (_X / SENSOR_W - 0.5)  # stratification
    tex = _blur(rng.normal(size=_X.shape).astype(np.float32), 1.5 * UP)
    bg += tex * (rng.uniform(0.1, 0.3) / tex.std())
    if rng.random() < 0.5:
        bg[_Y > rng.uniform(17, 23)] -= rng.uniform(0.3, 1.0)  # floor: cooler than the wall above it
    feat = np.zeros(_X.shape, np.float32)
    if rng.random() < 0.3:  # window: glass shows the cold outside, mullions stay near wall temperature
        wx, wy, ww, wh = rng.uniform(0, 24), rng.uniform(0, 6), rng.uniform(5, 9), rng.uniform(4, 8)
        glass = _rect(wx, wy, wx + ww, wy + wh) & ~_rect(wx + ww / 2 - 0.4, wy, wx + ww / 2 + 0.4, wy + wh)
        feat[glass] = -rng.uniform(2, 8)
    if rng.random() < 0.3:  # ceiling lamp: always on, part of the normal scene
        lx, ly, rx, ry = rng.uniform(2, 30), rng.uniform(0.5, 3), rng.uniform(1.5, 3), rng.uniform(0.7, 1.2)
        feat[((_X - lx) / rx) ** 2 + ((_Y - ly) / ry) ** 2 < 1] = rng.uniform(10, 30)
    feat[painted] = 0.0
    return (bg + feat).astype(np.float32), feat != 0


class Installation:
    """One camera looking at one piece of equipment: fixed geometry, optics and sensor pattern for a (kind, seed)."""

    def __init__(self, kind: str, seed: int) -> None:
        if kind not in KINDS:
            raise ValueError(f'unknown kind {kind!r}; expected one of {KINDS}')
        self.kind, self.seed = kind, seed
        rng = np.random.default_rng([KINDS.index(kind), seed])
        canvas = _Canvas()
        self.setpoint_c = _BUILDERS[kind](canvas, rng)
        flip = rng.random() < 0.5  # mirror the whole layout: margins are symmetric, so this is exact
        self._groups = sorted(canvas.maps)
        maps = np.stack([canvas.maps[g] for g in self._groups])
        # Walls near hot equipment warm up a little (radiation, convection): a faint halo that follows the level.
        halo = np.stack([_blur(m, 2.0 * UP) for m in maps]) * rng.uniform(0.04, 0.08)
        self._maps = np.where(canvas.equip, maps, maps + halo).astype(np.float32)
        self._equip, self._sites = canvas.equip, canvas.sites
        self._bg, self._features = _background(rng, canvas.painted)
        if flip:
            self._maps, self._equip, self._sites = self._maps[..., ::-1], self._equip[:, ::-1], self._sites[:, ::-1]
            self._bg, self._features = self._bg[:, ::-1], self._features[:, ::-1]
        self._maps = np.ascontiguousarray(self._maps)
        self.n_circuits = sum(g.startswith('circuit') for g in self._groups)
        self.tau_s = float(rng.uniform(*_TAU_S[kind]))
        self.psf_sigma_px = float(rng.uniform(0.5, 0.8))
        self.noise_k = float(rng.uniform(0.15, 0.5))
        self.fpn_k = float(rng.uniform(0.1, 0.3))
        self.shake_px = float(rng.uniform(0.15, 0.4))
        self._ay = [_sampling_matrix(SENSOR_H, HI_H, s, self.psf_sigma_px * UP) for s in range(-UP, UP + 1)]
        self._axt = [_sampling_matrix(SENSOR_W, HI_W, s, self.psf_sigma_px * UP).T for s in range(-UP, UP + 1)]
        iy, ix = np.mgrid[0:SENSOR_H, 0:SENSOR_W]
        chess = np.where((iy + ix) % 2 == 0, 0.3, -0.3)  # MLX90640 reads its two sub-pages in a chess pattern
        self._fpn = (self.fpn_k * (rng.normal(size=(SENSOR_H, SENSOR_W)) + chess)).astype(np.float32)
        r2 = ((iy - 11.5) / 11.5) ** 2 + ((ix - 15.5) / 15.5) ** 2
        self._noise_map = (self.noise_k * (1.0 + 0.25 * r2)).astype(np.float32)  # vignetting gain lifts corner noise

    # -- rendering ---------------------------------------------------------------------------------------------------
    def _factors(self, level: float, ambient: float, loads: np.ndarray, burner: float, jitter: float) -> np.ndarray:
        scale = max(self.setpoint_c - ambient, 0.0) if self.setpoint_c is not None else 1.0
        f = np.empty(len(self._groups), np.float32)
        for i, g in enumerate(self._groups):
            if g == 'bus':
                x = float(np.mean(loads)) ** 2 if loads.size else 1.0
            elif g == 'burner':
                x = burner
            elif g.startswith('circuit'):
                x = float(loads[int(g[7:])]) ** 2  # Joule heating goes with current squared
            else:
                x = 1.0
            f[i] = level * x * jitter * scale
        return f

    def _draw_shift(self, rng: np.random.Generator) -> tuple[int, int]:
        sy, sx = np.clip(np.rint(rng.normal(0.0, self.shake_px * UP, 2)), -UP, UP).astype(int)
        return int(sy), int(sx)

    def _render(self, factors: np.ndarray, ambient: float, shift: tuple[int, int], rng: np.random.Generator,
                extra: np.ndarray | None = None, noise: bool = True) -> np.ndarray:
        scene = self._bg + np.tensordot(factors, self._maps, axes=1)
        if extra is not None:
            scene = scene + extra
        out = self._ay[shift[0] + UP] @ scene @ self._axt[shift[1] + UP] + np.float32(ambient)
        if noise:
            out += self._fpn + rng.standard_normal(out.shape).astype(np.float32) * self._noise_map
            out += np.float32(rng.normal(0.0, 0.05))
        return out.astype(np.float32)

    def _conditions(self, state: str, rng: np.random.Generator, level: float | None) -> tuple[float, np.ndarray, float]:
        if state not in STATES:
            raise ValueError(f'unknown state {state!r}; expected one of {STATES}')
        if level is None:
            u = rng.random()  # cold and hot skewed towards fully off / fully on
            level = {'cold': COLD_MAX_LEVEL * u * u, 'warm': 0.15 + 0.7 * u,
                     'hot': 1.0 - (1.0 - HOT_MIN_LEVEL) * u * u}[state]
        elif label_for_level(level) != state:
            raise ValueError(f'level {level} is {label_for_level(level)!r}, not {state!r}')
        loads = rng.uniform(0.4, 1.1, self.n_circuits)
        burner = {'cold': 0.0, 'warm': rng.uniform(0.5, 1.0), 'hot': rng.uniform(0.2, 1.0)}[state]
        return float(level), loads, burner

    def frame(self, state: str, ambient_c: float, rng: np.random.Generator, level: float | None = None) -> np.ndarray:
        """One frame in `state` (level: heat level L, which must lie in that state's range; None = random)."""
        lv, loads, burner = self._conditions(state, rng, level)
        factors = self._factors(lv, ambient_c, loads, burner, 1.0 + rng.normal(0.0, 0.02))
        return self._render(factors, ambient_c, self._draw_shift(rng), rng)

    # -- hot spots ---------------------------------------------------------------------------------------------------
    def _coverage(self, mask: np.ndarray, shift: tuple[int, int]) -> np.ndarray:
        y, x = MARGIN + shift[0], MARGIN + shift[1]
        crop = mask[y:y + SENSOR_H * UP, x:x + SENSOR_W * UP].astype(np.float32)
        return crop.reshape(SENSOR_H, UP, SENSOR_W, UP).mean((1, 3))

    @staticmethod
    def _box_means(cov: np.ndarray, s: int) -> np.ndarray:
        ii = np.pad(cov, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
        return (ii[s:, s:] - ii[:-s, s:] - ii[s:, :-s] + ii[:-s, :-s]) / (s * s)

    def _pick_box(self, shift: tuple[int, int], s: int, on_equipment: bool,
                  rng: np.random.Generator) -> tuple[int, int]:
        equip = self._box_means(self._coverage(self._equip, shift), s)
        if on_equipment:  # at least half of the box on fault sites, else on equipment, else the most equipment
            site = self._box_means(self._coverage(self._sites, shift), s)
            ok = next(m for m in (site >= 0.5, equip >= 0.5, equip >= equip.max()) if m.any())
        else:  # clear of equipment and static features by a 1 px ring, when the scene allows
            busy = np.pad(self._coverage(self._equip | self._features, shift), 1)
            ring = self._box_means(busy, s + 2)
            ok = ring <= 0.0 if (ring <= 0.0).any() else equip <= equip.min()
        cand = np.argwhere(ok)
        y0, x0 = cand[rng.integers(len(cand))]
        return int(y0), int(x0)

    def with_hot_spot(self, state: str, ambient_c: float, rng: np.random.Generator, excess_k: float, size_px: int,
                      on_equipment: bool = True) -> tuple[np.ndarray, tuple[int, int, int, int]]:
        """A frame in `state` with a square hot spot of nominal `excess_k` (K) and side `size_px` (sensor px).

        on_equipment: at a typical fault site (loose lug, bearing, breaker terminal, pipe leak, flue joint); else on
        the background, clear of the equipment. Returns the frame and the box (x0, y0, x1, y1) in this frame's pixels.
        """
        factors, shift, extra, box = self._spot_setup(state, ambient_c, rng, excess_k, size_px, on_equipment)
        return self._render(factors, ambient_c, shift, rng, extra), box

    def _spot_setup(self, state: str, ambient_c: float, rng: np.random.Generator, excess_k: float, size_px: int,
                    on_equipment: bool) -> tuple[np.ndarray, tuple[int, int], np.ndarray, tuple[int, int, int, int]]:
        if not 1 <= size_px <= 8:
            raise ValueError('size_px must be 1..8')
        lv, loads, burner = self._conditions(state, rng, None)
        factors = self._factors(lv, ambient_c, loads, burner, 1.0 + rng.normal(0.0, 0.02))
        shift = self._draw_shift(rng)
        y0, x0 = self._pick_box(shift, size_px, on_equipment, rng)
        extra = np.zeros(_X.shape, np.float32)
        r, c = MARGIN + shift[0] + y0 * UP, MARGIN + shift[1] + x0 * UP
        extra[r:r + size_px * UP, c:c + size_px * UP] = excess_k  # grid-aligned in this frame: the box is exact
        return factors, shift, extra, (x0, y0, x0 + size_px, y0 + size_px)

    # -- recordings --------------------------------------------------------------------------------------------------
    def _schedule(self, times: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Exact first-order level response to random on/off periods; returns level, on-flag, on-period index."""
        tau = self.tau_s

        def duration(running: bool) -> float:
            return tau * (rng.uniform(3.0, 7.0) if running else rng.uniform(4.0, 8.0))

        on = bool(rng.random() < 0.5)
        level = float(on) if rng.random() < 0.7 else float(rng.random())
        t_next, tc, cycle = rng.uniform(0.2, 1.0) * duration(on), 0.0, 0
        levels, ons, cycles = np.empty(len(times)), np.empty(len(times), bool), np.empty(len(times), int)
        for k, tk in enumerate(times):
            while t_next <= tk:
                level = on + (level - on) * math.exp(-(t_next - tc) / tau)
                tc, on = t_next, not on
                cycle += on
                t_next += duration(on)
            level = on + (level - on) * math.exp(-(tk - tc) / tau)
            tc = tk
            levels[k], ons[k], cycles[k] = level, on, cycle
        return levels, ons, cycles

    def record(self, n_frames: int, period_s: float, ambient_c: float, seed: int) -> Recording:
        """Frames every `period_s` with on/off cycles, slowly drifting ambient, and the true state of each frame."""
        rng = np.random.default_rng([KINDS.index(self.kind), self.seed, seed, 7])
        times = np.arange(n_frames, dtype=np.float64) * period_s
        for _ in range(30):  # redraw until all three states occur (possible if the run spans ~10 tau)
            levels, ons, cycles = self._schedule(times, rng)
            if len({label_for_level(v) for v in levels}) == 3:
                break
        # Ambient: part of a daily swing plus slow wander, starting at ambient_c.
        phase, amp = rng.uniform(0, 2 * np.pi), rng.uniform(1.0, 3.0)
        drift = amp * (np.sin(2 * np.pi * times / 86400 + phase) - np.sin(phase))
        for _ in range(3):
            p, a, ph = rng.uniform(3600, 6 * 3600), rng.uniform(0.1, 0.3), rng.uniform(0, 2 * np.pi)
            drift += a * (np.sin(2 * np.pi * times / p + ph) - np.sin(ph))
        ambient = ambient_c + drift
        decay = math.exp(-period_s / 900.0)  # loads and jitter wander over ~15 min
        jitter, wander = 0.0, np.zeros(self.n_circuits)
        loads_by_cycle: dict[int, np.ndarray] = {}
        burner, b_period, b_duty = 0.0, rng.uniform(600, 1200), rng.uniform(0.3, 0.6)
        frames = np.empty((n_frames, SENSOR_H, SENSOR_W), np.float32)
        for k in range(n_frames):
            jitter = decay * jitter + math.sqrt(1 - decay**2) * rng.normal(0.0, 0.02)
            wander = decay * wander + math.sqrt(1 - decay**2) * rng.normal(0.0, 0.05, self.n_circuits)
            base = loads_by_cycle.setdefault(int(cycles[k]), rng.uniform(0.4, 1.1, self.n_circuits))
            # Burner fires continuously while heating, then the thermostat cycles it; the flue lags by ~2 min.
            firing = ons[k] and (levels[k] < HOT_MIN_LEVEL or (times[k] % b_period) < b_duty * b_period)
            target = 1.0 if firing else (0.25 if ons[k] else 0.0)
            burner = target + (burner - target) * math.exp(-period_s / 120.0)
            factors = self._factors(levels[k], ambient[k], base * (1 + wander), burner, 1.0 + jitter)
            frames[k] = self._render(factors, ambient[k], self._draw_shift(rng), rng)
        return Recording(frames, [label_for_level(v) for v in levels], times, ambient, self.kind, levels)


def make_installation(kind: str, seed: int) -> Installation:
    return Installation(kind, seed)


def _hot_spot_contrast(inst: Installation, size: int, excess: float, rng: np.random.Generator) -> float:
    """Noise-free peak reading above the same frame without the spot, for one random on-equipment spot."""
    f, shift, extra, (x0, y0, x1, y1) = inst._spot_setup('hot', 20.0, rng, excess, size, True)
    diff = inst._render(f, 20.0, shift, rng, extra, noise=False) - inst._render(f, 20.0, shift, rng, noise=False)
    return float(diff[y0:y1, x0:x1].max())


if __name__ == '__main__':
    sheet: list[tuple[str, np.ndarray, tuple[int, int, int, int] | None]] = []
    for i, kind in enumerate(KINDS):
        inst = make_installation(kind, seed=i)
        t0 = time.perf_counter()
        rec = inst.record(300, 60.0, ambient_c=5.0 + 7.0 * i, seed=1)
        dt = time.perf_counter() - t0
        exc = rec.frames - rec.ambient_c[:, None, None].astype(np.float32)
        print(f'{kind}: 300 frames in {dt:.2f} s, tau {inst.tau_s:.0f} s, noise {inst.noise_k:.2f} K, '
              f'ambient {rec.ambient_c.min():.1f}..{rec.ambient_c.max():.1f} C')
        for st in STATES:
            sel = np.array([s == st for s in rec.states])
            if sel.any():
                print(f'  {st:>4}: {sel.sum():3d} frames, mean excess {exc[sel].mean():6.2f} K, '
                      f'max excess {exc[sel].max():6.2f} K')
        contrast = {s: np.mean([_hot_spot_contrast(inst, s, 5.0, np.random.default_rng(j)) for j in range(20)])
                    for s in (2, 3, 4)}
        print('  5 K spot reads (noise-free peak): ' + ', '.join(f'{s}x{s} {v:.2f} K' for s, v in contrast.items()))
        rng = np.random.default_rng(0)
        for st in STATES:
            sheet.append((f'{kind} {st}', inst.frame(st, 20.0, rng), None))
        spot, box = inst.with_hot_spot('hot', 20.0, rng, excess_k=8.0, size_px=3)
        sheet.append((f'{kind} hot + 8 K 3x3', spot, box))
        sheet.append((f'{kind} seed 100 hot', make_installation(kind, 100).frame('hot', 20.0, rng), None))
    try:
        import matplotlib

        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        print('matplotlib not available: no contact sheet')
    else:
        fig, axes = plt.subplots(len(KINDS), 5, figsize=(16, 2.6 * len(KINDS)))
        for ax, (title, img, box) in zip(axes.ravel(), sheet, strict=True):
            im = ax.imshow(img, cmap='inferno', interpolation='nearest')
            if box is not None:
                ax.add_patch(plt.Rectangle((box[0] - 0.5, box[1] - 0.5), box[2] - box[0], box[3] - box[1],
                                           fill=False, edgecolor='cyan', linewidth=1))
            ax.set_title(title, fontsize=8)
            ax.axis('off')
            fig.colorbar(im, ax=ax, fraction=0.035)
        fig.tight_layout()
        fig.savefig('/tmp/thermal_scenes.png', dpi=80)
        print('contact sheet: /tmp/thermal_scenes.png')
