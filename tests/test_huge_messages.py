"""A subscriber gives back the memory of a huge message once it has taken it (config/fastdds.xml: readers' history
memory policy DYNAMIC, read because scripts/env.sh and the launch files set RMW_FASTRTPS_USE_QOS_FROM_XML=1).

Real Fast DDS between two processes: this file run as a script is the subscriber; it prints its own resident memory
(RssAnon) before and after taking 60 MB images from the test's reliable writer. Without the setting, the reader's
preallocated history grows to the largest sample and keeps it: that run must keep the memory, or the test could not
tell the difference.
"""

from pathlib import Path
import subprocess
import sys
import time

from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_testing.graph_probe import GraphProbe
import pytest
from rclpy.qos import QoSProfile, ReliabilityPolicy

IMAGE_BYTES = 60_000_000
IMAGES = 3
QOS = QoSProfile(depth=2, reliability=ReliabilityPolicy.RELIABLE)


def own_memory_mb() -> float:
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith('RssAnon:'):
            return int(line.split()[1]) / 1024
    raise RuntimeError('no RssAnon')


def subscriber() -> None:
    """The subscriber process: prints 'before <MB>', then 'after <MB>' once IMAGES images were taken."""
    import rclpy
    from sensor_msgs.msg import Image

    rclpy.init()
    node = rclpy.create_node('huge_message_subscriber')
    taken: list[int] = []
    node.create_subscription(Image, 'huge', lambda m: taken.append(len(m.data)), QOS)
    print(f'before {own_memory_mb():.1f}', flush=True)
    deadline = time.monotonic() + 60.0
    while len(taken) < IMAGES and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.1)
    for _ in range(10):  # let the middleware release what it took
        rclpy.spin_once(node, timeout_sec=0.1)
    print(f'after {own_memory_mb():.1f} taken {len(taken)}', flush=True)


def memory_kept_mb(use_qos_from_xml: str) -> float:
    from sensor_msgs.msg import Image

    env = isolated_ros_env()
    env['RMW_FASTRTPS_USE_QOS_FROM_XML'] = use_qos_from_xml
    process = subprocess.Popen([sys.executable, __file__], env=env, stdout=subprocess.PIPE, text=True)
    probe = GraphProbe(env, 'huge_message_publisher')
    try:
        publisher = probe.node.create_publisher(Image, 'huge', QOS)
        assert probe.spin_until(lambda: publisher.get_subscription_count() > 0, 30.0), 'subscriber never matched'
        before = float(process.stdout.readline().split()[1])
        side = int((IMAGE_BYTES / 3) ** 0.5)
        image = Image(height=side, width=side, encoding='rgb8', step=3 * side)
        image.data = bytes(3 * side * side)
        for _ in range(IMAGES):
            publisher.publish(image)
            probe.spin_until(lambda: False, 0.5)
        words = process.stdout.readline().split()
        assert process.wait(timeout=60) == 0
    finally:
        probe.close()
        process.kill()
    assert words[0] == 'after' and int(words[3]) == IMAGES, f'subscriber took {words}'
    return float(words[1]) - before


@pytest.mark.parametrize('use_qos_from_xml, gives_back', [('1', True), ('0', False)])
def test_a_subscriber_gives_back_the_memory_of_huge_messages_it_took(use_qos_from_xml, gives_back):
    kept = memory_kept_mb(use_qos_from_xml)
    if gives_back:
        assert kept < 20.0, f'{kept:.0f} MB kept after three 60 MB images'
    else:
        assert kept > 40.0, f'only {kept:.0f} MB kept with the preallocated history: the test cannot tell'


if __name__ == '__main__':
    subscriber()
