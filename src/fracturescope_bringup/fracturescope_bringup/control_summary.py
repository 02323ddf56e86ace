"""What the main job reports about spreader-roll control: edge alignment against the line's ground truth, the
control node's writes to the PLC (from its /diagnostics), and how long a camera frame takes to move the rolls."""

from collections.abc import Iterable
from dataclasses import dataclass, field
import json
import math
import os
from pathlib import Path
import time

from fracturescope_common.parameter_files import read_node_parameters
from fracturescope_common.qos import OBSERVER_STREAM, RELIABLE_EVENTS
from fracturescope_control.diagnostics_contract import (
    CONTROL,
    CONTROLLER,
    MODE,
    PLC_CONNECTED,
    PLC_REFUSED_OUT_OF_RANGE,
    PLC_WRITE_FAILURES,
    PLC_WRITE_RATE,
    PLC_WRITES,
)
from fracturescope_testing.graph_monitor import GraphObservations
from fracturescope_testing.graph_probe import GraphProbe
import numpy as np

from fracturescope_bringup.summary import Summary
from fracturescope_msgs.msg import EdgeMeasurement, RollCommand

SETTLING_S = 5.0  # the simulated sheet starts 30 mm off: its first seconds are rectification, not alignment


@dataclass
class ControlObservations:
    truth: list[tuple[float, float, float]] = field(default_factory=list)  # (monotonic s, left mm, right mm)
    commands: list[RollCommand] = field(default_factory=list)

    def on_truth(self, msg: EdgeMeasurement) -> None:
        self.truth.append((time.monotonic(), msg.left_mm, msg.right_mm))


def watch_control(probe: GraphProbe) -> ControlObservations:
    observed = ControlObservations()
    probe.node.create_subscription(EdgeMeasurement, 'line/ground_truth', observed.on_truth, OBSERVER_STREAM)
    probe.node.create_subscription(RollCommand, 'roll_command', observed.commands.append, RELIABLE_EVENTS)
    return observed


def read_write_log(path: str | os.PathLike[str]) -> list[dict]:
    """The PLC simulator's record of setpoint writes (JSON lines); a line cut short by a stop is left out."""
    writes = []
    for line in Path(path).read_text().splitlines():
        try:
            writes.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return writes


def frame_to_write_latencies_ms(commands: Iterable[RollCommand], writes: list[dict]) -> np.ndarray:
    """Camera frame stamp -> the PLC receiving the setpoint write it caused (ms), one per controller (AUTO) write."""
    return np.array([latency for _, latency in frame_to_write_matches(commands, writes)])


def frame_to_write_matches(commands: Iterable[RollCommand], writes: list[dict]) -> list[tuple[int, float]]:
    """(frame stamp ns, ms from that stamp to the PLC receiving the write), one per controller (AUTO) write.

    Every written roll command is one write in the PLC's record, in the same order; a command's stamp is that of the
    edge measurement (so of the camera frame) it answers. Commands are matched in order to the next write with the
    same setpoints (float32 on the wire), so writes whose command was not observed are skipped."""
    matches = []
    w = 0
    for command in commands:
        if not command.written_to_plc:
            continue
        while w < len(writes) and not (_same_hz(writes[w]['f_left_hz'], command.f_left_hz)
                                       and _same_hz(writes[w]['f_right_hz'], command.f_right_hz)):
            w += 1
        if w == len(writes):
            break
        if command.mode == RollCommand.MODE_AUTO and 'wall' in writes[w]:
            stamp_ns = command.header.stamp.sec * 1_000_000_000 + command.header.stamp.nanosec
            matches.append((stamp_ns, (writes[w]['wall'] - stamp_ns * 1e-9) * 1e3))
        w += 1
    return matches


def _same_hz(written: float, commanded: float) -> bool:
    return math.isclose(written, commanded, rel_tol=1e-6, abs_tol=1e-6)


def standard_edges(control_config: str | os.PathLike[str]) -> tuple[float, float]:
    params = read_node_parameters(control_config, 'control')
    return float(params['standard_left_mm']), float(params['standard_right_mm'])


def alignment_errors(truth: list[tuple[float, float, float]], standard: tuple[float, float],
                     skip_s: float) -> np.ndarray:
    """|edge - standard| averaged over both edges, per ground-truth sample after the first `skip_s`."""
    if not truth:
        return np.empty(0)
    samples = np.array(truth)
    kept = samples[samples[:, 0] >= samples[0, 0] + skip_s]
    return (np.abs(kept[:, 1] - standard[0]) + np.abs(kept[:, 2] - standard[1])) / 2


def add_control_rows(summary: Summary, control: ControlObservations, observed: GraphObservations, run_s: float,
                     standard: tuple[float, float], write_log: Path | None = None) -> None:
    node = observed.read(CONTROL)
    # half of what was observed at most: on a loaded machine the line's truth may start seconds into a short run
    span = control.truth[-1][0] - control.truth[0][0] if control.truth else 0.0
    skip = min(SETTLING_S, run_s / 2, span / 2)
    errors = alignment_errors(control.truth, standard, skip)
    if errors.size:
        summary.add('edge alignment', f'mean {errors.mean():.1f} mm, p95 {np.percentile(errors, 95):.1f} mm '
                    f'({node[CONTROLLER]}; line ground truth vs standard {standard[0]:g} / {standard[1]:g}'
                    f' mm, {errors.size} samples after the first {skip:.0f} s)',
                    mean_mm=float(errors.mean()), p95_mm=float(np.percentile(errors, 95)), samples=int(errors.size))
    else:
        summary.add('edge alignment', 'no ground truth from the simulated line', 'no line ground truth received')
    writes, refused, connected = node[PLC_WRITES], node[PLC_REFUSED_OUT_OF_RANGE], node[PLC_CONNECTED]
    summary.add('PLC writes', f'{writes} setpoint writes ({node[PLC_WRITE_RATE]:.1f}/s lately), '
                f'{node[PLC_WRITE_FAILURES]} failed, {refused} refused out of range; mode {node[MODE]}, PLC '
                f'{"connected" if connected else "NOT connected"}',
                'no setpoint reached the PLC' if writes == 0 else
                f'{refused} out-of-range setpoints reached the PLC client' if refused else None)
    if writes and not connected:
        summary.problems.append('the control node lost the PLC')
    if write_log is not None and write_log.exists():
        latencies = frame_to_write_latencies_ms(control.commands, read_write_log(write_log))
        if latencies.size:
            summary.add('frame -> PLC', f'camera frame stamp to the setpoint write it caused: p50 '
                        f'{np.percentile(latencies, 50):.0f} ms, p99 {np.percentile(latencies, 99):.0f} ms '
                        f'({latencies.size} controller writes; goal p99 <= 100 ms)',
                        p50_ms=float(np.percentile(latencies, 50)), p99_ms=float(np.percentile(latencies, 99)),
                        writes=int(latencies.size))
        else:
            summary.add('frame -> PLC', 'no controller write answered a camera frame',
                        'the control node never acted on an edge measurement')
