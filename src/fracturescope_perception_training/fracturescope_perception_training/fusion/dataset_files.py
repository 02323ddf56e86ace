"""On-disk layout of the fused data set, shared by the writer (synthesis) and the reader (training, calibration).

    <root>/manifest.json
    <root>/<split>/<class>/visual/<id>.png     RGB, 8 bit
    <root>/<split>/<class>/thermal/<id>.png    temperature, 16-bit PNG in centikelvin: T[degC] = v / 100 - 273.15
    <root>/ood/<type>/visual|thermal/<id>.png  unseen anomaly types (never trained on)

Centikelvin in 16 bits is the radiometric convention of thermal cameras (and what a 16UC1 thermal Image carries):
0.01 K steps, far below the sensor noise, over -273 .. +382 degC, losslessly compressed.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
from fracturescope_common.image_conversion import celsius_to_centikelvin, centikelvin_to_celsius
import numpy as np

MANIFEST = 'manifest.json'


def encode_pair(rgb: np.ndarray, thermal_c: np.ndarray) -> tuple[bytes, bytes]:
    """PNG bytes of the RGB image and of the centikelvin thermal image."""
    ok_v, visual = cv2.imencode('.png', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    ok_t, thermal = cv2.imencode('.png', celsius_to_centikelvin(thermal_c))
    if not (ok_v and ok_t):
        raise RuntimeError('PNG encoding failed')
    return visual.tobytes(), thermal.tobytes()


def pair_paths(root: Path, group: str, kind: str, sample_id: str) -> tuple[Path, Path]:
    """(visual, thermal) paths of one sample; group is a split name or 'ood'."""
    base = Path(root) / group / kind
    return base / 'visual' / f'{sample_id}.png', base / 'thermal' / f'{sample_id}.png'


def read_pair(visual_path: Path, thermal_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(RGB uint8 HxWx3, thermal float32 HxW degC) from the two files."""
    bgr = cv2.imread(str(visual_path), cv2.IMREAD_COLOR)
    ck = cv2.imread(str(thermal_path), cv2.IMREAD_UNCHANGED)
    if bgr is None or ck is None:
        raise FileNotFoundError(f'cannot read the pair {visual_path}, {thermal_path}')
    if ck.dtype != np.uint16 or ck.shape != bgr.shape[:2]:
        raise ValueError(f'{thermal_path}: expected a 16-bit image of {bgr.shape[:2]}, got {ck.dtype} {ck.shape}')
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), centikelvin_to_celsius(ck)


def load_manifest(root: Path) -> dict:
    with open(Path(root) / MANIFEST) as f:
        return json.load(f)
