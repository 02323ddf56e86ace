from builtin_interfaces.msg import Time
from fracturescope_common.clocks import decision_clock
import pytest
import rclpy
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile
from rosgraph_msgs.msg import Clock as ClockMessage


def test_without_sim_time_decisions_run_on_the_steady_clock(context):
    node = Node('clock_test', context=context)
    now = decision_clock(node)
    first = now()
    assert 0 < first <= now()
    node.destroy_node()


def test_with_sim_time_decisions_follow_the_clock_topic(context):
    """A replay publishes /clock: the node's decisions see the recorded time, not the wall clock."""
    node = Node('clock_test', context=context, parameter_overrides=[Parameter('use_sim_time', value=True)])
    source = Node('clock_source', context=context)
    publisher = source.create_publisher(ClockMessage, '/clock', QoSProfile(depth=10))
    now = decision_clock(node)
    executor = rclpy.executors.SingleThreadedExecutor(context=context)
    executor.add_node(node)
    executor.add_node(source)
    for _ in range(100):
        publisher.publish(ClockMessage(clock=Time(sec=1234, nanosec=500_000_000)))
        executor.spin_once(timeout_sec=0.05)
        if now() > 0:
            break
    assert now() == pytest.approx(1234.5)
    executor.shutdown()
    node.destroy_node()
    source.destroy_node()
