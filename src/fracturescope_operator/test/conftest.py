"""A private ROS domain on localhost for a graph test's own probe node and the graph."""

from fracturescope_launch.isolation import isolated_ros_env
import pytest


@pytest.fixture
def graph_env(monkeypatch):
    env = isolated_ros_env()
    monkeypatch.setenv('ROS_AUTOMATIC_DISCOVERY_RANGE', env['ROS_AUTOMATIC_DISCOVERY_RANGE'])
    return env
