"""Training augmentation: flips, RGB-only jitter, RGB dropout."""

from fracturescope_perception_training.fusion.dataset import augment
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


def test_rgb_dropout_blanks_rgb_at_the_given_rate_and_never_thermal() -> None:
    batch = _batch(4000)
    out = augment(batch, 'fused', torch.Generator().manual_seed(3), rgb_dropout=0.3)
    rgb_blank = (out[:, :3] == 0).flatten(1).all(1)
    assert 0.27 < float(rgb_blank.float().mean()) < 0.33
    assert not (out[:, 3] == 0).flatten(1).all(1).any()
    for original, augmented in zip(batch[rgb_blank], out[rgb_blank], strict=True):   # thermal intact
        assert torch.equal(augmented[3], original[3]) or torch.equal(augmented[3], original[3].flip(-1))


def test_no_rgb_dropout_by_default_nor_for_single_modality_models() -> None:
    batch = _batch(500)
    for modality, rate in (('fused', 0.0), ('rgb', 0.5)):
        out = augment(batch[:, :3] if modality == 'rgb' else batch, modality, torch.Generator().manual_seed(4), rate)
        assert not (out == 0).flatten(1).all(1).any()
