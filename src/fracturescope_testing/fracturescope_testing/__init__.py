"""Harness for tests of launched graphs: an isolated ROS environment, graphs started as processes, a probe node."""
