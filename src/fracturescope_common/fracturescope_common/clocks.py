"""Which clock a node's timing decisions use (staleness of a measurement, slew limits, manual-override timeouts).

With `use_sim_time` the node's ROS clock, which follows /clock: a simulated or replayed graph (`ros2 bag play
--clock`) then decides exactly as it did when recorded. Without it the steady clock, which a wall-clock step (NTP,
an operator setting the date) cannot move. Wall time (UTC) stays where only it makes sense: the ledger's block
times and the expiry of signed operator commands, which are compared with another machine's clock.
"""

from collections.abc import Callable

from rclpy.clock import Clock, ClockType
from rclpy.node import Node


def uses_sim_time(node: Node) -> bool:
    return bool(node.get_parameter('use_sim_time').value)


def decision_clock(node: Node) -> Callable[[], float]:
    """Seconds from the clock the node's timing decisions use (see the module docstring)."""
    clock = node.get_clock() if uses_sim_time(node) else Clock(clock_type=ClockType.STEADY_TIME)
    return lambda: clock.now().nanoseconds * 1e-9
