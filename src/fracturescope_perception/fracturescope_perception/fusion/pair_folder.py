"""A folder of real RGB + radiometric thermal camera pairs, with optional region labels (documented layout):

    <folder>/<name>.rgb.png          RGB image (8-bit colour, any size)
    <folder>/<name>.thermal.png      16-bit single-channel counts (centikelvin unless a CountScale says otherwise)
      or <name>.thermal.npy          float degC
    <folder>/<name>.json             optional labels: {"regions": [{"label": "crack", "box": [x0, y0, x1, y1]}]}
                                     boxes in RGB pixels, end exclusive; "regions": [] marks a clean frame

Used by site calibration (clean frames) and by training on your own data (labelled frames).
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path

import cv2
from fracturescope_common.image_conversion import CENTIKELVIN, CountScale
import numpy as np


@dataclass(frozen=True)
class LabelledRegion:
    label: str
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class FolderPair:
    name: str
    rgb_path: Path
    thermal_path: Path
    regions: tuple[LabelledRegion, ...] | None   # None: not labelled

    def read(self, counts: CountScale = CENTIKELVIN) -> tuple[np.ndarray, np.ndarray]:
        """(H x W x 3 uint8 RGB, H' x W' float32 degC)."""
        bgr = cv2.imread(str(self.rgb_path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise ValueError(f'{self.rgb_path}: not an image')
        return np.ascontiguousarray(bgr[..., ::-1]), read_thermal(self.thermal_path, counts)


def read_thermal(path: Path, counts: CountScale = CENTIKELVIN) -> np.ndarray:
    path = Path(path)
    if path.suffix == '.npy':
        return np.load(path).astype(np.float32)
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None or image.dtype != np.uint16 or image.ndim != 2:
        raise ValueError(f'{path}: expected a 16-bit single-channel PNG of counts or a .npy in degC')
    return (image.astype(np.float64) * counts.kelvin_per_count + counts.offset_c).astype(np.float32)


def _regions(path: Path) -> tuple[LabelledRegion, ...] | None:
    if not path.exists():
        return None
    try:
        entries = json.loads(path.read_text())['regions']
        return tuple(LabelledRegion(str(e['label']), tuple(int(v) for v in e['box'])) for e in entries)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f'{path}: expected {{"regions": [{{"label": ..., "box": [x0, y0, x1, y1]}}]}} '
                         f'({error})') from None


def folder_pairs(folder: Path) -> list[FolderPair]:
    """Every pair in the folder, by name; a RGB image without its thermal partner is an error."""
    folder = Path(folder)
    pairs = []
    for rgb in sorted(folder.glob('*.rgb.png')):
        name = rgb.name[:-len('.rgb.png')]
        thermal = [p for p in (folder / f'{name}.thermal.png', folder / f'{name}.thermal.npy') if p.exists()]
        if not thermal:
            raise ValueError(f'{rgb}: no {name}.thermal.png or {name}.thermal.npy beside it')
        pairs.append(FolderPair(name, rgb, thermal[0], _regions(folder / f'{name}.json')))
    if not pairs:
        raise ValueError(f'{folder}: no <name>.rgb.png pairs')
    return pairs
