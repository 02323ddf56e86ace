"""Train and score the tile classifier on TileSets: network inputs by modality, the anomaly model, the published
labels (class or anomaly, as the node decides) and their figures. Shared by the cross-generator study and the
model build, so both report the same quantities."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fracturescope_perception.fusion.ood_metrics import anomaly_score, auroc, calibrate
from fracturescope_perception.fusion.preprocessing import Normalisation, fit_rgb_statistics, network_input
from fracturescope_sim.surfaces.frame import CLASSES
import numpy as np
import torch

from fracturescope_perception_training.fusion.anomaly import (
    MultiLayerGaussians,
    ScoredClassifier,
    fit_multi_layer,
    tap_features,
)
from fracturescope_perception_training.fusion.early_fusion import EarlyFusionCNN
from fracturescope_perception_training.fusion.evaluate import classification_report
from fracturescope_perception_training.fusion.tile_dataset import TileSet
from fracturescope_perception_training.fusion.train import DataInfo, TrainConfig, fit, load_checkpoint

CHANNELS = {'fused': slice(0, 4), 'rgb': slice(0, 3), 'thermal': slice(3, 4)}
ANOMALY_LAYERS = (0, 1, 2)


def tile_inputs(tiles: TileSet, norm: Normalisation, modality: str) -> torch.Tensor:
    return torch.from_numpy(network_input(tiles.rgb, tiles.contrast_k.astype(np.float32), norm)[:, CHANNELS[modality]])


def normalisation_for(train: TileSet, thermal_scale_k: float) -> Normalisation:
    mean, std = fit_rgb_statistics(train.rgb)
    return Normalisation(mean, std, thermal_scale_k)


@dataclass
class TrainedTiles:
    model: EarlyFusionCNN
    norm: Normalisation
    gaussians: MultiLayerGaussians
    reference_distance: float
    threshold: float


def train_tiles(train: TileSet, val: TileSet, out: Path, config: TrainConfig, false_alarm_rate: float,
                model: EarlyFusionCNN | None = None, norm: Normalisation | None = None) -> TrainedTiles:
    """Train (or fine-tune `model`), fit the anomaly model on the training tiles and calibrate its threshold on the
    validation tiles at `false_alarm_rate`."""
    norm = norm or normalisation_for(train, config.thermal_scale_k)
    x_train, x_val = tile_inputs(train, norm, config.modality), tile_inputs(val, norm, config.modality)
    y_train, y_val = torch.from_numpy(train.labels()), torch.from_numpy(val.labels())
    info = DataInfo(list(CLASSES), int(train.rgb.shape[1]), train.sha256())
    fit((x_train, y_train), (x_val, y_val), norm, info, out, config, model)
    best, _ = load_checkpoint(out / 'best_loss.pt')
    return calibrated(best, norm, train, val, false_alarm_rate, config.modality)


def calibrated(model: EarlyFusionCNN, norm: Normalisation, train: TileSet, val: TileSet, false_alarm_rate: float,
               modality: str) -> TrainedTiles:
    x_train, x_val = tile_inputs(train, norm, modality), tile_inputs(val, norm, modality)
    gaussians = fit_multi_layer(tap_features(model, x_train, ANOMALY_LAYERS), train.labels(),
                                tap_features(model, x_val, ANOMALY_LAYERS), len(CLASSES), ANOMALY_LAYERS)
    _, distance = scored_outputs(ScoredClassifier(model, gaussians), x_val)
    calibration = calibrate(distance, false_alarm_rate)
    return TrainedTiles(model, norm, gaussians, calibration.reference_distance, calibration.threshold)


def scored_outputs(scored: ScoredClassifier, x: torch.Tensor, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(logits, distance) of the classifier with its anomaly head."""
    scored.eval()
    logits, distance = [], []
    with torch.no_grad():
        for i in range(0, len(x), batch_size):
            lo, d = scored(x[i:i + batch_size])
            logits.append(lo.numpy())
            distance.append(d.numpy())
    return np.concatenate(logits), np.concatenate(distance)


def published_figures(logits: np.ndarray, scores: np.ndarray, threshold: float, labels: np.ndarray,
                      ood_scores: np.ndarray | None) -> dict:
    """What the node would publish per tile (anomaly over the threshold, else the arg-max class), scored against
    the truth: macro-F1 over the known classes (an anomaly call on a known tile is an error), the share of known
    tiles called anomaly, the closed-set macro-F1 and the unseen types' AUROC."""
    anomaly_index = len(CLASSES)
    predicted = np.where(scores > threshold, anomaly_index, logits.argmax(1))
    published = classification_report(labels, predicted, list(CLASSES) + ['anomaly'])
    closed = classification_report(labels, logits.argmax(1), list(CLASSES))
    figures = {'macro_f1_published': published['macro']['f1'], 'known_as_anomaly': float(np.mean(scores > threshold)),
               'macro_f1_closed_set': closed['macro']['f1'],
               'per_class_f1_published': {c: published['per_class'][c]['f1'] for c in CLASSES},
               'confusion_published': published['confusion'][:len(CLASSES)], 'tiles': int(len(labels))}
    if ood_scores is not None and len(ood_scores):
        figures['unseen_auroc'] = auroc(scores, ood_scores)
        figures['unseen_flagged'] = float(np.mean(ood_scores > threshold))
    return figures


def evaluate_tiles(trained: TrainedTiles, test: TileSet, ood: TileSet | None, modality: str) -> dict:
    scored = ScoredClassifier(trained.model, trained.gaussians)
    logits, distance = scored_outputs(scored, tile_inputs(test, trained.norm, modality))
    scores = anomaly_score(distance, trained.reference_distance)
    ood_scores = None
    if ood is not None and len(ood.kinds):
        ood_scores = anomaly_score(scored_outputs(scored, tile_inputs(ood, trained.norm, modality))[1],
                                   trained.reference_distance)
    return published_figures(logits, scores, trained.threshold, test.labels(), ood_scores)
