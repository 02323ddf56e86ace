from collections import Counter
from itertools import groupby, pairwise

from fracturescope_common.image_conversion import as_celsius, numpy_to_image
from fracturescope_sim.equipment_frames import HEIGHT, WIDTH, synthesize_frame
from fracturescope_sim.equipment_thermal_camera import (
    ANOMALY,
    BAD_VARIANTS,
    NORMAL_STATES,
    EquipmentCameraConfig,
    EquipmentThermalCamera,
    StateSequence,
)
import numpy as np
import pytest


def segments(config, frames):
    sequence = StateSequence(config)
    return [(state, len(list(run))) for state, run in groupby(sequence.state(i) for i in range(frames))]


def test_frames_are_deterministic_in_any_order_and_differ_between_seeds():
    config = EquipmentCameraConfig(seed=5, bad_frame_share=0.2, centikelvin_share=0.2)
    forward = [EquipmentThermalCamera(config).frame(i) for i in range(60)]
    camera = EquipmentThermalCamera(config)
    backward = [camera.frame(i) for i in reversed(range(60))][::-1]  # random access: the last frame first
    for a, b in zip(forward, backward, strict=True):
        assert (a.state, a.variant, a.encoding, a.t) == (b.state, b.variant, b.encoding, b.t)
        assert np.array_equal(a.pixels, b.pixels, equal_nan=True)
    other = EquipmentThermalCamera(EquipmentCameraConfig(seed=6)).frame(0)
    assert not np.array_equal(other.pixels, EquipmentThermalCamera(EquipmentCameraConfig(seed=5)).frame(0).pixels)
    assert forward[8].t == pytest.approx(8 / config.fps)


def test_good_frames_are_the_shared_synthesizer_of_the_true_state():
    camera = EquipmentThermalCamera(EquipmentCameraConfig(seed=3, bad_frame_share=0.0, centikelvin_share=0.0))
    for i in range(0, 200, 7):
        frame = camera.frame(i)
        assert frame.variant == 'normal' and frame.encoding == '32FC1' and not frame.bad
        assert np.array_equal(frame.pixels, synthesize_frame(frame.state, (3, i)))
        assert frame.pixels.shape == (HEIGHT, WIDTH) and frame.pixels.dtype == np.float32


def test_state_sequence_dwells_moves_between_neighbouring_loads_and_has_occasional_anomalies():
    config = EquipmentCameraConfig(fps=4.0, mean_dwell_s=8.0, anomaly_share=0.15, mean_anomaly_s=3.0, seed=11)
    runs = segments(config, 20000)
    assert runs[0][0] == 'cold'  # the equipment starts off
    normal = [state for state, _ in runs if state != ANOMALY]
    for a, b in pairwise(normal):  # the load never jumps cold <-> hot, and always changes
        assert abs(NORMAL_STATES.index(a) - NORMAL_STATES.index(b)) == 1, (a, b)
    assert all(a[0] != ANOMALY or b[0] != ANOMALY for a, b in pairwise(runs))
    normal_runs = [n for state, n in runs[:-1] if state != ANOMALY]
    anomaly_runs = [n for state, n in runs[:-1] if state == ANOMALY]
    # exponential dwell times: mean 8 s = 32 frames, anomalies 3 s = 12 frames (rounding, at least one frame)
    assert np.mean(normal_runs) == pytest.approx(32, rel=0.15)
    assert np.mean(anomaly_runs) == pytest.approx(12, rel=0.25)
    assert len(anomaly_runs) / len(normal_runs) == pytest.approx(0.15, abs=0.05)
    states = Counter(state for state, n in runs for _ in range(n))
    assert 0.03 < states[ANOMALY] / sum(states.values()) < 0.12  # mostly normal operation
    assert set(states) == {'cold', 'warm', 'hot', ANOMALY}


def test_no_anomaly_share_means_no_anomalies():
    runs = segments(EquipmentCameraConfig(anomaly_share=0.0, seed=2), 3000)
    assert all(state != ANOMALY for state, _ in runs) and len(runs) > 20


def test_bad_frames_come_at_their_share_without_changing_the_states():
    clean = EquipmentThermalCamera(EquipmentCameraConfig(seed=9, bad_frame_share=0.0))
    noisy = EquipmentThermalCamera(EquipmentCameraConfig(seed=9, bad_frame_share=0.2))
    frames = [noisy.frame(i) for i in range(1500)]
    variants = Counter(f.variant for f in frames)
    assert sum(variants[v] for v in BAD_VARIANTS) / len(frames) == pytest.approx(0.2, abs=0.03)
    assert all(variants[v] > 50 for v in BAD_VARIANTS)
    assert [f.state for f in frames] == [clean.frame(i).state for i in range(1500)]
    assert not any(clean.frame(i).bad for i in range(1500))


def test_bad_variants_are_what_they_claim():
    camera = EquipmentThermalCamera(EquipmentCameraConfig(seed=4, bad_frame_share=1.0))
    frames = [camera.frame(i) for i in range(40)]
    assert all(f.bad for f in frames) and {f.variant for f in frames} == set(BAD_VARIANTS)
    for f in frames:
        if f.variant == 'nan_pixels':  # a few dead pixels, the rest intact
            assert f.encoding == '32FC1' and f.pixels.shape == (HEIGHT, WIDTH)
            assert 1 <= np.isnan(f.pixels).sum() <= 8
            clean = synthesize_frame(f.state, (4, f.index))
            assert np.array_equal(f.pixels[~np.isnan(f.pixels)], clean[~np.isnan(f.pixels)])
        elif f.variant == 'wrong_encoding':
            assert f.encoding == 'mono8' and f.pixels.dtype == np.uint8 and f.pixels.shape == (HEIGHT, WIDTH)
        else:
            assert f.encoding == '32FC1' and f.pixels.shape == (HEIGHT // 2, WIDTH // 2)


def test_centikelvin_frames_read_back_as_the_same_temperatures():
    camera = EquipmentThermalCamera(EquipmentCameraConfig(seed=8, centikelvin_share=1.0, bad_frame_share=0.0))
    frame = camera.frame(3)
    assert frame.variant == 'centikelvin' and frame.encoding == '16UC1' and frame.pixels.dtype == np.uint16
    celsius = as_celsius(numpy_to_image(frame.pixels, '16UC1'))
    np.testing.assert_allclose(celsius, synthesize_frame(frame.state, (8, 3)), atol=0.006)


@pytest.mark.parametrize('change', [{'fps': 0.0}, {'mean_dwell_s': -1.0}, {'anomaly_share': 1.5},
                                    {'bad_frame_share': -0.1}, {'centikelvin_share': 2.0}])
def test_config_refuses_impossible_values(change):
    with pytest.raises(ValueError):
        EquipmentCameraConfig(**change)
