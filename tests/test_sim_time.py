"""use_sim_time from the launch argument to every node: a replay or a simulator drives the graph's time through
/clock. Started with `use_sim_time:=true`, the control loop ticks only while /clock advances and stamps what it
commands with the clock's time, not the wall clock's."""

from pathlib import Path

from builtin_interfaces.msg import Time
from fracturescope_common.qos import RELIABLE_EVENTS
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
import pytest
from rclpy.qos import QoSProfile
from rosgraph_msgs.msg import Clock

from fracturescope_msgs.msg import RollCommand

ROOT = Path(__file__).resolve().parents[1]
SIM_START_S = 1000
pytestmark = pytest.mark.integration


def test_the_graph_runs_on_the_clock_topic_when_told_to(tmp_path):
    env = isolated_ros_env()
    args = {'use_sim_time': 'true', 'ledger_dir': str(tmp_path / 'ledger'), 'perception': 'false',
            'edge_eye': 'false', 'thermal_monitor': 'false'}
    with launched(ROOT / 'launch' / 'sim.launch.xml', args, env=env, log_dir=tmp_path / 'logs') as graph:
        probe = GraphProbe(env, 'clock_probe')
        try:
            clock = probe.node.create_publisher(Clock, '/clock', QoSProfile(depth=10))
            commands = probe.collect(RollCommand, 'roll_command', RELIABLE_EVENTS)
            now_ns = SIM_START_S * 10**9

            def advance(seconds: float) -> None:   # /clock at 100 Hz of wall time, 1:1
                nonlocal now_ns
                for _ in range(int(seconds * 100)):
                    now_ns += 10**7
                    clock.publish(Clock(clock=Time(sec=now_ns // 10**9, nanosec=now_ns % 10**9)))
                    probe.spin_until(lambda: False, 0.01)

            assert probe.spin_until(lambda: clock.get_subscription_count() >= 3, 30.0), 'nodes never subscribed'
            advance(8.0)
            assert len(commands) >= 5, 'no roll commands while /clock ran'
            stamps_s = [c.header.stamp.sec + c.header.stamp.nanosec * 1e-9 for c in commands]
            assert all(SIM_START_S <= s <= now_ns * 1e-9 + 1 for s in stamps_s), stamps_s[:5]
            # /clock stops: simulated time stands still, and so does the control loop
            probe.spin_until(lambda: False, 0.5)
            paused_at = len(commands)
            probe.spin_until(lambda: False, 2.0)
            assert len(commands) == paused_at
            advance(2.0)
            assert len(commands) > paused_at
            assert all(graph.alive().values())
        finally:
            probe.close()
