import pytest
import rclpy


@pytest.fixture
def context():
    """A private rclpy context for nodes made in-process by a test."""
    ctx = rclpy.Context()
    rclpy.init(context=ctx, args=[])
    yield ctx
    rclpy.shutdown(context=ctx)
