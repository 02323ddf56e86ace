from fracturescope_common.image_stream import IMAGE_SUBSCRIPTION
from fracturescope_common.qos import LATCHED_STATE, RELIABLE_EVENTS, matching_subscription_qos
from rclpy.qos import DurabilityPolicy, ReliabilityPolicy


def test_a_reader_matches_every_publisher_there_is():
    both = matching_subscription_qos([RELIABLE_EVENTS, IMAGE_SUBSCRIPTION], 5, reliable_without_offers=True)
    assert (both.reliability, both.durability, both.depth) == (ReliabilityPolicy.BEST_EFFORT,
                                                                DurabilityPolicy.VOLATILE, 5)
    latched = matching_subscription_qos([LATCHED_STATE], 1, reliable_without_offers=False)
    assert (latched.reliability, latched.durability) == (ReliabilityPolicy.RELIABLE, DurabilityPolicy.TRANSIENT_LOCAL)


def test_without_publishers_the_caller_chooses():
    assert matching_subscription_qos([], 1, True).reliability == ReliabilityPolicy.RELIABLE
    assert matching_subscription_qos([], 1, False).reliability == ReliabilityPolicy.BEST_EFFORT
    assert matching_subscription_qos([], 1, True).durability == DurabilityPolicy.VOLATILE
