"""Training augmentation: flips, RGB jitter and noise, thermal gain, RGB dropout."""

from fracturescope_perception_training.fusion.augmentation import augment
import torch


def _batch(n: int = 64) -> torch.Tensor:
    return torch.rand(n, 4, 8, 8) + 1.0   # strictly positive, so a blanked modality is visible as zeros


def _scaled_copy(augmented: torch.Tensor, original: torch.Tensor) -> bool:
    """augmented == gain * original (up to a horizontal flip) with a gain of 0.75..1.33."""
    for candidate in (original, original.flip(-1)):
        gain = augmented.mean() / candidate.mean()
        if 0.75 <= gain <= 1.334 and torch.allclose(augmented, candidate * gain, rtol=1e-5):
            return True
    return False


def test_thermal_channel_keeps_its_shape_and_sign_up_to_a_flip_and_a_gain() -> None:
    batch = _batch()
    out = augment(batch, 'fused', torch.Generator().manual_seed(1))
    assert all(_scaled_copy(a[3], o[3]) for o, a in zip(batch, out, strict=True))
    gains = out[:, 3].mean((1, 2)) / batch[:, 3].mean((1, 2))
    assert float(gains.min()) < 0.9 and float(gains.max()) > 1.1


def test_never_flipped_vertically() -> None:
    batch = _batch()
    out = augment(batch, 'thermal', torch.Generator().manual_seed(2))
    assert all(_scaled_copy(a[0], o[0]) for o, a in zip(batch, out, strict=True))


def test_rgb_dropout_blanks_rgb_at_the_given_rate_and_never_thermal() -> None:
    batch = _batch(4000)
    out = augment(batch, 'fused', torch.Generator().manual_seed(3), rgb_dropout=0.3)
    rgb_blank = (out[:, :3] == 0).flatten(1).all(1)
    assert 0.27 < float(rgb_blank.float().mean()) < 0.33
    assert not (out[:, 3] == 0).flatten(1).all(1).any()
    assert all(_scaled_copy(a[3], o[3]) for o, a in zip(batch[rgb_blank], out[rgb_blank], strict=True))


def test_no_rgb_dropout_by_default_nor_for_single_modality_models() -> None:
    batch = _batch(500)
    for modality, rate in (('fused', 0.0), ('rgb', 0.5)):
        out = augment(batch[:, :3] if modality == 'rgb' else batch, modality, torch.Generator().manual_seed(4), rate)
        assert not (out == 0).flatten(1).all(1).any()
