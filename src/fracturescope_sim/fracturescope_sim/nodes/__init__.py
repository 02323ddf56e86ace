"""Thin ROS 2 adapters over the simulators."""
