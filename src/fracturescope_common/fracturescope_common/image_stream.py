"""QoS of camera image topics (REP-2003), measured by benchmarks/image_qos_benchmark.py.

Subscriptions are best effort (the sensor-data profile): a best-effort reader matches both a best-effort camera
driver (what REP-2003 asks of drivers) and a reliable one, whereas a reliable reader never connects to a best-effort
writer. Both ends keep only the newest frames: a reader that falls behind skips to the newest, a camera never waits.
Publishers of the project stay reliable, so that a reliable observer (a bag recorder, RViz by default) connects too;
with the shared-memory Fast DDS profile (config/fastdds.xml) best effort loses no more 1080p frames than reliable.
"""

from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

IMAGE_SUBSCRIPTION = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=2, reliability=ReliabilityPolicy.BEST_EFFORT,
                                durability=DurabilityPolicy.VOLATILE)
IMAGE_PUBLICATION = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=2, reliability=ReliabilityPolicy.RELIABLE,
                               durability=DurabilityPolicy.VOLATILE)
