"""The launch-file runner: standard ROS 2 XML launch files resolved and run where ros2launch is not installed."""
