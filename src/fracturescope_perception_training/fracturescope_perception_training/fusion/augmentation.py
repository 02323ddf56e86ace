"""A split of the fused data set in memory, as network inputs (the data set is small: 64 px pairs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fracturescope_perception.fusion.preprocessing import Normalisation, to_input
import numpy as np
import torch

from fracturescope_perception_training.fusion.dataset_files import load_manifest, pair_paths, read_pair


@dataclass
class RawSplit:
    rgb: np.ndarray          # N x H x W x 3 uint8
    thermal: np.ndarray      # N x H x W float32 degC
    labels: np.ndarray       # N int64: index into the manifest's classes (-1 for unseen types)
    kinds: list[str]         # class or unseen-type name per sample
    variants: list[str]      # 'normal' or the hard-case name per sample


def load_split(root: Path, group: str) -> RawSplit:
    """Read every pair of a split ('train', 'val', 'test') or of the unseen types ('ood')."""
    manifest = load_manifest(root)
    classes = manifest['classes']
    entries = manifest['samples'][group]
    if not entries:
        raise ValueError(f'{root}: split {group!r} is empty')
    pairs = [read_pair(*pair_paths(Path(root), group, kind, sample_id)) for kind, sample_id, _ in entries]
    return RawSplit(
        rgb=np.stack([p[0] for p in pairs]),
        thermal=np.stack([p[1] for p in pairs]),
        labels=np.array([classes.index(k) if k in classes else -1 for k, _, _ in entries], np.int64),
        kinds=[k for k, _, _ in entries],
        variants=[v for _, _, v in entries],
    )


def as_tensors(split: RawSplit, norm: Normalisation, modality: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs N x C x H x W float32, labels N) ready for a model."""
    x = to_input(split.rgb, split.thermal, norm, modality)
    return torch.from_numpy(x), torch.from_numpy(split.labels)


def augment(batch: torch.Tensor, modality: str, generator: torch.Generator, rgb_dropout: float = 0.0) -> torch.Tensor:
    """Training augmentation: horizontal flips (never vertical: drips and rust runs go down) and, on the RGB
    channels only, brightness / contrast jitter; the thermal channel keeps its physical values.

    Fused input only: with probability `rgb_dropout` a sample's RGB is blanked (set to 0, the mean), so the
    network must also learn the thermal evidence instead of leaning on the colour cues RGB learns faster.
    Thermal is never blanked: 0 thermal contrast is itself a reading ("no thermal signature"), so a blanked leak
    would teach that a dark stain without cooling is a leak, the very rule the dry-stain hard case contradicts."""
    n = batch.shape[0]
    flip = torch.rand(n, generator=generator) < 0.5
    batch = torch.where(flip[:, None, None, None], batch.flip(-1), batch)
    if modality in ('fused', 'rgb'):
        gain = 1.0 + 0.2 * (torch.rand(n, 1, 1, 1, generator=generator) - 0.5)
        shift = 0.2 * (torch.rand(n, 1, 1, 1, generator=generator) - 0.5)
        rgb = batch[:, :3] * gain + shift
        if modality == 'fused' and rgb_dropout > 0:
            keep_rgb = torch.rand(n, generator=generator) >= rgb_dropout
            rgb = rgb * keep_rgb[:, None, None, None]
        batch = torch.cat([rgb, batch[:, 3:]], dim=1)
    return batch
