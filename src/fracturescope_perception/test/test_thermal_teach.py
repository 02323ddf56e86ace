"""Teach-in from a recording: propose states as time ranges, the user corrects the file, learn writes a card the
monitor loads; the node's teach-in from live frames. (`record` subscribes to a live topic:
tests/perception/test_thermal_monitor_graph.py runs it in a graph.)"""

from fracturescope_perception.thermal_monitor.installation_model import InstallationModel
from fracturescope_perception.thermal_monitor.recording import Recording, labels_of, ranges_of, read_labels
from fracturescope_perception.thermal_monitor.teach_cli import main
from fracturescope_perception.thermal_monitor.teach_in import TeachIn
import numpy as np
import pytest
import yaml


def a_day(scene, rng):
    """Off, heating up, running, cooling down, off: a frame a minute."""
    states = ['cold'] * 40 + ['warm'] * 15 + ['hot'] * 60 + ['warm'] * 15 + ['cold'] * 40
    return Recording(np.stack([scene(s, rng) for s in states]), np.arange(len(states)) * 60.0), states


def test_ranges_and_labels_round_trip():
    states = ['cold', 'cold', 'hot', 'hot', 'cold']
    times = np.arange(5) * 10.0
    ranges = ranges_of(states, times)
    assert [r['state'] for r in ranges] == ['cold', 'hot', 'cold']
    assert labels_of(ranges, times) == states
    assert labels_of(ranges[:1], times) == ['cold', 'cold', None, None, None]
    odd = np.array([0.0, 0.6, 1.2346, 1.8])                       # a start that rounding would move before its frame
    assert labels_of(ranges_of(['cold', 'cold', 'hot', 'hot'], odd), odd) == ['cold', 'cold', 'hot', 'hot']


def test_propose_correct_learn_end_to_end(tmp_path, thermal_scene):
    recording, truth = a_day(thermal_scene, np.random.default_rng(7))
    recording.save(tmp_path / 'rec.npz')
    assert main(['propose', str(tmp_path / 'rec.npz'), str(tmp_path / 'labels.yaml'),
                 '--installation-id', 'pump-room']) == 0
    installation, ranges = read_labels(tmp_path / 'labels.yaml')
    proposed = labels_of(ranges, recording.times_s)
    assert installation == 'pump-room' and np.mean([p == t for p, t in zip(proposed, truth, strict=True)]) > 0.9
    # the user renames the states and leaves the first 10 minutes out
    for entry in ranges:
        entry['state'] = {'cold': 'off', 'warm': 'ramping', 'hot': 'running'}[entry['state']]
    ranges[0]['from_s'] = 600.0
    (tmp_path / 'labels.yaml').write_text(yaml.safe_dump({'installation_id': 'pump-room', 'states': ranges}))
    assert main(['learn', str(tmp_path / 'rec.npz'), str(tmp_path / 'labels.yaml'), str(tmp_path / 'models')]) == 0
    model = InstallationModel.load(tmp_path / 'models' / 'pump-room.card.json')
    assert model.states == ['off', 'ramping', 'running'] and model.card['frames_learnt'] == 160
    assert model.assess(thermal_scene('hot', np.random.default_rng(8))).label == 'running'


def test_errors_exit_2_and_too_few_frames_exit_1(tmp_path, capsys, thermal_scene):
    assert main(['learn', str(tmp_path / 'absent.npz'), str(tmp_path / 'l.yaml'), str(tmp_path)]) == 2
    recording, _ = a_day(thermal_scene, np.random.default_rng(9))
    recording.save(tmp_path / 'rec.npz')
    (tmp_path / 'l.yaml').write_text(yaml.safe_dump({'installation_id': 'x', 'states': [
        {'state': 'cold', 'from_s': 0, 'to_s': 120}]}))
    assert main(['learn', str(tmp_path / 'rec.npz'), str(tmp_path / 'l.yaml'), str(tmp_path)]) == 1
    (tmp_path / 'l.yaml').write_text('states: [{state: cold, from_s: 5, to_s: 1}]')
    assert main(['learn', str(tmp_path / 'rec.npz'), str(tmp_path / 'l.yaml'), str(tmp_path)]) == 2
    assert 'from_s < to_s' in capsys.readouterr().err


def test_the_nodes_teach_in_learns_from_live_frames_with_their_times(tmp_path, thermal_scene):
    rng = np.random.default_rng(8)
    recording, states = a_day(thermal_scene, rng)
    with pytest.raises(ValueError, match='at least'):
        TeachIn('boiler', 5, tmp_path)
    with pytest.raises(ValueError, match='letters'):
        TeachIn('../boiler', 50, tmp_path)
    teach = TeachIn('boiler', len(states), tmp_path)
    done = [teach.add(frame, 1000.0 + t) for frame, t in zip(recording.frames, recording.times_s, strict=True)]
    assert done[-1] and not any(done[:-1])
    model, card = teach.learn()
    assert card == tmp_path / 'boiler.card.json' and InstallationModel.load(card).installation_id == 'boiler'
    assert model.card['frames_with_heat_change'] == len(states) - 5      # the first 5 minutes have no past
    looped = TeachIn('boiler-loop', 2 * len(states), tmp_path)             # a bag played twice: time goes back
    for _ in range(2):
        for frame, t in zip(recording.frames, recording.times_s, strict=True):
            looped.add(frame, 1000.0 + t)
    model, _ = looped.learn()
    assert model.card['frames_learnt'] == 2 * len(states)
    assert model.card['frames_with_heat_change'] == 2 * (len(states) - 5)  # no change learnt across the loop


def test_frames_without_a_stamp_are_one_stretch_not_a_day_each(tmp_path, thermal_scene):
    rng = np.random.default_rng(9)
    recording, states = a_day(thermal_scene, rng)
    teach = TeachIn('unstamped', len(states), tmp_path)
    for frame in recording.frames:
        teach.add(frame, 0.0)                                    # header.stamp left at zero by a driver
    model, _ = teach.learn()
    assert model.card['frames_learnt'] == len(states) and model.card['frames_with_heat_change'] == 0
    assert teach._times == [0.0] * len(states)
