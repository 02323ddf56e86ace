"""QoS profiles of the graph (../shared/DESIGN.md): results and commands reliable, state latched."""

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

# Detections, measurements, blocks, commands: every message matters, a burst may queue.
RELIABLE_EVENTS = QoSProfile(
    history=HistoryPolicy.KEEP_LAST, depth=100, reliability=ReliabilityPolicy.RELIABLE
)

# Latest state (checkpoint, mode): a late subscriber gets the last value.
LATCHED_STATE = QoSProfile(
    history=HistoryPolicy.KEEP_LAST,
    depth=1,
    reliability=ReliabilityPolicy.RELIABLE,
    durability=DurabilityPolicy.TRANSIENT_LOCAL,
)
