"""x2 super-resolution of the mROI (paper IV.D.1, Fig. 9): Fast-ESPCN in onnxruntime, or bicubic, or none.

Fast-ESPCN: convolutions at the low resolution with growing channel counts (1 -> 8 -> 16 -> v^2 = 4), then a
sub-pixel convolution (pixel shuffle) to 2H x 2W. The network predicts a residual over nearest-neighbour
upsampling, which trains in minutes on this machine's CPU. Trained by `fracturescope-edge-eye-train-espcn`
(espcn_training.py) on rendered furnace views; the ONNX file ships in models/.
"""

from pathlib import Path
from typing import Protocol

import cv2
import numpy as np


class Upsampler(Protocol):
    factor: int

    def upsample(self, images: list[np.ndarray]) -> list[np.ndarray]:
        """uint8 grey images -> uint8 images `factor` times larger."""


class NoUpsampler:
    factor = 1

    def upsample(self, images: list[np.ndarray]) -> list[np.ndarray]:
        return images


class BicubicUpsampler:
    factor = 2

    def upsample(self, images: list[np.ndarray]) -> list[np.ndarray]:
        return [cv2.resize(im, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC) for im in images]


class EspcnUpsampler:
    """The Fast-ESPCN ONNX model (input N x 1 x H x W float in [0, 1], output N x 1 x 2H x 2W)."""

    factor = 2

    def __init__(self, model_path: str | Path, threads: int = 1) -> None:
        import onnxruntime as ort  # imported here: the bicubic / none options need no onnxruntime

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if not Path(model_path).is_file():
            raise FileNotFoundError(f'Fast-ESPCN model {model_path} not found: rebuild it with '
                                    'fracturescope-edge-eye-train-espcn')
        self._session = ort.InferenceSession(str(model_path), options, providers=['CPUExecutionProvider'])
        self._input = self._session.get_inputs()[0].name

    def upsample(self, images: list[np.ndarray]) -> list[np.ndarray]:
        # Same-shape images (both mROIs, usually) run as one batch.
        shapes: dict[tuple[int, int], list[int]] = {}
        for i, im in enumerate(images):
            shapes.setdefault(im.shape, []).append(i)
        results: dict[int, np.ndarray] = {}
        for indices in shapes.values():
            batch = np.stack([images[i] for i in indices])[:, None].astype(np.float32) * (1.0 / 255.0)
            (y,) = self._session.run(None, {self._input: batch})
            for j, i in enumerate(indices):
                results[i] = np.clip(y[j, 0] * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return [results[i] for i in range(len(images))]


def make_upsampler(kind: str, model_path: str | Path, threads: int = 1) -> Upsampler:
    if kind == 'espcn':
        return EspcnUpsampler(model_path, threads)
    if kind == 'bicubic':
        return BicubicUpsampler()
    if kind == 'none':
        return NoUpsampler()
    raise ValueError(f'unknown super-resolution {kind!r}: espcn, bicubic or none')
