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


def image_subscription_qos(depth: int) -> QoSProfile:
    """IMAGE_SUBSCRIPTION keeping the newest `depth` frames: a node that must not drop a frame during a short stall
    (the defect detector: every pair is an inspection) keeps more than one that wants only the newest."""
    if depth < 1:
        raise ValueError(f'image queue depth must be at least 1 frame, got {depth}')
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth, reliability=IMAGE_SUBSCRIPTION.reliability,
                      durability=IMAGE_SUBSCRIPTION.durability)
