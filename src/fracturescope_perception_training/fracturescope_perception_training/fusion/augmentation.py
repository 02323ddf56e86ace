"""Training augmentation of network inputs (N x C x H x W tensors, the channels of one modality)."""

from __future__ import annotations

import torch


def augment(batch: torch.Tensor, modality: str, generator: torch.Generator, rgb_dropout: float = 0.0) -> torch.Tensor:
    """Training augmentation: horizontal flips (never vertical: drips and rust runs go down); on the RGB channels
    brightness, contrast and white-balance jitter and sensor noise; on the thermal channel a contrast gain of
    0.75-1.33 (emissivity and radiometric calibration differ between surfaces and cameras) that keeps its sign and
    shape, so a 2 K contrast stays far from a 20 K one.

    Fused input only: with probability `rgb_dropout` a sample's RGB is blanked (set to 0, the mean), so the
    network must also learn the thermal evidence instead of leaning on the colour cues RGB learns faster.
    Thermal is never blanked: 0 thermal contrast is itself a reading ("no thermal signature"), so a blanked leak
    would teach that a dark stain without cooling is a leak, the very rule the dry-stain hard case contradicts."""
    n = batch.shape[0]
    flip = torch.rand(n, generator=generator) < 0.5
    batch = torch.where(flip[:, None, None, None], batch.flip(-1), batch)
    if modality in ('fused', 'thermal'):
        thermal_gain = torch.exp((torch.rand(n, 1, 1, 1, generator=generator) - 0.5) * 2 * 0.2877)  # ln 1.333
        batch = torch.cat([batch[:, :-1], batch[:, -1:] * thermal_gain], dim=1)
    if modality in ('fused', 'rgb'):
        gain = 1.0 + 0.2 * (torch.rand(n, 1, 1, 1, generator=generator) - 0.5)
        white_balance = 1.0 + 0.2 * (torch.rand(n, 3, 1, 1, generator=generator) - 0.5)
        shift = 0.2 * (torch.rand(n, 1, 1, 1, generator=generator) - 0.5)
        noise = 0.1 * torch.rand(n, 1, 1, 1, generator=generator) * torch.randn(batch[:, :3].shape, generator=generator)
        rgb = batch[:, :3] * gain * white_balance + shift + noise
        if modality == 'fused' and rgb_dropout > 0:
            keep_rgb = torch.rand(n, generator=generator) >= rgb_dropout
            rgb = rgb * keep_rgb[:, None, None, None]
        batch = torch.cat([rgb, batch[:, 3:]], dim=1)
    return batch
