"""Publishing events on a KEEP_ALL reliable topic, where DDS may refuse a message instead of dropping it."""

from rclpy.impl.implementation_singleton import rclpy_implementation
from rclpy.impl.rcutils_logger import RcutilsLogger
from rclpy.publisher import Publisher

from fracturescope_common.diagnostics_contract import count
from fracturescope_common.health import Health, Level

RCLError = rclpy_implementation.RCLError
PUBLISH_FAILED = count('publish_failed')  # in the contract of every node that publishes through publish_or_report


def publish_or_report(publisher: Publisher, msg: object, health: Health, logger: RcutilsLogger) -> bool:
    """Publish `msg`; when DDS refuses it (a reader so far behind that the KEEP_ALL queue is full and the write
    timed out) count it as PUBLISH_FAILED, log it, and return False instead of raising into the executor."""
    try:
        publisher.publish(msg)
    except RCLError as error:
        health.problem(PUBLISH_FAILED, f'{publisher.topic_name}: {error}', Level.ERROR)
        logger.error(f'could not publish on {publisher.topic_name}: {error}', throttle_duration_sec=1.0)
        return False
    return True
