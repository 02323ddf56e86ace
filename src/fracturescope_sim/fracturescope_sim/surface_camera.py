"""Simulated surface cameras of the inspection robot: whole RGB + thermal frames of concrete from a surface family
(by default the held-out one, never used to train the shipped model), 0 to a few defects per frame, with the ground
truth of each frame and its regions, and (on purpose, a configured share) the bad input a real driver produces now
and then, so the perception node's refusals are exercised through the graph.

A frame is a pure function of (seed, index): a run, a bag and a test see the same scenes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fracturescope_sim.surfaces import renderer
from fracturescope_sim.surfaces.frame import CLASSES, UNSEEN_TYPES, FrameSpec, Region

# What a faulty driver sends (each handled by the perception node with a reason counter):
FAULTS = (
    'nan_temperature',   # dead / saturated thermal pixels reported as NaN
    'wrong_encoding',    # an RGB frame in an encoding the node does not read
    'size_mismatch',     # a thermal frame that cannot show the RGB camera's view (other aspect ratio)
    'empty_image',       # a header with no pixels
    'missing_thermal',   # the thermal frame never arrives: the RGB frame has no partner
)


@dataclass(frozen=True)
class SurfaceCameraConfig:
    seed: int
    class_weights: dict[str, float]      # relative frequency of each class seen by the robot
    unseen_fraction: float               # share of frames showing a defect type never seen in training, 0..1
    fault_fraction: float                # share of frames with one of FAULTS, 0..1
    family: str = 'weathered'            # surface family (fracturescope_sim.surfaces)
    width: int = 640                     # RGB frame [px]
    height: int = 360
    thermal_width: int = 160             # thermal frame, same field of view [px]
    thermal_height: int = 90
    mm_per_px: float = 0.5               # surface scale of the RGB image [mm / px]
    max_defects: int = 2                 # a defect frame shows 1 .. this many defects [count]

    def __post_init__(self) -> None:
        if set(self.class_weights) != set(CLASSES) or min(self.class_weights.values()) < 0:
            raise ValueError(f'class_weights needs a weight >= 0 for each of {CLASSES}')
        for name in ('unseen_fraction', 'fault_fraction'):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f'{name} must be in 0..1')


@dataclass(frozen=True)
class SurfaceFrame:
    rgb: np.ndarray              # H x W x 3 uint8 (RGB order), or the malformed array a fault calls for
    rgb_encoding: str
    thermal: np.ndarray | None   # H' x W' float32 degC; None when the thermal frame is missing
    label: str                   # the frame's verdict: 'none', a class, or an unseen type (the most visible defect)
    variant: str                 # the form of that defect (the family's name for it), or 'normal'
    unseen: bool
    fault: str                   # '' or one of FAULTS
    regions: tuple[Region, ...]  # every defect in view, boxes in RGB pixels


class SurfaceCamera:
    def __init__(self, config: SurfaceCameraConfig) -> None:
        self.config = config
        weights = np.array([config.class_weights[c] for c in CLASSES], np.float64)
        if weights.sum() <= 0:
            raise ValueError('class_weights must not all be 0')
        self._probabilities = weights / weights.sum()

    def frame(self, index: int) -> SurfaceFrame:
        rng = np.random.default_rng(np.random.SeedSequence([self.config.seed, index]))
        c = self.config
        unseen = bool(rng.random() < c.unseen_fraction)
        kind = str(rng.choice(UNSEEN_TYPES)) if unseen else str(rng.choice(CLASSES, p=self._probabilities))
        fault = str(rng.choice(FAULTS)) if rng.random() < c.fault_fraction else ''
        defects: tuple[str, ...] = ()
        if kind != 'none':
            known = [k for k in CLASSES if k not in ('none', kind)]
            extra = int(rng.integers(0, c.max_defects)) if not unseen else 0
            defects = (kind, *(str(k) for k in rng.choice(known, size=min(extra, len(known)), replace=False)))
        spec = FrameSpec(c.width, c.height, c.thermal_width, c.thermal_height, defects, c.mm_per_px, 1.0)
        scene = renderer(c.family)(int(rng.integers(2**31)), spec)
        label = scene.frame_label
        variant = next((r.variant for r in scene.regions if r.kind == label), '') or 'normal'
        rgb, encoding, thermal = scene.rgb, 'rgb8', scene.thermal_c
        if fault == 'nan_temperature':
            thermal = thermal.copy()
            rows, cols = rng.integers(0, thermal.shape[0], 6), rng.integers(0, thermal.shape[1], 6)
            thermal[rows, cols] = np.nan
        elif fault == 'wrong_encoding':
            encoding = 'yuv422'
        elif fault == 'size_mismatch':
            thermal = thermal[:, : thermal.shape[1] * 3 // 4].copy()
        elif fault == 'empty_image':
            rgb = np.zeros((0, 0, 3), np.uint8)
        elif fault == 'missing_thermal':
            thermal = None
        return SurfaceFrame(rgb, encoding, thermal, label, variant, label in UNSEEN_TYPES, fault, scene.regions)
