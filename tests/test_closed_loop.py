"""The loop closed through the camera (sim.launch.xml's default): the line camera renders the sheet of the PLC
simulator's line, the Edge-Eye tracker measures it, the control node follows those measurements alone and moves the
line's rolls, and the camera sees the correction. The sheet starts 30 mm off the standard on a line without
disturbance, so only a working loop brings it to the standard."""

from pathlib import Path

from fracturescope_bringup.control_summary import frame_to_write_latencies_ms, read_write_log, standard_edges
from fracturescope_common.qos import OBSERVER_STREAM, RELIABLE_EVENTS
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import pytest

from fracturescope_msgs.msg import EdgeMeasurement, RollCommand

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.integration


def centre(msg: EdgeMeasurement) -> float:
    return (msg.left_mm + msg.right_mm) / 2


def test_the_camera_sees_the_sheet_the_rolls_move_and_the_control_node_follows_the_camera(tmp_path):
    env = isolated_ros_env()
    write_log = tmp_path / 'plc_writes.jsonl'
    args = {'ledger_dir': str(tmp_path / 'ledger'), 'perception': 'false', 'thermal_monitor': 'false',
            'line_disturbance': 'none', 'plc_write_log': str(write_log)}
    standard = sum(standard_edges(ROOT / 'config' / 'control.yaml')) / 2
    with launched(ROOT / 'launch' / 'sim.launch.xml', args, env=env, log_dir=tmp_path / 'logs') as graph, \
            GraphProbe(env, 'closed_loop_probe') as probe:
        line = probe.collect(EdgeMeasurement, 'line/ground_truth', OBSERVER_STREAM)
        seen = probe.collect(EdgeMeasurement, 'line_camera/ground_truth', RELIABLE_EVENTS)
        edges = probe.collect(EdgeMeasurement, 'edges', RELIABLE_EVENTS)
        commands = probe.collect(RollCommand, 'roll_command', RELIABLE_EVENTS)
        assert probe.spin_until(lambda: line and abs(centre(line[-1]) - standard) > 25.0, 30.0), 'line not started'
        assert probe.spin_until(lambda: line and abs(centre(line[-1]) - standard) < 2.0, 40.0), \
            f'the loop did not bring the sheet to the standard: {centre(line[-1]) - standard:+.1f} mm'
        probe.spin_until(lambda: False, 5.0)   # and it stays there
        assert abs(centre(line[-1]) - standard) < 2.0
        assert probe.node.count_publishers('line/simulated_edges') == 0   # the stand-in is off: only the camera
        assert all(graph.alive().values())
    # The camera rendered the line's sheet: its ground truth is the line's, as the sheet moved 30 mm.
    shown = [centre(m) for m in seen if m.status == EdgeMeasurement.STATUS_OK]
    assert max(shown) - min(shown) > 25.0 and abs(shown[-1] - standard) < 2.5
    # The control node acted on the tracker's measurements of those frames.
    auto = [c for c in commands if c.mode == RollCommand.MODE_AUTO]
    edge_stamps = {(m.header.stamp.sec, m.header.stamp.nanosec) for m in edges}
    assert len(auto) > 20 and all((c.header.stamp.sec, c.header.stamp.nanosec) in edge_stamps for c in auto)
    assert frame_to_write_latencies_ms(commands, read_write_log(write_log)).size > 20
