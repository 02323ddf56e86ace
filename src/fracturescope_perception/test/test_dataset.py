"""Training augmentation: flips, RGB-only jitter, modality dropout."""

from fracturescope_perception.fusion.dataset import augment
import torch


def _batch(n: int = 64) -> torch.Tensor:
    return torch.rand(n, 4, 8, 8) + 1.0   # strictly positive, so a blanked modality is visible as zeros


def test_thermal_channel_keeps_its_values_up_to_a_flip() -> None:
    batch = _batch()
    out = augment(batch, 'fused', torch.Generator().manual_seed(1))
    for original, augmented in zip(batch, out, strict=True):
        assert torch.equal(augmented[3], original[3]) or torch.equal(augmented[3], original[3].flip(-1))


def test_never_flipped_vertically() -> None:
    batch = _batch()
    out = augment(batch, 'thermal', torch.Generator().manual_seed(2))
    for original, augmented in zip(batch, out, strict=True):
        assert torch.equal(augmented, original) or torch.equal(augmented, original.flip(-1))


def test_modality_dropout_blanks_one_modality_never_both() -> None:
    batch = _batch(4000)
    out = augment(batch, 'fused', torch.Generator().manual_seed(3), modality_dropout=0.3)
    rgb_blank = (out[:, :3] == 0).flatten(1).all(1)
    thermal_blank = (out[:, 3] == 0).flatten(1).all(1)
    assert not (rgb_blank & thermal_blank).any()
    assert 0.12 < float(rgb_blank.float().mean()) < 0.18
    assert 0.12 < float(thermal_blank.float().mean()) < 0.18


def test_no_modality_dropout_by_default_nor_for_single_modality_models() -> None:
    batch = _batch(500)
    for modality, rate in (('fused', 0.0), ('rgb', 0.5)):
        out = augment(batch[:, :3] if modality == 'rgb' else batch, modality, torch.Generator().manual_seed(4), rate)
        assert not (out == 0).flatten(1).all(1).any()
