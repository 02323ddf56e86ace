"""Image QoS: a deeper queue for a node that must not drop frames during a short stall, same policy otherwise."""

from fracturescope_common.image_stream import IMAGE_SUBSCRIPTION, image_subscription_qos
import pytest


def test_a_deeper_image_queue_keeps_the_sensor_data_policy():
    qos = image_subscription_qos(5)
    assert qos.depth == 5 and qos.history == IMAGE_SUBSCRIPTION.history
    assert (qos.reliability, qos.durability) == (IMAGE_SUBSCRIPTION.reliability, IMAGE_SUBSCRIPTION.durability)
    with pytest.raises(ValueError, match='at least 1 frame'):
        image_subscription_qos(0)
