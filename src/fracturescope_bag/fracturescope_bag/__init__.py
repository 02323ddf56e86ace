"""Record and play rosbag2 bags with rclpy and the rosbags library (no ros2 CLI needed)."""
