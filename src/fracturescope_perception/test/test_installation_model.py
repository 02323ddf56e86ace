"""The installation model: learnt from normal frames of one (test-made) installation, it names the state, finds a
hot spot it has never seen as a located excess, ignores ambient and a pixel of shake, and round-trips its files."""

import json

from fracturescope_perception.thermal_monitor.installation_model import (
    ANOMALY,
    InstallationModel,
    LearningSettings,
    heat_contrast,
    propose_states,
)
import numpy as np
import pytest


def learnt(scene, rng, per_state=80):
    states = [s for s in ('cold', 'warm', 'hot') for _ in range(per_state)]
    return InstallationModel.learn(np.stack([scene(s, rng) for s in states]), states, 'test-installation'), states


def test_states_are_named_and_normal_frames_do_not_alert(thermal_scene):
    rng = np.random.default_rng(1)
    model, _ = learnt(thermal_scene, rng)
    assert model.classes == ['cold', 'warm', 'hot', ANOMALY]
    for state in ('cold', 'warm', 'hot'):
        results = [model.assess(thermal_scene(state, rng)) for _ in range(30)]
        assert sum(r.label == state for r in results) >= 29, state
        assert not any(r.anomaly_probability > 0.7 for r in results)
        assert all(abs(sum(r.probabilities.values()) - 1.0) < 1e-9 for r in results)


def test_a_hot_spot_is_found_where_it_is_with_its_excess_at_any_ambient(thermal_scene):
    rng = np.random.default_rng(2)
    model, _ = learnt(thermal_scene, rng)
    for ambient in (0.0, 20.0, 40.0):
        for x, y in ((20, 9), (4, 3), (8, 16)):           # on the pipe, on the wall, on the motor
            result = model.assess(thermal_scene('hot', rng, ambient=ambient, shake=False, spot=(x, y, 8.0)))
            assert result.label == ANOMALY and result.anomaly_probability > 0.7, (ambient, x, y)
            spot = result.hot_spots[0]
            x0, y0, x1, y1 = spot.box
            assert x0 <= x + 1 and x <= x1 and y0 <= y + 1 and y <= y1, (spot.box, x, y)
            assert 5.0 < spot.excess_k < 9.5


def test_anomaly_probability_passes_the_seed_threshold_where_the_excess_passes_detection(thermal_scene):
    rng = np.random.default_rng(3)
    model, _ = learnt(thermal_scene, rng)
    weak = model.assess(thermal_scene('warm', rng, shake=False, spot=(4, 3, 0.5)))
    strong = model.assess(thermal_scene('warm', rng, shake=False, spot=(4, 3, 15.0)))
    assert weak.anomaly_probability < 0.7 < strong.anomaly_probability < 1.0


def test_proposed_states_follow_the_heat_and_agree_with_the_truth(thermal_scene):
    rng = np.random.default_rng(4)
    states = [s for s in ('cold', 'warm', 'hot') for _ in range(40)]
    frames = np.stack([thermal_scene(s, rng) for s in states])
    assert np.mean([p == s for p, s in zip(propose_states(frames), states, strict=True)]) > 0.95
    contrast = heat_contrast(frames)
    assert contrast[:40].mean() < contrast[40:80].mean() < contrast[80:].mean()


def test_files_round_trip_and_bad_input_is_refused(tmp_path, thermal_scene):
    rng = np.random.default_rng(5)
    model, _ = learnt(thermal_scene, rng, per_state=20)
    card = model.save(tmp_path)
    again = InstallationModel.load(card)
    frame = thermal_scene('hot', rng, spot=(20, 9, 8.0))
    assert again.assess(frame) == model.assess(frame)
    assert again.card['installation_id'] == 'test-installation' and again.card['frames_per_state']['hot'] == 20
    older = json.loads(card.read_text())
    card.write_text(json.dumps({**older, 'format': 'fracturescope-thermal-installation/1'}))
    with pytest.raises(ValueError, match='learn it again'):     # its thresholds belong to another excess
        InstallationModel.load(card)
    with pytest.raises(ValueError, match='non-finite'):
        model.assess(np.full((24, 32), np.nan))
    with pytest.raises(ValueError, match='model takes'):
        model.assess(np.zeros((24, 33)))
    with pytest.raises(ValueError, match='not a normal state'):
        InstallationModel.learn(np.stack([thermal_scene('hot', rng) for _ in range(12)]), [ANOMALY] * 12, 'x')


def test_many_states_the_heat_does_not_separate_and_long_recordings_are_bounded(thermal_scene):
    rng = np.random.default_rng(6)
    frames = np.stack([thermal_scene('hot', rng) for _ in range(70)])
    labels = [f'load-{i % 7}' for i in range(70)]                 # 7 user states the heat does not tell apart
    model = InstallationModel.learn(frames, labels, 'x')
    assert len(model.states) == 7
    for frame in frames[:20]:
        assert model.assess(frame).label in model.classes     # never a crash when no state is likely
    bounded = InstallationModel.learn(frames, labels, 'x', LearningSettings(max_frames=40))
    assert bounded.card['frames_learnt'] == 40                # evenly spaced over the recording


def breaker_recording(seed, frames=600, period_s=60.0, tau_s=500.0):
    """A breaker whose heat is level x load^2, the load new every on-period: at one frame a lightly loaded breaker
    at full temperature (hot) looks like a heavily loaded one half way there (warm). Level: first order on/off."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:24, 0:32]
    pattern = 20.0 * np.exp(-((xx - 16) ** 2 + (yy - 12) ** 2) / 18.0)
    level, on, load, t_switch = 0.0, True, 1.0, 0.0
    out, states = [], []
    for k in range(frames):
        t = k * period_s
        if t >= t_switch:
            on, t_switch = not on, t + tau_s * rng.uniform(3.0, 6.0)
            load = rng.uniform(0.5, 1.1) if on else load
        level = on + (level - on) * np.exp(-period_s / tau_s)
        out.append(20.0 + level * load**2 * pattern + rng.normal(0.0, 0.1, (24, 32)))
        states.append('cold' if level < 0.05 else 'hot' if level >= 0.9 else 'warm')
    return np.stack(out), states, np.arange(frames) * period_s


def test_how_the_heat_changes_tells_heating_from_steady_when_one_frame_cannot():
    frames, states, times = breaker_recording(1)
    model = InstallationModel.learn(frames, states, 'breaker', times_s=times)
    assert model.card['frames_with_heat_change'] >= len(frames) - 10
    test_frames, truth, test_times = breaker_recording(2)
    alone = np.mean([model.assess(f).label == s for f, s in zip(test_frames, truth, strict=True)])
    in_order = np.mean([model.assess(f, t).label == s for f, s, t in zip(test_frames, truth, test_times,
                                                                          strict=True)])
    assert in_order > 0.9 and in_order > alone + 0.05, (alone, in_order)
    for bad in (times[::-1], np.where(np.arange(len(times)) == 3, np.nan, times)):
        with pytest.raises(ValueError, match='in order'):
            InstallationModel.learn(frames, states, 'breaker', times_s=bad)
