"""Spreader-roll control: MSNF (seed 002 Algorithm 2) against the PID baseline, closed loop on the line model, and the
e-stop latency through the real control node and PLC simulator.

Closed loop, in process (no ROS): the line model of config/plc_sim.yaml (eq. 10, factors drifting with conveyor
speed, 0.1 s transport delay, 0.15 s sheet lag, drive limits and slew) sampled by a simulated camera (1 mm noise,
50 ms latency) into the same ControlLoop the node runs (config/control.yaml), 5 Hz, 10 ms physics. Both controllers
get the same seeds. The sheet rests 30 mm off the standard at nominal roll speeds, so every run starts with a
deviation to rectify. Figures per disturbance (seed 002 section V.D: Gaussian, sinusoidal, step; 20 mm/s):
  alignment error   |edge - standard| from ground truth, mean over both edges, after the first 5 s (mm)
  settling time     from the start until the error is within 5 mm and stays there for 1 s (s)
  step recovery     (step disturbance) from each step until back within 5 mm for 1 s, mean (s)
Robustness: the same runs on mis-tuned lines (true gamma x0.5 ... x2 of what both controllers assume).
E-stop latency: launch/control.launch.xml (control node + PLC simulator, separate processes); a signed e-stop is
published on operator/command and the PLC simulator's record of writes gives the time the e-stop setpoints arrived
over Modbus (same host, same monotonic clock).

    python benchmarks/control_benchmark.py [--seeds 5] [--seconds 60] [--estops 40]
    python benchmarks/control_benchmark.py --tune pid|msnf  # grid search on Gaussian training seeds
Writes benchmarks/results/control.json, control_traces.png and control_robustness.png.
"""

import argparse
from collections import deque
from dataclasses import dataclass, replace
import itertools
import json
import multiprocessing
from pathlib import Path
import socket
import statistics
import tempfile
import time
from types import SimpleNamespace

from bench_report import RESULTS_DIR, print_figure, save_results
from fracturescope_common.parameter_files import read_node_parameters
from fracturescope_control.configuration import make_loop
from fracturescope_control.loop import Measurement
from fracturescope_sim.line_model import LineModel, LineParameters
import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG = REPO_ROOT / 'config'
DISTURBANCES = ('gaussian', 'sinusoidal', 'step')
GAMMA_SCALES = (0.5, 0.7, 1.0, 1.4, 2.0)
PHYSICS_DT = 0.01
CAMERA_LATENCY_S = 0.05
CAMERA_NOISE_MM = 1.0
SKIP_S = 5.0
TOLERANCE_MM = 5.0
HOLD_S = 1.0
GOALS = {'msnf_mean_mm_max': 3.0, 'msnf_at_or_below_pid': True, 'msnf_degrades_less_on_mistuned': True,
         'estop_p99_ms': 'report (no number given in the issue)'}


def node_params(file: str, node: str) -> dict:
    return read_node_parameters(CONFIG / file, node)


def line_parameters() -> LineParameters:
    p = node_params('plc_sim.yaml', 'plc_simulator')
    fields = {name.removeprefix('line_'): value for name, value in p.items() if name.startswith('line_')}
    return LineParameters(**{**fields, 'factor_speed_sensitivity': tuple(fields['factor_speed_sensitivity'])})


def control_parameters(**overrides: object) -> SimpleNamespace:
    return SimpleNamespace(**{**node_params('control.yaml', 'control'), **overrides})


@dataclass
class Run:
    t: np.ndarray
    error_mm: np.ndarray       # mean over both edges of |edge - standard|, ground truth
    steps_at: list[float]


def simulate(control: SimpleNamespace, line: LineParameters, seconds: float) -> Run:
    loop = make_loop(control)
    model = LineModel(line)
    rng = np.random.default_rng(line.seed + 10_000)
    standard = (control.standard_left_mm, control.standard_right_mm)
    ticks_every = round(control.period_s / PHYSICS_DT)
    seen = deque()
    times, errors, steps = [], [], []
    last_disturbance = 0.0
    for i in range(round(seconds / PHYSICS_DT)):
        state = model.step(PHYSICS_DT)
        seen.append(state)
        while seen[0].t < state.t - CAMERA_LATENCY_S - 1e-9:
            seen.popleft()
        if line.disturbance == 'step' and state.disturbance_mm != last_disturbance:
            steps.append(state.t)
        last_disturbance = state.disturbance_mm
        if i % ticks_every == 0:
            frame = seen[0]
            noise = rng.normal(0.0, CAMERA_NOISE_MM, 2)
            loop.measure(Measurement(frame.left_mm + noise[0], frame.right_mm + noise[1], True, state.t))
            out = loop.tick(state.t)
            model.command(out.f_left_hz, out.f_right_hz)
        times.append(state.t)
        errors.append((abs(state.left_mm - standard[0]) + abs(state.right_mm - standard[1])) / 2)
    return Run(np.array(times), np.array(errors), steps)


def settled_after(run: Run, start_s: float) -> float | None:
    """Seconds from `start_s` until the error is within TOLERANCE_MM and stays so for HOLD_S; None if never."""
    inside = run.error_mm <= TOLERANCE_MM
    hold = round(HOLD_S / PHYSICS_DT)
    first = int(np.searchsorted(run.t, start_s))
    for i in range(first, len(inside) - hold):
        if inside[i:i + hold].all():
            return float(run.t[i] - start_s)
    return None


def score(run: Run) -> dict:
    after = run.error_mm[run.t >= SKIP_S]
    recoveries = [settled_after(run, s) for s in run.steps_at]
    return {'mean_mm': float(after.mean()), 'p95_mm': float(np.percentile(after, 95)),
            'settling_s': settled_after(run, 0.0),
            'step_recovery_s': (statistics.fmean(r for r in recoveries if r is not None)
                                if any(r is not None for r in recoveries) else None)}


def average(scores: list[dict]) -> dict:
    out = {}
    for key in scores[0]:
        values = [s[key] for s in scores if s[key] is not None]
        out[key] = statistics.fmean(values) if values else None
        if key == 'settling_s':
            out['never_settled'] = sum(s[key] is None for s in scores)
    return out


def sweep(seeds: list[int], seconds: float) -> tuple[dict, dict, dict]:
    base = line_parameters()
    per_disturbance, robustness, traces = {}, {}, {}
    for controller in ('msnf', 'pid'):
        control = control_parameters(controller=controller)
        for disturbance in DISTURBANCES:
            for scale in GAMMA_SCALES:
                scores = []
                for seed in seeds:
                    run = simulate(control, replace(base, disturbance=disturbance, seed=seed, gamma_scale=scale),
                                   seconds)
                    scores.append(score(run))
                    if scale == 1.0 and seed == seeds[0]:
                        traces[(controller, disturbance)] = run
                figure = average(scores)
                robustness.setdefault(controller, {}).setdefault(disturbance, {})[f'x{scale:g}'] = figure['mean_mm']
                if scale == 1.0:
                    per_disturbance.setdefault(controller, {})[disturbance] = figure
    return per_disturbance, robustness, traces


TUNING_GRIDS = {
    # The paper's baseline: a PID tuned on training data with Gaussian disturbance.
    'pid': {'pid_kp': (0.01, 0.02, 0.04, 0.06), 'pid_ki': (0.05, 0.1, 0.2, 0.3, 0.4), 'pid_kd': (0.0, 0.005, 0.01),
            'standard_range_mm': (0.0, 0.5, 1.0)},
    # MSNF gets the same treatment: its window, deadband, drift observer and eq. 12 least squares, same data. The
    # gamma adaptation itself is not a grid choice: on the nominal training line gamma_initial is the true gamma, so
    # no adaptation can win there; it is there for the mis-tuned lines (see README).
    'msnf': {'msnf_window': (1, 2), 'msnf_drift_window': (2, 3), 'msnf_drift_lead_slots': (3.0, 3.5, 4.0),
             'msnf_gamma_forgetting': (0.98, 0.995), 'msnf_gamma_prior_hz2': (0.3, 1.0, 3.0, 10.0),
             'msnf_min_excitation_hz': (0.05, 0.1, 0.2, 0.4), 'standard_range_mm': (0.0, 0.5, 1.0)},
}


def training_error(controller: str, chosen: dict, seconds: float) -> float:
    """Mean error over the Gaussian training seeds 1-3 on the nominal line (the evaluation uses 101+)."""
    base = replace(line_parameters(), disturbance='gaussian')
    control = control_parameters(controller=controller, **chosen)
    return statistics.fmean(score(simulate(control, replace(base, seed=seed), seconds))['mean_mm']
                            for seed in (1, 2, 3))


def tune(controller: str, seconds: float) -> None:
    """Grid search on the training data, on two processes (the machine is shared)."""
    grid = TUNING_GRIDS[controller]
    candidates = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    with multiprocessing.Pool(2) as pool:
        errors = pool.starmap(training_error, [(controller, chosen, seconds) for chosen in candidates])
    for error, chosen in sorted(zip(errors, candidates, strict=True), key=lambda r: r[0])[:5]:
        print(f'{chosen}: mean error {error:.2f} mm (Gaussian, training seeds)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def estop_latency(count: int) -> dict:
    """E-stop publish (signed, on operator/command) -> the PLC simulator receives the e-stop setpoint write."""
    from fracturescope_common.operator_commands import ESTOP, RESUME, CommandSigner
    from fracturescope_common.qos import RELIABLE_EVENTS
    from fracturescope_control.teleop import to_message
    from fracturescope_launch.isolation import isolated_ros_env
    from fracturescope_testing.graph_probe import GraphProbe
    from fracturescope_testing.launched_graph import launched

    from fracturescope_msgs.msg import OperatorCommand, RollCommand

    env = isolated_ros_env()
    latencies = []
    with tempfile.TemporaryDirectory(prefix='control-bench-') as tmp:
        signer = CommandSigner.from_key_file(Path(tmp) / 'op.pem', 'bench', create=True)
        log = Path(tmp) / 'writes.jsonl'
        args = {'plc_port': str(free_port()), 'plc_write_log': str(log), 'operator_id': 'bench',
                'operator_public_key': f'{tmp}/op.pem.pub', 'edges_topic': 'line/simulated_edges'}
        with launched(REPO_ROOT / 'launch' / 'control.launch.xml', args, env=env, log_dir=Path(tmp) / 'log'), \
                GraphProbe(env, 'control_bench') as probe:
            commands = probe.collect(RollCommand, 'roll_command', RELIABLE_EVENTS)
            publisher = probe.node.create_publisher(OperatorCommand, 'operator/command', RELIABLE_EVENTS)
            assert probe.spin_until(lambda: commands and commands[-1].written_to_plc
                                    and publisher.get_subscription_count() > 0, 30.0), 'control node not up'
            for _ in range(count):
                publisher.publish(to_message(signer.sign(RESUME, (), 'control')))
                probe.spin_until(lambda: commands[-1].mode == RollCommand.MODE_AUTO, 5.0)
                probe.spin_until(lambda: False, 0.1 + 0.2 * np.random.default_rng().random())  # any tick phase
                sent = time.monotonic()
                publisher.publish(to_message(signer.sign(ESTOP, (), 'control')))
                probe.spin_until(lambda: commands[-1].mode == RollCommand.MODE_ESTOP, 5.0)
                probe.spin_until(lambda: False, 0.05)
                arrived = next((w['t'] for w in map(json.loads, log.read_text().splitlines())
                                if w['mode'] == 2 and w['t'] >= sent), None)
                if arrived is not None:
                    latencies.append((arrived - sent) * 1000)
    latencies.sort()
    return {'count': count, 'measured': len(latencies), 'p50_ms': float(np.percentile(latencies, 50)),
            'p99_ms': float(np.percentile(latencies, 99)), 'max_ms': latencies[-1]}


def plot(traces: dict, robustness: dict) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(DISTURBANCES), 1, figsize=(10, 8), sharex=True)
    for ax, disturbance in zip(axes, DISTURBANCES, strict=True):
        for controller, colour in (('pid', 'tab:orange'), ('msnf', 'tab:blue')):
            run = traces[(controller, disturbance)]
            ax.plot(run.t, run.error_mm, colour, lw=0.8, label=controller.upper())
        ax.set_ylabel(f'{disturbance}\n|edge - standard| (mm)')
        ax.legend(loc='upper right')
    axes[-1].set_xlabel('time (s)')
    fig.suptitle('Alignment error, same seed and line for both controllers')
    fig.tight_layout()
    fig.savefig(RESULTS_DIR / 'control_traces.png', dpi=90)
    fig, axes = plt.subplots(1, len(DISTURBANCES), figsize=(12, 3.5), sharey=True)
    for ax, disturbance in zip(axes, DISTURBANCES, strict=True):
        for controller in ('msnf', 'pid'):
            ax.plot(GAMMA_SCALES, [robustness[controller][disturbance][f'x{s:g}'] for s in GAMMA_SCALES], 'o-',
                    label=controller.upper())
        ax.set_xscale('log')
        ax.set_xticks(GAMMA_SCALES, [f'x{s:g}' for s in GAMMA_SCALES])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # only the x0.5 ... x2 labels
        ax.set_title(disturbance)
        ax.set_xlabel('true gamma / assumed')
    axes[0].set_ylabel('mean alignment error (mm)')
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(RESULTS_DIR / 'control_robustness.png', dpi=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seeds', type=int, default=5, help='evaluation seeds (101, 102, ...)')
    parser.add_argument('--seconds', type=float, default=60.0, help='simulated seconds per run')
    parser.add_argument('--estops', type=int, default=40, help='e-stops measured through the node')
    parser.add_argument('--tune', choices=sorted(TUNING_GRIDS), help='grid-search a controller on training seeds')
    args = parser.parse_args()
    if args.tune:
        tune(args.tune, args.seconds)
        return
    seeds = list(range(101, 101 + args.seeds))
    started = time.monotonic()
    per_disturbance, robustness, traces = sweep(seeds, args.seconds)
    sweep_s = time.monotonic() - started
    for disturbance in DISTURBANCES:
        msnf, pid = per_disturbance['msnf'][disturbance], per_disturbance['pid'][disturbance]
        print_figure(f'{disturbance}: MSNF mean alignment error (mm)', msnf['mean_mm'], '<= 3 and <= PID',
                     msnf['mean_mm'] <= GOALS['msnf_mean_mm_max'] and msnf['mean_mm'] <= pid['mean_mm'])
        print_figure(f'{disturbance}: PID mean alignment error (mm)', pid['mean_mm'], '(baseline)', None)
        for controller, figure in (('MSNF', msnf), ('PID', pid)):
            print_figure(f'{disturbance}: {controller} p95 alignment error (mm)', figure['p95_mm'], '(report)', None)
            print_figure(f'{disturbance}: {controller} settling time (s)', figure['settling_s'] or float('nan'),
                         '(report)', None)
    degradation = {}
    for controller in ('msnf', 'pid'):
        worst = [max(robustness[controller][d].values()) / robustness[controller][d]['x1'] for d in DISTURBANCES]
        degradation[controller] = max(worst)
        print_figure(f'mis-tuned lines: {controller.upper()} worst error / nominal error', degradation[controller],
                     'MSNF < PID', (degradation['msnf'] < degradation['pid']) if controller == 'pid' else None)
    estop = estop_latency(args.estops) if args.estops else None
    if estop:
        print_figure('e-stop publish -> PLC register write, p99 (ms)', estop['p99_ms'], '(report)', None)
        print_figure('e-stop publish -> PLC register write, p50 (ms)', estop['p50_ms'], '(report)', None)
    RESULTS_DIR.mkdir(exist_ok=True)
    plot(traces, robustness)
    save_results('control', {
        'per_disturbance': per_disturbance, 'robustness_mean_mm': robustness,
        'worst_mistuned_over_nominal': degradation, 'estop_latency': estop,
        'goals_met': {
            'msnf_mean_le_3mm': {d: per_disturbance['msnf'][d]['mean_mm'] <= 3.0 for d in DISTURBANCES},
            'msnf_le_pid': {d: per_disturbance['msnf'][d]['mean_mm'] <= per_disturbance['pid'][d]['mean_mm']
                            for d in DISTURBANCES},
            'msnf_degrades_less': degradation['msnf'] < degradation['pid'],
        },
    }, GOALS, seeds=seeds, seconds_per_run=args.seconds, sweep_wall_s=round(sweep_s, 1),
        setup={'camera_noise_mm': CAMERA_NOISE_MM, 'camera_latency_s': CAMERA_LATENCY_S,
               'error_after_s': SKIP_S, 'settle_tolerance_mm': TOLERANCE_MM, 'settle_hold_s': HOLD_S},
        plots=['control_traces.png', 'control_robustness.png'])


if __name__ == '__main__':
    main()
