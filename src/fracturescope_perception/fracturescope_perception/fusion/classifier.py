"""The fusion detector at run time: a whole RGB + thermal pair -> defect regions and the frame's verdict
(onnxruntime and numpy only: no torch on the robot).

Everything about the model comes from its card (fusion.card.json beside the ONNX files): classes, input size,
normalisation, thermal background, the variant to run and its calibrated anomaly threshold. The frame is cut into
tiles (frame_tiles), every tile classified in one batch, and tiles that agree on a defect merged into regions.
With `Tiling.dense` the variant's dense file runs the network once over the whole grid and answers for every window
of the tile's size half a tile apart (the card's `dense` section; fracturescope_perception_training dense_head.py
writes it): the same regions from a third of the work, the convolutions near a window's border seeing the
neighbouring surface where a tile saw zero padding.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
import time

import numpy as np
import onnxruntime as ort

from fracturescope_perception.fusion.frame_tiles import FrameTiler, PairError, ThermalBackground, TileBatch, Tiling
from fracturescope_perception.fusion.ood_metrics import anomaly_score
from fracturescope_perception.fusion.preprocessing import Normalisation, network_input
from fracturescope_perception.fusion.registration import Registration
from fracturescope_perception.fusion.tiling import Region, merge_regions

INPUT_NAME, OUTPUT_NAMES = 'pair', ('logits', 'ood_distance')
__all__ = ['Detection', 'FusionClassifier', 'PairError', 'TileScores', 'onnx_session', 'run_onnx', 'softmax']


@dataclass(frozen=True)
class Detection:
    label: str                  # the frame's verdict: a class name, or the card's anomaly label
    confidence: float           # probability of `label` (for an anomaly: the anomaly score), 0..1
    probabilities: np.ndarray   # softmax per class of the deciding tile, in the card's class order
    anomaly_score: float        # highest of the tiles: 0 = like the training data, 1 = far from it
    is_anomaly: bool
    regions: tuple[Region, ...]  # every defect region, most confident first (boxes in RGB pixels)
    seen_box: tuple[int, int, int, int]  # the part of the RGB view both cameras see, RGB pixels
    tiles: int                  # tiles classified
    inference_ms: float         # preprocessing + inference


def onnx_session(path: Path, threads: int, fused: bool = True) -> ort.InferenceSession:
    """A CPU session; `fused=False` runs the graph as written (a QDQ model's convolutions in float on the dequantized
    values): the reference that the integer kernels onnxruntime picks for this CPU must reproduce."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if fused
                                        else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    return ort.InferenceSession(str(path), options, providers=['CPUExecutionProvider'])


def run_onnx(session: ort.InferenceSession, inputs: np.ndarray, batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """(logits N x classes, ood_distance N) over a whole array of inputs."""
    logits, distance = [], []
    for i in range(0, len(inputs), batch_size):
        out = session.run(list(OUTPUT_NAMES), {INPUT_NAME: inputs[i:i + batch_size]})
        logits.append(out[0])
        distance.append(out[1])
    return np.concatenate(logits), np.concatenate(distance)


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class TileScores:
    """What the network said about the tiles (or dense windows) of one pair."""

    boxes: np.ndarray           # N x 4 int, x0 y0 x1 y1 in RGB pixels (end exclusive)
    probabilities: np.ndarray   # N x classes
    anomaly: np.ndarray         # N anomaly scores, 0..1
    seen_box: tuple[int, int, int, int]  # the part of the RGB view both cameras see, RGB pixels


class FusionClassifier:
    def __init__(self, card_path: Path, variant: str = '', threads: int = 1, tiling: Tiling | None = None,
                 registration: Registration | None = None) -> None:
        self.card_path = card_path = Path(card_path)
        self.card = json.loads(card_path.read_text())
        self.variant = variant or self.card['default_variant']
        if self.variant not in self.card['variants']:
            raise ValueError(f'{card_path}: no variant {self.variant!r}; the card has {sorted(self.card["variants"])}')
        spec = self.card['variants'][self.variant]
        self.classes: list[str] = list(self.card['classes'])
        self.anomaly_label: str = self.card['anomaly_label']
        self.size: int = int(self.card['input']['size'])
        self.anomaly_threshold = float(spec['anomaly_threshold'])
        # a tile is a defect when P(none) falls below 1 - defect_threshold (site calibration may raise it)
        self.defect_threshold = float(spec.get('defect_threshold', 0.5))
        self._reference_distance = float(spec['anomaly_reference_distance'])
        self._norm = Normalisation.from_dict(self.card['normalisation'])
        tiling = tiling or Tiling()
        self.tiler = FrameTiler(self.size, ThermalBackground.from_card(self.card['normalisation']), tiling,
                                registration)
        self._dense_stride = self._check_dense(tiling, spec) if tiling.dense else 0
        mode = '-dense' if tiling.dense else ''
        self.model_id = f'{self.card["name"]}-{self.variant}{mode}@{self.card["version"]}'
        self._session = onnx_session(card_path.parent / spec['dense_file' if tiling.dense else 'file'], threads)

    def _check_dense(self, tiling: Tiling, spec: dict) -> int:
        """The dense head's window stride in network pixels, once the card and the tiling allow it."""
        dense = self.card.get('dense')
        if dense is None or 'dense_file' not in spec:
            raise ValueError(f'{self.card_path}: no dense file for variant {self.variant!r} '
                             '(fracturescope-densify-fusion writes them)')
        if tiling.tile_px <= 0:
            raise ValueError('dense inference needs tiles (tile_size_px > 0)')
        stride = int(dense['stride_px'])
        if round(self.size * (1.0 - tiling.overlap)) != stride:
            raise ValueError(f'the dense file answers for windows {stride} of {self.size} network px apart: '
                             f'tile_overlap must be {1 - stride / self.size:g}, not {tiling.overlap:g}')
        if self.tiler.background.method != 'local_median':
            raise ValueError('dense inference needs the local_median thermal background (frame_median is per tile)')
        return stride

    def set_thresholds(self, anomaly_threshold: float, defect_threshold: float) -> None:
        """Per-site thresholds (site_calibration), both 0..1."""
        for name, value in (('anomaly', anomaly_threshold), ('defect', defect_threshold)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f'{name} threshold must be in 0..1, got {value}')
        self.anomaly_threshold, self.defect_threshold = float(anomaly_threshold), float(defect_threshold)

    def scores(self, batch: TileBatch) -> tuple[np.ndarray, np.ndarray]:
        """(class probabilities N x classes, anomaly scores N) of a batch of tiles."""
        if not len(batch.boxes):
            return np.zeros((0, len(self.classes))), np.zeros(0)
        logits, distance = run_onnx(self._session, network_input(batch.rgb, batch.thermal_contrast_k, self._norm))
        return softmax(logits), anomaly_score(distance, self._reference_distance)

    def tile_scores(self, rgb: np.ndarray, thermal_c: np.ndarray) -> TileScores:
        """Class probabilities and anomaly scores of every tile of a pair the thermal camera sees well enough (its
        box cut to where the thermal camera sees: `min_tile_seen` lets a tile reach a little beyond)."""
        if not self._dense_stride:
            batch = self.tiler.tiles(rgb, thermal_c)
            return TileScores(_inside(batch.boxes, batch.seen_box), *self.scores(batch), batch.seen_box)
        grid = self.tiler.grid(rgb, thermal_c, self._dense_stride)
        windows = self.tiler.windows(grid, self._dense_stride)
        contrast = np.nan_to_num(grid.contrast_k, nan=0.0)[None]
        logits, distance = self._session.run(list(OUTPUT_NAMES),
                                             {INPUT_NAME: network_input(grid.rgb[None], contrast, self._norm)})
        seen = grid.seen_share(windows) >= self.tiler.tiling.min_tile_seen
        return TileScores(_inside(grid.to_rgb_pixels(windows[seen]), grid.seen_box), softmax(logits)[seen],
                          anomaly_score(distance, self._reference_distance)[seen], grid.seen_box)

    def tile_labels(self, probabilities: np.ndarray, anomaly: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Per tile: the anomaly label over the anomaly threshold, a defect class when P(none) is under
        1 - defect_threshold, else 'none'; and the confidence of that label."""
        is_anomaly = anomaly > self.anomaly_threshold
        none = self.classes.index('none')
        defects = probabilities.copy()
        defects[:, none] = -1.0
        best = np.where(1.0 - probabilities[:, none] > self.defect_threshold, defects.argmax(1), none)
        labels = [self.anomaly_label if a else self.classes[b] for a, b in zip(is_anomaly, best, strict=True)]
        return labels, np.where(is_anomaly, anomaly, probabilities[np.arange(len(best)), best])

    def regions(self, boxes: np.ndarray, probabilities: np.ndarray, anomaly: np.ndarray) -> list[Region]:
        labels, confidence = self.tile_labels(probabilities, anomaly)
        merged = merge_regions(boxes, labels, confidence, probabilities, anomaly, 'none')
        return [r for r in merged if r.tiles >= self.tiler.tiling.min_region_tiles]

    def detect(self, rgb: np.ndarray, thermal_c: np.ndarray) -> Detection:
        """One pair: H x W x 3 uint8 RGB, H' x W' float32 degC thermal (sizes and views may differ as registered)."""
        start = time.perf_counter()
        scored = self.tile_scores(rgb, thermal_c)
        if not len(scored.boxes):
            raise PairError('no_overlap', 'no tile of the RGB view is seen well enough by the thermal camera')
        probabilities, anomaly = scored.probabilities, scored.anomaly
        regions = tuple(self.regions(scored.boxes, probabilities, anomaly))
        elapsed_ms = (time.perf_counter() - start) * 1e3
        if regions:
            top = regions[0]
            return Detection(top.label, top.confidence, top.scores, float(anomaly.max()),
                             top.label == self.anomaly_label, regions, scored.seen_box, len(scored.boxes), elapsed_ms)
        none = self.classes.index('none')
        least_clean = int(probabilities[:, none].argmin())
        return Detection('none', float(probabilities[least_clean, none]), probabilities[least_clean],
                         float(anomaly.max()), False, (), scored.seen_box, len(scored.boxes), elapsed_ms)


def _inside(boxes: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """`boxes` (N x 4, x0 y0 x1 y1) cut to `box`."""
    x0, y0, x1, y1 = box
    return np.column_stack([np.clip(boxes[:, 0], x0, x1), np.clip(boxes[:, 1], y0, y1),
                            np.clip(boxes[:, 2], x0, x1), np.clip(boxes[:, 3], y0, y1)]).astype(np.int64)
