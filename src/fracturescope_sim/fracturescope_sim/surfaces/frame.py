"""The contract every surface family implements: a spec in, a labelled RGB + thermal frame out.

    render(seed: int, spec: FrameSpec) -> SyntheticFrame

A pure function of (seed, spec): the same arguments give the same bytes on every machine and worker count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

CLASSES = ('crack', 'corrosion', 'leak', 'none')
# Defect types never used for training: the anomaly score must flag them.
UNSEEN_TYPES = ('exposed_rebar', 'foreign_object', 'hot_spot', 'vegetation')
# Index of each kind in SyntheticFrame.label_map; 0 = clean surface (distractors included).
KINDS = ('none', 'crack', 'corrosion', 'leak') + UNSEEN_TYPES
DEFECT_KINDS = KINDS[1:]


@dataclass(frozen=True)
class FrameSpec:
    width: int = 256                       # RGB frame width [px]
    height: int = 256                      # RGB frame height [px]
    thermal_width: int = 64                # native thermal sensor width, same field of view as RGB [px]
    thermal_height: int = 64               # native thermal sensor height [px]
    defects: tuple[str, ...] = ()          # kinds (from DEFECT_KINDS) to place, each once, not overlapping
    mm_per_px: float = 0.5                 # scale of the RGB image on the surface [mm / px]
    distractor_rate: float = 0.5           # expected number of clean-surface distractors in the frame
    ambient_c: float | None = None         # air temperature [degC]; None: the family draws it (0..45 degC)
    max_misregistration_px: float = 2.0    # thermal shifted against RGB by up to this, in thermal pixels


@dataclass(frozen=True)
class Region:
    kind: str                              # one of DEFECT_KINDS
    box: tuple[int, int, int, int]         # x0, y0, x1, y1 in RGB pixels, end exclusive: the visible extent
    variant: str = ''                      # family-specific name of the defect's form (e.g. 'hairline', 'map')


@dataclass(frozen=True)
class SyntheticFrame:
    rgb: np.ndarray                        # height x width x 3 uint8, RGB order, camera effects applied
    thermal_c: np.ndarray                  # thermal_height x thermal_width float32 degC, sensor effects applied
    label_map: np.ndarray                  # height x width uint8, index into KINDS per RGB pixel
    regions: tuple[Region, ...]            # one per placed defect that is visible in the frame
    meta: dict = field(default_factory=dict)  # family, ambient, distractors placed, misregistration, ...

    @property
    def frame_label(self) -> str:
        """The frame's verdict: 'none' when no defect is visible, else the kind covering the most pixels."""
        counts = np.bincount(self.label_map.ravel(), minlength=len(KINDS))
        counts[0] = 0
        return KINDS[int(counts.argmax())] if counts.any() else 'none'
