from fracturescope_sim.concrete_synthesis import (
    CLASSES,
    HARD_CASES,
    UNSEEN_TYPES,
    SynthesisConfig,
    synthesize,
)
import numpy as np
import pytest

CONFIG = SynthesisConfig(size=64, thermal_native=16)


def contrast(thermal: np.ndarray) -> tuple[float, float]:
    """(coldest, warmest) 1 % of the frame relative to its median [degC]."""
    med = float(np.median(thermal))
    return float(np.percentile(thermal, 1)) - med, float(np.percentile(thermal, 99)) - med


def redness(rgb: np.ndarray) -> float:
    """Mean of the 5 % most rust-coloured pixels' R - B."""
    diff = rgb[..., 0].astype(float) - rgb[..., 2].astype(float)
    return float(np.percentile(diff, 95))


def mean_over_seeds(kind, variant, fn, n=12):
    return float(np.mean([fn(synthesize(kind, (5, 1, i), CONFIG, variant)) for i in range(n)]))


def test_same_seed_same_pixels_other_seed_other_pixels():
    a = synthesize('leak', (1, 2, 3), CONFIG)
    b = synthesize('leak', (1, 2, 3), CONFIG)
    c = synthesize('leak', (1, 2, 4), CONFIG)
    assert np.array_equal(a.rgb, b.rgb) and np.array_equal(a.thermal, b.thermal) and a.variant == b.variant
    assert not np.array_equal(a.rgb, c.rgb)
    assert not np.array_equal(a.thermal, c.thermal)


@pytest.mark.parametrize('kind', CLASSES + UNSEEN_TYPES)
def test_every_kind_gives_a_plausible_pair(kind):
    sample = synthesize(kind, (0, 0, 1), CONFIG)
    assert sample.rgb.shape == (64, 64, 3) and sample.rgb.dtype == np.uint8
    assert sample.thermal.shape == (64, 64) and sample.thermal.dtype == np.float32
    assert np.isfinite(sample.thermal).all()
    assert -10.0 < sample.thermal.min() and sample.thermal.max() < 80.0
    assert sample.rgb.std() > 2.0            # textured, not a flat fill


def test_unknown_kind_or_variant_is_refused():
    with pytest.raises(ValueError, match='unknown kind'):
        synthesize('dent', (0,), CONFIG)
    with pytest.raises(ValueError, match='no variant'):
        synthesize('crack', (0,), CONFIG, 'leak_faint')


def test_hard_fraction_draws_hard_cases_in_proportion():
    config = SynthesisConfig(size=32, thermal_native=8, hard_fraction=0.3)
    variants = [synthesize('none', (9, 9, i), config).variant for i in range(200)]
    hard = [v for v in variants if v != 'normal']
    assert 0.2 < len(hard) / len(variants) < 0.4
    assert set(hard) == set(HARD_CASES['none'])


def test_leaks_are_cooler_and_delaminations_warmer_than_clean_concrete():
    clean_cold, clean_warm = (mean_over_seeds('none', 'normal', lambda s, k=k: contrast(s.thermal)[k]) for k in (0, 1))
    assert mean_over_seeds('leak', 'normal', lambda s: contrast(s.thermal)[0]) < clean_cold - 1.0
    assert mean_over_seeds('corrosion', 'normal', lambda s: contrast(s.thermal)[1]) > clean_warm + 1.0
    assert mean_over_seeds('hot_spot', 'normal', lambda s: contrast(s.thermal)[1]) > clean_warm + 5.0


def test_hard_cases_mislead_one_modality():
    clean_red = mean_over_seeds('none', 'normal', lambda s: redness(s.rgb))
    clean_warm = mean_over_seeds('none', 'normal', lambda s: contrast(s.thermal)[1])
    clean_cold = mean_over_seeds('none', 'normal', lambda s: contrast(s.thermal)[0])
    # a rust-coloured stain with no thermal signature
    assert mean_over_seeds('none', 'none_rust_stain', lambda s: redness(s.rgb)) > clean_red + 15
    assert mean_over_seeds('none', 'none_rust_stain', lambda s: contrast(s.thermal)[1]) < clean_warm + 0.3
    # a faint leak: the RGB barely changes, the thermal cooling is as strong as in a plain leak
    faint_cold = mean_over_seeds('leak', 'leak_faint', lambda s: contrast(s.thermal)[0])
    assert faint_cold < clean_cold - 1.0
    clean_dark = mean_over_seeds('none', 'normal', lambda s: np.percentile(s.rgb.mean(axis=2), 5))
    leak_dark = mean_over_seeds('leak', 'normal', lambda s: np.percentile(s.rgb.mean(axis=2), 5))
    faint_dark = mean_over_seeds('leak', 'leak_faint', lambda s: np.percentile(s.rgb.mean(axis=2), 5))
    assert clean_dark - faint_dark < (clean_dark - leak_dark) / 2
