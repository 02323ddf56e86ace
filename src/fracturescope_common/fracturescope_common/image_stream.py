"""QoS of camera image topics (1080p rgb8 at 30 Hz), see ../shared/ros2-on-pypi.md.

Best effort over the default transport delivered 0-1 of 150 1080p frames on the build machine, so images are
reliable, over the shared-memory Fast DDS profile (config/fastdds.xml). Unlike results, a camera must never wait
for a slow reader: KEEP_LAST with a short queue lets a reader that falls behind skip to the newest frames.
"""

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

IMAGE_STREAM = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=2, reliability=ReliabilityPolicy.RELIABLE,
                          durability=DurabilityPolicy.VOLATILE)
