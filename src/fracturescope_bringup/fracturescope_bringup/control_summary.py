"""What the main job reports about spreader-roll control: edge alignment against the line's ground truth, and the
control node's writes to the PLC (from its /diagnostics)."""

from dataclasses import dataclass, field
import os
import time

from fracturescope_common.parameter_files import read_node_parameters
from fracturescope_common.qos import OBSERVER_STREAM
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
from fracturescope_msgs.msg import EdgeMeasurement

SETTLING_S = 5.0  # the simulated sheet starts 30 mm off: its first seconds are rectification, not alignment


@dataclass
class ControlObservations:
    truth: list[tuple[float, float, float]] = field(default_factory=list)  # (monotonic s, left mm, right mm)

    def on_truth(self, msg: EdgeMeasurement) -> None:
        self.truth.append((time.monotonic(), msg.left_mm, msg.right_mm))


def watch_control(probe: GraphProbe) -> ControlObservations:
    observed = ControlObservations()
    probe.node.create_subscription(EdgeMeasurement, 'line/ground_truth', observed.on_truth, OBSERVER_STREAM)
    return observed


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
                     standard: tuple[float, float]) -> None:
    node = observed.read(CONTROL)
    # half of what was observed at most: on a loaded machine the line's truth may start seconds into a short run
    span = control.truth[-1][0] - control.truth[0][0] if control.truth else 0.0
    skip = min(SETTLING_S, run_s / 2, span / 2)
    errors = alignment_errors(control.truth, standard, skip)
    if errors.size:
        summary.add('edge alignment', f'mean {errors.mean():.1f} mm, p95 {np.percentile(errors, 95):.1f} mm '
                    f'({node[CONTROLLER]}; line ground truth vs standard {standard[0]:g} / {standard[1]:g}'
                    f' mm, {errors.size} samples after the first {skip:.0f} s)')
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
