from pathlib import Path

from fracturescope_perception.thermal_monitor.monitor import ThermalMonitor
from fracturescope_perception_training.thermal_monitor.train import (
    CARD_FILE,
    MonitorTrainConfig,
    data_sha256,
    train_monitor,
)
from fracturescope_sim.equipment_frames import (
    HEIGHT,
    STATES,
    WIDTH,
    Equipment,
    synthesize_frame,
    synthesize_set,
)
import numpy as np
import pytest
import torch

MODELS = Path(__file__).resolve().parents[2] / 'fracturescope_perception' / 'models'
SHIPPED_CARD = MODELS / 'thermal_monitor' / CARD_FILE


def test_frames_are_seeded_and_sized():
    a = synthesize_frame('warm', (1, 2, 3))
    assert a.shape == (HEIGHT, WIDTH) and a.dtype == np.float32
    assert np.array_equal(a, synthesize_frame('warm', (1, 2, 3)))
    assert not np.array_equal(a, synthesize_frame('warm', (1, 2, 4)))
    with pytest.raises(ValueError, match='unknown state'):
        synthesize_frame('melting', (0,))


def test_states_order_by_body_temperature_and_anomalies_are_away_from_hot_points():
    body = Equipment().body
    def body_rise(state):
        frames = [synthesize_frame(state, (4, i)) for i in range(20)]
        return np.mean([f[body[1]:body[3], body[0]:body[2]].mean() - f[:, :3].mean() for f in frames])
    assert body_rise('cold') < 3 < body_rise('warm') < 25 < body_rise('hot')
    known = Equipment().hot_points
    for i in range(20):
        frame = synthesize_frame('anomaly', (5, i))
        y, x = np.unravel_index(np.argmax(frame), frame.shape)
        # the hottest pixel of an anomaly frame sits away from the known hot points (+1 px camera shake)
        hottest_is_new = all(np.hypot(x - p.x, y - p.y) > p.radius for p in known)
        hot_spot_strong = frame.max() - np.median(frame) > 5
        assert hottest_is_new or hot_spot_strong


def test_shipped_model_classifies_fresh_frames_and_alerts_on_anomalies():
    monitor = ThermalMonitor(SHIPPED_CARD, alert_threshold=0.7, threads=1)
    frames, labels = synthesize_set(25, seed=999)
    results = [monitor.assess(f) for f in frames]
    accuracy = np.mean([r.label == STATES[y] for r, y in zip(results, labels, strict=True)])
    assert accuracy > 0.9
    alerts = np.array([r.alert for r in results])
    assert alerts[labels == 3].mean() > 0.8 and alerts[labels != 3].mean() < 0.05
    for r in results[:5]:
        assert sum(r.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
        assert r.alert == (r.anomaly_probability > 0.7)


def test_threshold_is_the_callers_and_bad_frames_are_refused():
    frame = synthesize_frame('anomaly', (7, 7))
    never = ThermalMonitor(SHIPPED_CARD, alert_threshold=1.0)
    assert not never.assess(frame).alert
    with pytest.raises(ValueError, match='0..1'):
        ThermalMonitor(SHIPPED_CARD, alert_threshold=1.5)
    with pytest.raises(ValueError, match='takes'):
        never.assess(np.zeros((24, 30), np.float32))
    bad = frame.copy()
    bad[3, 3] = np.nan
    with pytest.raises(ValueError, match='non-finite'):
        never.assess(bad)


def test_training_exports_a_model_its_card_describes(tmp_path):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        card = train_monitor(tmp_path, MonitorTrainConfig(train_per_state=12, val_per_state=4, test_per_state=4,
                                                          epochs=1, progress=False))
    finally:
        torch.set_num_threads(threads)
    assert card['classes'] == list(STATES)
    frames, labels = synthesize_set(12, 11 * 3 + 1)   # the training set of seed 11
    assert card['version'] == card['training']['data_sha256'][:8] == data_sha256(frames, labels)[:8]
    monitor = ThermalMonitor(tmp_path / CARD_FILE, 0.7)
    result = monitor.assess(synthesize_frame('cold', (1,)))
    assert set(result.probabilities) == set(STATES)
