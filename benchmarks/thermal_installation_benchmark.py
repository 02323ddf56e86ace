"""The thermal monitor learning installations it was not designed on (issue 18.3).

Installations from benchmarks/thermal_scenes.py, a generator written independently of the monitor (pipes, a motor
with bearing ends, an electrical cabinet, cable terminations, a water heater; MLX90640-like 32 x 24, PSF blur,
per-installation noise 0.15-0.5 K, fixed-pattern noise, up to 1 px shake). Per installation (kind x seed, each at its
own ambient in 0-40 degC):
  learn     a recording of normal operation (one frame a minute; 300 frames = 5 h with a few on/off cycles, and
            900 = 15 h), states as the user would label them (the generator's), and once more with the states the
            monitor proposes;
  states    a second recording (another day, ambient drifted), assessed in time order as the node does (the state
            also from how the heat changed over the last 10 minutes): share of frames whose state is right, all
            frames and away from the state boundaries (heat level within 0.03 of 0.05 or 0.90 left out), and
            each frame alone (no times);
  false     share of that recording's normal frames that alert (P(anomaly) > 0.7, the seed's threshold);
  season    the same for a day 10 K warmer than the one learnt (states and false alerts);
  hot spots 100 frames (states drawn at random) with a hot spot of 5 K over 2 x 2 px (injected before blur: it reads
            about 2.8 K at the sensor), on the equipment and 100 away from it: found = alert with a hot-spot box
            overlapping the true box; and the same at 4 x 4 px; excess error of the found spots.
Goals (issue 18.3): state accuracy >= 0.95, hot spots found >= 0.95, false alerts <= 0.01.

The monitor's settings were chosen on installations of seeds 11-12 of the same generator after a first run (matched
filter, thresholds, neighbours for the states, the 600 s window of heat change); the installations reported here
(seeds 1, 2, ...) were not used.

    python benchmarks/thermal_installation_benchmark.py [--seeds 2] [--learn-frames 300 900]
Writes benchmarks/results/thermal_installation.json.
"""

import argparse
import statistics
import time

from bench_report import print_figure, save_results
from fracturescope_perception.thermal_monitor.installation_model import InstallationModel
import numpy as np
from thermal_scenes import COLD_MAX_LEVEL, HOT_MIN_LEVEL, KINDS, STATES, make_installation

ALERT = 0.7
TEST_FRAMES, PERIOD_S = 300, 60.0
SPOTS = 100
BOUNDARY_MARGIN = 0.03
GOALS = {'state_accuracy': '>= 0.95', 'hot_spots_found': '>= 0.95 (>= 5 K over >= 2 x 2 px)',
         'false_alerts': '<= 0.01'}


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def spots_found(model: InstallationModel, installation: object, ambient: float, rng: np.random.Generator,
                size: int, on_equipment: bool) -> tuple[float, list[float]]:
    found, errors = 0, []
    for _ in range(SPOTS):
        frame, box = installation.with_hot_spot(str(rng.choice(STATES)), ambient, rng, 5.0, size, on_equipment)
        result = model.assess(frame)
        hit = next((s for s in result.hot_spots if overlaps(s.box, box)), None)
        if result.anomaly_probability > ALERT and hit is not None:
            found += 1
            errors.append(hit.excess_k - 5.0)
    return found / SPOTS, errors


def evaluate(kind: str, seed: int, learn_frames: int) -> dict:
    installation = make_installation(kind, seed)
    rng = np.random.default_rng(seed + 1000 * KINDS.index(kind))
    ambient = float(rng.uniform(0.0, 40.0))
    learning = installation.record(learn_frames, PERIOD_S, ambient, seed=1)
    test = installation.record(TEST_FRAMES, PERIOD_S, ambient + float(rng.uniform(-3.0, 3.0)), seed=2)
    labelled = InstallationModel.learn(learning.frames, list(learning.states), f'{kind}-{seed}',
                                       times_s=learning.times_s)
    proposed = InstallationModel.learn(learning.frames, None, f'{kind}-{seed}-proposed', times_s=learning.times_s)
    results = [labelled.assess(f, t) for f, t in zip(test.frames, test.times_s, strict=True)]
    single = [labelled.assess(f) for f in test.frames]
    truth = list(test.states)
    levels = test.levels
    clear = [abs(level - COLD_MAX_LEVEL) > BOUNDARY_MARGIN and abs(level - HOT_MIN_LEVEL) > BOUNDARY_MARGIN
             for level in levels]
    state = [max(labelled.states, key=lambda s, r=r: r.probabilities[s]) for r in results]
    proposed_results = [proposed.assess(f, t) for f, t in zip(test.frames, test.times_s, strict=True)]
    proposed_state = [max(proposed.states, key=lambda s, r=r: r.probabilities[s]) for r in proposed_results]
    season = installation.record(TEST_FRAMES, PERIOD_S, ambient + 10.0, seed=3)
    season_results = [labelled.assess(f, t) for f, t in zip(season.frames, season.times_s, strict=True)]
    figures = {
        'ambient_c': ambient,
        'season_state_accuracy': float(np.mean([max(labelled.states, key=lambda s, r=r: r.probabilities[s]) == t
                                                for r, t in zip(season_results, season.states, strict=True)])),
        'season_false_alerts': float(np.mean([r.anomaly_probability > ALERT for r in season_results])),
        'components': labelled.card['components'],
        'state_accuracy': float(np.mean([s == t for s, t in zip(state, truth, strict=True)])),
        'state_accuracy_clear': float(np.mean([s == t for s, t, c in zip(state, truth, clear, strict=True) if c])),
        'state_accuracy_single_frames': float(np.mean([max(labelled.states, key=lambda s, r=r: r.probabilities[s]) == t
                                                       for r, t in zip(single, truth, strict=True)])),
        'proposed_state_accuracy': float(np.mean([s == t for s, t in zip(proposed_state, truth, strict=True)])),
        'proposed_states': proposed.states,
        'false_alerts': float(np.mean([r.anomaly_probability > ALERT for r in results])),
    }
    for size in (2, 4):
        for on_equipment in (True, False):
            rate, errors = spots_found(labelled, installation, ambient, rng, size, on_equipment)
            where = 'on' if on_equipment else 'off'
            figures[f'found_{size}x{size}_{where}'] = rate
            figures[f'excess_error_k_{size}x{size}_{where}'] = statistics.fmean(errors) if errors else None
    return figures


KEYS = ('state_accuracy', 'state_accuracy_clear', 'state_accuracy_single_frames', 'proposed_state_accuracy',
        'false_alerts', 'found_2x2_on', 'found_2x2_off', 'found_4x4_on', 'found_4x4_off', 'season_state_accuracy',
        'season_false_alerts')


def report(table: dict, learn_frames: int) -> dict:
    print(f'learnt from {learn_frames} frames ({learn_frames * PERIOD_S / 3600:g} h):')
    print(f'{"installation":<22}{"ambient":>8}{"states":>8}{"clear":>7}{"propsd":>7}{"false":>7}'
          f'{"2x2 on":>8}{"2x2 off":>8}{"4x4 on":>8}{"4x4 off":>8}')
    for name, f in table.items():
        print(f'{name:<22}{f["ambient_c"]:>8.1f}{f["state_accuracy"]:>8.3f}{f["state_accuracy_clear"]:>7.3f}'
              f'{f["proposed_state_accuracy"]:>7.3f}{f["false_alerts"]:>7.3f}{f["found_2x2_on"]:>8.2f}'
              f'{f["found_2x2_off"]:>8.2f}{f["found_4x4_on"]:>8.2f}{f["found_4x4_off"]:>8.2f}')
    summary = {key: statistics.fmean(f[key] for f in table.values()) for key in KEYS}
    summary['false_alerts_worst'] = max(f['false_alerts'] for f in table.values())
    hours = f'{learn_frames * PERIOD_S / 3600:g} h'
    print_figure(f'{hours}: state accuracy, mean over installations', summary['state_accuracy'], '>= 0.95',
                 summary['state_accuracy'] >= 0.95)
    print_figure(f'{hours}: state accuracy away from state boundaries', summary['state_accuracy_clear'], '(report)',
                 None)
    print_figure(f'{hours}: state accuracy of single frames (no times)', summary['state_accuracy_single_frames'],
                 '(report)', None)
    print_figure(f'{hours}: state accuracy with proposed states', summary['proposed_state_accuracy'], '(report)',
                 None)
    print_figure(f'{hours}: false alerts on normal frames, mean', summary['false_alerts'], '<= 0.01',
                 summary['false_alerts'] <= 0.01)
    print_figure(f'{hours}: false alerts, worst installation', summary['false_alerts_worst'], '(report)', None)
    print_figure(f'{hours}: 10 K warmer day: state accuracy', summary['season_state_accuracy'], '(report)', None)
    print_figure(f'{hours}: 10 K warmer day: false alerts', summary['season_false_alerts'], '(report)', None)
    for key in ('found_2x2_on', 'found_2x2_off', 'found_4x4_on', 'found_4x4_off'):
        print_figure(f'{hours}: hot spots 5 K {key[6:]} found, mean', summary[key], '>= 0.95', summary[key] >= 0.95)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seeds', type=int, default=2, help='installations per kind')
    parser.add_argument('--learn-frames', type=int, nargs='+', default=[300, 900], help='frames learnt from')
    args = parser.parse_args()
    started = time.monotonic()
    figures = {}
    for learn_frames in args.learn_frames:
        table = {f'{kind}-{seed}': evaluate(kind, seed, learn_frames) for kind in KINDS
                 for seed in range(1, args.seeds + 1)}
        figures[f'learnt_{learn_frames}_frames'] = {'mean': report(table, learn_frames), 'per_installation': table}
    save_results('thermal_installation', figures, GOALS, seeds=args.seeds, wall_s=round(time.monotonic() - started, 1),
                 setup={'test_frames': TEST_FRAMES, 'period_s': PERIOD_S, 'spots_per_case': SPOTS,
                        'alert_threshold': ALERT, 'boundary_margin': BOUNDARY_MARGIN})


if __name__ == '__main__':
    main()
