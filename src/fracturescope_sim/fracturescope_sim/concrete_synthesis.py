"""Procedural concrete surfaces as paired RGB (uint8) + thermal (float32, degrees Celsius) samples.

The thermal image is its own physical field, not a recoloured RGB image: surface temperature under sun load
depends on absorptivity (darker concrete is warmer), conduction smooths it, and each defect changes it in its own
way (evaporative cooling over a leak, warm delaminated cover over corroding rebar, a thin discontinuity across a
crack). The sensor then sees it at a low native resolution with noise, fixed-pattern noise and an ambient drift
across the frame, and the frame is upsampled to the RGB size.

Every sample is a pure function of (seed triple, kind, size): the same seeds give the same pixels whatever the
number of worker processes, which is what makes the data set reproducible and the split by generator seed exact.

Hard cases make one modality alone misleading, so an ablation can show fusion earning its keep. Each stays
decidable from both together: a case that neither modality can tell from its confuser (a hairline crack invisible
in RGB beside a cold conduit line) teaches a fused network only to fit noise.
RGB misleads (or shows too little):
  crack_hairline     thin, faint crack in RGB (easily lost in texture), clear thermal discontinuity (deep, moist)
  corrosion_faint    faint rust, clear warm delamination patch
  leak_faint         wet darkening faint in RGB, clear evaporative cooling
  none_rust_stain    rust-coloured stain (iron-rich aggregate / paint) with no thermal signature
  none_joint_line    formwork joint: a dark line like a crack in RGB, no thermal signature
  none_dry_stain     old, dried water marks: dark blotch and runs like a leak in RGB, no evaporative cooling
Thermal misleads:
  none_thermal_shadow  cool blob or stripes left by a shadow that has just moved (thermal lag), nothing visible
  none_repair_patch  repair mortar of low thermal inertia: warm under sun like delaminated cover, grey not rust
  none_cold_line     embedded conduit or tie bar: a cool straight line like a crack, nothing visible
Normal cracks have a weak, variable thermal signature (a dry, shallow crack barely shows), so thermal alone is
no reliable crack detector either.
Unseen types (never in training; for the out-of-distribution evaluation): graffiti, exposed_rebar,
foreign_object, hot_spot.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

CLASSES = ('crack', 'corrosion', 'leak', 'none')
UNSEEN_TYPES = ('graffiti', 'exposed_rebar', 'foreign_object', 'hot_spot')
HARD_CASES = {
    'crack': ('crack_hairline',),
    'corrosion': ('corrosion_faint',),
    'leak': ('leak_faint',),
    'none': ('none_rust_stain', 'none_joint_line', 'none_dry_stain',
             'none_thermal_shadow', 'none_repair_patch', 'none_cold_line'),
}


@dataclass(frozen=True)
class SynthesisConfig:
    """Geometry and sensor model of one sample."""

    size: int = 64                  # RGB and (upsampled) thermal side [px]
    thermal_native: int = 16        # native thermal sensor side before upsampling [px]
    hard_fraction: float = 0.3      # share of each class drawn as a hard case [0..1]
    netd_c: float = 0.08            # thermal sensor temporal noise, 1 sigma [degC]
    fixed_pattern_c: float = 0.05   # thermal fixed-pattern (column) noise, 1 sigma [degC]


@dataclass(frozen=True)
class Sample:
    rgb: np.ndarray          # (size, size, 3) uint8, RGB order
    thermal: np.ndarray      # (size, size) float32, degrees Celsius
    kind: str                # class name or unseen type
    variant: str             # 'normal', or the hard-case name


@dataclass
class _Scene:
    """Working buffers: reflectance (RGB, 0..1), the surface temperature offset field and the sun load."""

    albedo: np.ndarray       # (n, n, 3) float32 0..1
    sun_albedo: np.ndarray   # (n, n) float32 0..1: the clean concrete's albedo, which sets the absorbed sun load
    heat: np.ndarray         # (n, n) float32, extra temperature [degC] added by defects
    sun_load_c: float        # temperature rise of a perfectly dark surface in sun [degC]
    rng: np.random.Generator
    n: int


def value_noise(rng: np.random.Generator, n: int, cells: int) -> np.ndarray:
    """Smooth random field in 0..1 on an n x n grid with `cells` lattice cells per side (bicubic)."""
    grid = rng.random((cells + 3, cells + 3), dtype=np.float32)
    field = cv2.resize(grid, (n + 3 * n // cells, n + 3 * n // cells), interpolation=cv2.INTER_CUBIC)
    off = (field.shape[0] - n) // 2
    return np.clip(field[off:off + n, off:off + n], 0.0, 1.0)


def fractal_noise(rng: np.random.Generator, n: int, base_cells: int, octaves: int) -> np.ndarray:
    """Sum of value-noise octaves with halving amplitude, rescaled to 0..1."""
    total = np.zeros((n, n), np.float32)
    amplitude, norm = 1.0, 0.0
    for octave in range(octaves):
        cells = min(base_cells * 2 ** octave, n)
        total += amplitude * value_noise(rng, n, cells)
        norm += amplitude
        amplitude *= 0.5
    return total / norm


def _blob_mask(rng: np.random.Generator, n: int, centre: tuple[float, float], radius: float,
               roughness: float = 0.5) -> np.ndarray:
    """Soft irregular blob 0..1: a disc whose edge is perturbed by noise."""
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32)
    dist = np.hypot(xx - centre[0], yy - centre[1]) / max(radius, 1.0)
    edge = 1.0 + roughness * (fractal_noise(rng, n, 4, 3) - 0.5) * 2.0
    return np.clip((edge - dist) * 3.0, 0.0, 1.0)


def _concrete(rng: np.random.Generator, n: int) -> np.ndarray:
    """Clean concrete reflectance: cement matrix, aggregate, pores, benign stains, formwork marks."""
    base = rng.uniform(0.45, 0.72)
    tint = np.array([1.0, rng.uniform(0.97, 1.01), rng.uniform(0.9, 0.98)], np.float32)
    matrix = base + 0.10 * (fractal_noise(rng, n, max(2, n // 32), 4) - 0.5)
    grain = 0.05 * (rng.random((n, n), dtype=np.float32) - 0.5)
    albedo = (matrix + grain)[..., None] * tint
    # aggregate: small ellipses, lighter or darker than the matrix
    for _ in range(int(rng.integers(n // 4, n // 2))):
        c = (int(rng.integers(0, n)), int(rng.integers(0, n)))
        axes = (int(rng.integers(1, max(2, n // 24))), int(rng.integers(1, max(2, n // 24))))
        shade = float(rng.uniform(-0.12, 0.12))
        cv2.ellipse(albedo, c, axes, float(rng.uniform(0, 180)), 0, 360,
                    tuple(float(v) for v in np.clip(base + shade, 0, 1) * tint), -1)
    # pores: dark pin holes
    for _ in range(int(rng.integers(n // 8, n // 3))):
        c = (int(rng.integers(0, n)), int(rng.integers(0, n)))
        cv2.circle(albedo, c, int(rng.integers(0, 2)), tuple(float(v) for v in (base * 0.45) * tint), -1)
    # benign low-frequency staining and formwork board marks
    stain = fractal_noise(rng, n, 3, 3)
    albedo *= (1.0 - 0.12 * stain)[..., None]
    if rng.random() < 0.5:
        period = rng.uniform(n / 5, n / 2)
        phase = rng.uniform(0, period)
        axis = np.arange(n, dtype=np.float32)
        marks = 0.03 * (np.abs(((axis + phase) % period) - period / 2) < 0.7)
        albedo -= (marks[:, None] if rng.random() < 0.5 else marks[None, :])[..., None]
    return np.clip(albedo, 0.02, 1.0).astype(np.float32)


def _random_walk(rng: np.random.Generator, n: int, start: np.ndarray, heading: float, steps: int,
                 step_len: float, wiggle: float) -> np.ndarray:
    points = [start.astype(np.float32)]
    for _ in range(steps):
        heading += rng.normal(0.0, wiggle)
        points.append(points[-1] + step_len * np.array([np.cos(heading), np.sin(heading)], np.float32))
    return np.array(points)


def _crack_mask(rng: np.random.Generator, n: int, width_scale: float) -> np.ndarray:
    """Thin branching fracture, 0..1 coverage, drawn at 4x and area-averaged for sub-pixel widths."""
    up = 4
    canvas = np.zeros((n * up, n * up), np.float32)
    start = rng.uniform(0.1, 0.9, 2) * n
    heading = rng.uniform(0, 2 * np.pi)
    walks = [(start, heading, int(rng.integers(18, 30)), 1.0)]
    while walks:
        origin, head, steps, width = walks.pop()
        path = _random_walk(rng, n, origin, head, steps, n / 40, 0.35)
        pts = np.round(path * up).astype(np.int32)
        thickness = max(1, int(round(width * width_scale * up)))
        cv2.polylines(canvas, [pts], False, 1.0, thickness, lineType=cv2.LINE_AA)
        if width > 0.4 and len(walks) < 6:
            for _ in range(int(rng.integers(0, 3))):
                k = int(rng.integers(1, len(path)))
                walks.append((path[k], head + rng.choice([-1, 1]) * rng.uniform(0.5, 1.2),
                              max(4, steps // 2), width * 0.6))
    return cv2.resize(canvas, (n, n), interpolation=cv2.INTER_AREA)


def _add_crack(scene: _Scene, hairline: bool) -> None:
    n, rng = scene.n, scene.rng
    # a hairline crack is faint in RGB but there: what tells it from a cold conduit line, which thermal alone cannot
    mask = _crack_mask(rng, n, rng.uniform(0.35, 0.5) if hairline else rng.uniform(0.8, 1.6))
    depth = rng.uniform(0.35, 0.5) if hairline else rng.uniform(0.6, 0.85)
    scene.albedo *= (1.0 - depth * mask)[..., None]
    # air gap breaks conduction: the crack line reads cooler (moisture, cavity radiating to sky); how much
    # depends on depth and moisture, not on the visible width
    thermal_line = cv2.GaussianBlur(_dilate(mask, 1), (0, 0), 0.8)
    contrast = rng.uniform(1.2, 2.2) if hairline else rng.uniform(0.2, 2.0)
    scene.heat -= contrast * thermal_line / max(thermal_line.max(), 1e-6)


def _dilate(mask: np.ndarray, px: int) -> np.ndarray:
    return cv2.dilate(mask, np.ones((2 * px + 1, 2 * px + 1), np.uint8))


def _rebar_lines(rng: np.random.Generator, n: int) -> tuple[bool, list[float]]:
    horizontal = bool(rng.random() < 0.5)
    spacing = rng.uniform(n / 4, n / 2.5)
    first = rng.uniform(0.1 * n, spacing)
    return horizontal, list(np.arange(first, n - 0.05 * n, spacing))


def _along_lines(n: int, horizontal: bool, lines: list[float], half_width: float) -> np.ndarray:
    axis = np.arange(n, dtype=np.float32)
    d = np.min(np.abs(axis[:, None] - np.array(lines, np.float32)[None, :]), axis=1)
    band = np.clip(1.0 - d / half_width, 0.0, 1.0)
    return np.repeat(band[:, None], n, axis=1) if horizontal else np.repeat(band[None, :], n, axis=0)


RUST = np.array([0.55, 0.27, 0.10], np.float32)


def _add_corrosion(scene: _Scene, faint: bool) -> None:
    n, rng = scene.n, scene.rng
    horizontal, lines = _rebar_lines(rng, n)
    band = _along_lines(n, horizontal, lines, rng.uniform(n / 20, n / 10))
    patchy = fractal_noise(rng, n, 4, 3)
    stain = band * np.clip((patchy - 0.35) * 2.5, 0, 1)
    # rust runs down from the bar with gravity
    run = cv2.GaussianBlur(stain, (0, 0), sigmaX=0.5, sigmaY=n / 16)
    run = np.roll(run, int(n / 16), axis=0)
    stain = np.clip(stain + 0.6 * run, 0, 1)
    strength = rng.uniform(0.15, 0.3) if faint else rng.uniform(0.6, 0.9)
    scene.albedo = scene.albedo * (1 - strength * stain[..., None]) + strength * stain[..., None] * RUST
    # spalling: broken-off cover, darker and rougher, along the bar
    delam = np.zeros((n, n), np.float32)
    for line in lines[: int(rng.integers(1, len(lines) + 1))]:
        t = rng.uniform(0.15, 0.85) * n
        centre = (t, line) if horizontal else (line, t)
        delam = np.maximum(delam, _blob_mask(rng, n, centre, rng.uniform(n / 10, n / 5)))
        if not faint and rng.random() < 0.7:
            spall = _blob_mask(rng, n, centre, rng.uniform(n / 16, n / 9), 0.8)
            rough = 0.7 + 0.3 * rng.random((n, n), dtype=np.float32)
            scene.albedo *= (1 - 0.45 * spall * rough)[..., None]
    # delaminated cover over corroding rebar is insulated from the mass behind it: warm under sun load
    scene.heat += rng.uniform(2.0, 4.0) * cv2.GaussianBlur(delam, (0, 0), n / 48)


def _water_marks(rng: np.random.Generator, n: int) -> np.ndarray:
    """A wet (or once wet) patch below its source and the drip trails running down from it, 0..1."""
    source = (rng.uniform(0.2, 0.8) * n, rng.uniform(0.05, 0.4) * n)
    patch = _blob_mask(rng, n, source, rng.uniform(n / 8, n / 4), 0.6)
    trails = np.zeros((n, n), np.float32)
    for _ in range(int(rng.integers(2, 6))):
        x0 = source[0] + rng.normal(0, n / 12)
        path = _random_walk(rng, n, np.array([x0, source[1]]), np.pi / 2, 20, n / 24, 0.08)
        cv2.polylines(trails, [np.round(path).astype(np.int32)], False, 1.0,
                      int(rng.integers(1, max(2, n // 32) + 1)), lineType=cv2.LINE_AA)
    return np.clip(patch + cv2.GaussianBlur(trails, (0, 0), 0.8), 0, 1)


def _add_leak(scene: _Scene, faint: bool) -> None:
    n, rng = scene.n, scene.rng
    wet = _water_marks(rng, n)
    # a faint leak is mostly thermal, but its wet trails still darken the surface a little: what tells it from a
    # thermal shadow (a cool patch or stripe with nothing to see)
    darkening = rng.uniform(0.12, 0.2) if faint else rng.uniform(0.35, 0.55)
    scene.albedo *= (1 - darkening * wet)[..., None] * np.array([1.0, 1.0, 1.03], np.float32)
    if not faint:
        # efflorescence: white salt crust where the water front dries
        front = np.clip(_dilate(wet, 2) - wet, 0, 1) * (fractal_noise(rng, n, 8, 2) > 0.5)
        scene.albedo = scene.albedo * (1 - 0.6 * front[..., None]) + 0.6 * front[..., None] * 0.95
    # evaporative cooling of the wet area
    scene.heat -= rng.uniform(2.0, 4.5) * cv2.GaussianBlur(wet, (0, 0), n / 64)


def _add_rust_stain(scene: _Scene) -> None:
    n, rng = scene.n, scene.rng
    horizontal, lines = _rebar_lines(rng, n)
    band = _along_lines(n, horizontal, lines[:1], rng.uniform(n / 16, n / 8))
    stain = band * np.clip((fractal_noise(rng, n, 4, 3) - 0.3) * 2.5, 0, 1)
    strength = rng.uniform(0.5, 0.85)
    scene.albedo = scene.albedo * (1 - strength * stain[..., None]) + strength * stain[..., None] * RUST
    # paint / iron-rich aggregate has the concrete's emissivity and no delamination: no heat term


def _add_joint_line(scene: _Scene) -> None:
    n, rng = scene.n, scene.rng
    mask = np.zeros((n * 4, n * 4), np.float32)
    a = rng.uniform(0, 1, 2) * n * 4
    heading = rng.uniform(0, np.pi)
    b = a + 6 * n * np.array([np.cos(heading), np.sin(heading)])
    a = a - 6 * n * np.array([np.cos(heading), np.sin(heading)])
    cv2.line(mask, tuple(int(v) for v in a), tuple(int(v) for v in b), 1.0, int(rng.integers(3, 6)), cv2.LINE_AA)
    mask = cv2.resize(mask, (n, n), interpolation=cv2.INTER_AREA)
    scene.albedo *= (1 - rng.uniform(0.55, 0.8) * mask)[..., None]


def _add_thermal_shadow(scene: _Scene) -> None:
    n, rng = scene.n, scene.rng
    if rng.random() < 0.5:
        shade = _blob_mask(rng, n, tuple(rng.uniform(0.2, 0.8, 2) * n), rng.uniform(n / 6, n / 3), 0.3)
    else:
        # railing or cable shadow: cool stripes, in thermal much like drip trails
        shade = np.zeros((n, n), np.float32)
        angle = np.pi / 2 + rng.normal(0, 0.25)
        for _ in range(int(rng.integers(1, 4))):
            x0 = rng.uniform(0.1, 0.9) * n
            a = (x0 - 2 * n * np.cos(angle), -2 * n * np.sin(angle))
            b = (x0 + 2 * n * np.cos(angle), 2 * n * np.sin(angle))
            cv2.line(shade, tuple(int(v) for v in a), tuple(int(v) for v in b), 1.0, max(1, n // 24), cv2.LINE_AA)
    scene.heat -= rng.uniform(2.0, 4.0) * cv2.GaussianBlur(shade, (0, 0), n / 48)


def _add_repair_patch(scene: _Scene) -> None:
    n, rng = scene.n, scene.rng
    # patched where cover once spalled: an irregular outline, like a delamination's
    patch = _blob_mask(rng, n, tuple(rng.uniform(0.25, 0.75, 2) * n), rng.uniform(n / 10, n / 5), 0.6)
    # smooth mortar, a slightly different grey, no rust
    tone = scene.albedo.mean(axis=(0, 1)) * rng.uniform(0.85, 1.1)
    smooth = tone + 0.02 * (fractal_noise(rng, n, 4, 2)[..., None] - 0.5)
    scene.albedo = scene.albedo * (1 - patch[..., None]) + patch[..., None] * smooth
    # low thermal inertia: warms faster under sun load, like delaminated cover
    scene.heat += rng.uniform(2.0, 4.0) * cv2.GaussianBlur(patch, (0, 0), n / 48)


def _add_cold_line(scene: _Scene) -> None:
    n, rng = scene.n, scene.rng
    line = np.zeros((n, n), np.float32)
    p = rng.uniform(0.15, 0.85) * n
    heading = rng.uniform(0, np.pi)
    d = 2 * n * np.array([np.cos(heading), np.sin(heading)])
    centre = np.array([p, rng.uniform(0.15, 0.85) * n])
    cv2.line(line, tuple(int(v) for v in centre - d), tuple(int(v) for v in centre + d), 1.0, 1, cv2.LINE_AA)
    # the conduit sinks heat behind the cover: a cool line, blurred by the cover depth
    scene.heat -= rng.uniform(1.0, 2.2) * cv2.GaussianBlur(line, (0, 0), 0.8) / 0.5


def _add_dry_stain(scene: _Scene) -> None:
    n, rng = scene.n, scene.rng
    stain = _water_marks(rng, n)
    scene.albedo *= (1 - rng.uniform(0.3, 0.5) * stain)[..., None]
    # dry: no evaporation, so no thermal term


def _add_graffiti(scene: _Scene) -> None:
    n, rng = scene.n, scene.rng
    paint = np.zeros((n, n), np.float32)
    colour = rng.choice(np.array([[0.1, 0.3, 0.9], [0.9, 0.1, 0.6], [0.1, 0.8, 0.2], [0.95, 0.85, 0.1]],
                                 np.float32))
    for _ in range(int(rng.integers(2, 5))):
        path = _random_walk(rng, n, rng.uniform(0.2, 0.8, 2) * n, rng.uniform(0, 2 * np.pi), 14, n / 18, 0.6)
        cv2.polylines(paint, [np.round(path).astype(np.int32)], False, 1.0, max(1, n // 20), cv2.LINE_AA)
    paint = cv2.GaussianBlur(paint, (0, 0), 0.6)
    scene.albedo = scene.albedo * (1 - paint[..., None]) + paint[..., None] * colour
    # paint's different emissivity shows as a faint apparent temperature change
    scene.heat += rng.uniform(-0.6, 0.6) * paint


def _add_exposed_rebar(scene: _Scene) -> None:
    n, rng = scene.n, scene.rng
    horizontal, lines = _rebar_lines(rng, n)
    # the cover has spalled off along a stretch of one or two bars, leaving a rough cavity with bare steel
    along = np.arange(n, dtype=np.float32)
    start = rng.uniform(0.0, 0.4) * n
    stretch = ((along > start) & (along < start + rng.uniform(0.45, 0.9) * n)).astype(np.float32)
    stretch_2d = np.repeat(stretch[None, :], n, 0) if horizontal else np.repeat(stretch[:, None], n, 1)
    chosen = lines[: int(rng.integers(1, min(2, len(lines)) + 1))]
    bar = _along_lines(n, horizontal, chosen, max(1.5, n / 28)) * stretch_2d
    cavity = _along_lines(n, horizontal, chosen, n / 9) * stretch_2d
    rough = 0.75 + 0.25 * rng.random((n, n), dtype=np.float32)
    scene.albedo *= (1 - 0.45 * cavity * rough)[..., None]
    # ribbed steel: ribs across the bar catch the light
    ribs = ((along % max(3, n // 16)) < 1).astype(np.float32)
    ribs_2d = np.repeat(ribs[None, :], n, 0) if horizontal else np.repeat(ribs[:, None], n, 1)
    steel = np.array([0.30, 0.27, 0.25], np.float32) + 0.35 * ribs_2d[..., None]
    bar_mask = np.clip(bar * 2.0, 0, 1)[..., None]
    scene.albedo = scene.albedo * (1 - bar_mask) + bar_mask * np.clip(steel, 0, 1)
    # bare steel: low emissivity reflects the cold sky, reads several degrees cooler
    scene.heat -= rng.uniform(4.0, 8.0) * bar_mask[..., 0] + rng.uniform(0.5, 1.5) * cavity


def _add_foreign_object(scene: _Scene) -> None:
    n, rng = scene.n, scene.rng
    centre = rng.uniform(0.25, 0.75, 2) * n
    k = int(rng.integers(3, 7))
    angles = np.sort(rng.uniform(0, 2 * np.pi, k))
    radii = rng.uniform(n / 8, n / 4, k)
    poly = np.stack([centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)], 1)
    mask = np.zeros((n, n), np.float32)
    cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 1.0, cv2.LINE_AA)
    colour = rng.uniform(0.05, 0.95, 3).astype(np.float32)
    shading = 0.8 + 0.4 * fractal_noise(rng, n, 2, 1)
    scene.albedo = scene.albedo * (1 - mask[..., None]) + mask[..., None] * colour * shading[..., None]
    scene.heat += rng.choice([-1, 1]) * rng.uniform(3.0, 10.0) * mask


def _add_hot_spot(scene: _Scene) -> None:
    n, rng = scene.n, scene.rng
    spot = _blob_mask(rng, n, tuple(rng.uniform(0.2, 0.8, 2) * n), rng.uniform(n / 16, n / 8), 0.2)
    # heat source behind the surface (pipe, cable fault): hot core, conduction halo, nothing visible
    scene.heat += rng.uniform(8.0, 25.0) * cv2.GaussianBlur(spot, (0, 0), n / 48)


def _lighting_and_camera(rng: np.random.Generator, albedo: np.ndarray) -> np.ndarray:
    """Illumination gradient, vignetting, exposure, defocus blur and sensor noise; returns uint8 RGB."""
    n = albedo.shape[0]
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float32) / n - 0.5
    angle = rng.uniform(0, 2 * np.pi)
    gradient = 1.0 + rng.uniform(0.0, 0.35) * (np.cos(angle) * xx + np.sin(angle) * yy)
    vignette = 1.0 - rng.uniform(0.0, 0.35) * (xx ** 2 + yy ** 2)
    exposure = rng.uniform(0.75, 1.25)
    white = np.array([1.0, rng.uniform(0.95, 1.05), rng.uniform(0.88, 1.08)], np.float32)
    image = albedo * (exposure * gradient * vignette)[..., None] * white
    sigma = rng.uniform(0.0, 0.8)
    if sigma > 0.25:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    image = image + rng.normal(0.0, rng.uniform(0.005, 0.02), image.shape).astype(np.float32)
    return np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _thermal_camera(scene: _Scene, native: int, config: SynthesisConfig) -> np.ndarray:
    """Surface temperature -> low-resolution microbolometer frame, upsampled to the RGB size [degC]."""
    rng, n = scene.rng, scene.n
    ambient = rng.uniform(5.0, 35.0)
    # defects act on temperature through their own heat terms only, so a stain with no physical cause of heat
    # (paint, iron-rich aggregate) has no thermal signature, as the hard cases need
    absorptivity = 1.0 - scene.sun_albedo
    # conduction smooths the absorbed sun load over a few millimetres
    surface = ambient + scene.sun_load_c * cv2.GaussianBlur(absorptivity, (0, 0), max(1.0, n / 64)) + scene.heat
    frame = cv2.resize(surface, (native, native), interpolation=cv2.INTER_AREA)
    yy, xx = np.mgrid[0:native, 0:native].astype(np.float32) / native - 0.5
    angle = rng.uniform(0, 2 * np.pi)
    drift = rng.uniform(0.0, 1.5) * (np.cos(angle) * xx + np.sin(angle) * yy)   # ambient drift across the frame
    columns = rng.normal(0.0, config.fixed_pattern_c, (1, native)).astype(np.float32)
    noise = rng.normal(0.0, config.netd_c, frame.shape).astype(np.float32)
    frame = frame + drift + columns + noise
    return cv2.resize(frame, (n, n), interpolation=cv2.INTER_LINEAR).astype(np.float32)


_DEFECTS = {
    ('crack', 'normal'): lambda s: _add_crack(s, hairline=False),
    ('crack', 'crack_hairline'): lambda s: _add_crack(s, hairline=True),
    ('corrosion', 'normal'): lambda s: _add_corrosion(s, faint=False),
    ('corrosion', 'corrosion_faint'): lambda s: _add_corrosion(s, faint=True),
    ('leak', 'normal'): lambda s: _add_leak(s, faint=False),
    ('leak', 'leak_faint'): lambda s: _add_leak(s, faint=True),
    ('none', 'normal'): lambda s: None,
    ('none', 'none_rust_stain'): _add_rust_stain,
    ('none', 'none_joint_line'): _add_joint_line,
    ('none', 'none_dry_stain'): _add_dry_stain,
    ('none', 'none_thermal_shadow'): _add_thermal_shadow,
    ('none', 'none_repair_patch'): _add_repair_patch,
    ('none', 'none_cold_line'): _add_cold_line,
    ('graffiti', 'normal'): _add_graffiti,
    ('exposed_rebar', 'normal'): _add_exposed_rebar,
    ('foreign_object', 'normal'): _add_foreign_object,
    ('hot_spot', 'normal'): _add_hot_spot,
}


def choose_variant(kind: str, rng: np.random.Generator, hard_fraction: float) -> str:
    """'normal' or one of the kind's hard cases (hard_fraction of the samples, hard cases equally likely)."""
    hard = HARD_CASES.get(kind, ())
    if hard and rng.random() < hard_fraction:
        return str(hard[int(rng.integers(len(hard)))])
    return 'normal'


def synthesize(kind: str, seed: tuple[int, ...], config: SynthesisConfig, variant: str | None = None) -> Sample:
    """One paired sample of `kind` (a class or an unseen type), a pure function of the seed tuple."""
    if kind not in CLASSES and kind not in UNSEEN_TYPES:
        raise ValueError(f'unknown kind {kind!r}; expected one of {CLASSES + UNSEEN_TYPES}')
    rng = np.random.default_rng(np.random.SeedSequence(list(seed)))
    if variant is None:
        variant = choose_variant(kind, rng, config.hard_fraction)
    if (kind, variant) not in _DEFECTS:
        raise ValueError(f'{kind!r} has no variant {variant!r}')
    n = config.size
    albedo = _concrete(rng, n)
    scene = _Scene(albedo=albedo, sun_albedo=albedo.mean(axis=2), heat=np.zeros((n, n), np.float32),
                   sun_load_c=float(rng.uniform(4.0, 14.0)), rng=rng, n=n)
    _DEFECTS[(kind, variant)](scene)
    scene.albedo = np.clip(scene.albedo, 0.0, 1.0)
    thermal = _thermal_camera(scene, config.thermal_native, config)
    rgb = _lighting_and_camera(rng, scene.albedo)
    return Sample(rgb=rgb, thermal=thermal, kind=kind, variant=variant)
