"""`play --delay` with `--clock`: /clock carries the bag's start time before the first message goes out, so that
nodes on /clock have their time when it arrives (the regression suite plays into nodes run with use_sim_time)."""

import threading
import time

from fracturescope_bag.bag_reader import open_bag
from fracturescope_bag.player import CLOCK_QOS, Player, PlayOptions
from fracturescope_launch.isolation import isolated_ros_env
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.signals import SignalHandlerOptions
from rosgraph_msgs.msg import Clock
from std_msgs.msg import String

START_NS = 1_000_000_000


def test_clock_holds_the_start_time_during_the_delay_then_the_messages_follow(tmp_path, chatter_bag):
    bag = chatter_bag(tmp_path / 'chatter', 5, start_ns=START_NS)
    context = rclpy.Context()
    rclpy.init(context=context, domain_id=int(isolated_ros_env()['ROS_DOMAIN_ID']),
               signal_handler_options=SignalHandlerOptions.NO)
    events = []
    try:
        listener = rclpy.create_node('listener', context=context)
        listener.create_subscription(Clock, '/clock', lambda m: events.append(
            ('clock', time.monotonic(), m.clock.sec * 10**9 + m.clock.nanosec)), CLOCK_QOS)
        listener.create_subscription(String, '/chatter', lambda m: events.append(('message', time.monotonic(), m.data)),
                                     QoSProfile(depth=10, reliability=ReliabilityPolicy.BEST_EFFORT))
        executor = SingleThreadedExecutor(context=context)
        executor.add_node(listener)
        spinning = threading.Thread(target=executor.spin, daemon=True)
        spinning.start()
        node = rclpy.create_node('player', context=context)
        player = Player(node, open_bag(bag), PlayOptions(clock_hz=40.0, delay_s=0.6, wait_for_subscribers_s=5.0),
                        threading.Event(), print)
        deadline = time.monotonic() + 5.0      # the listener's /clock subscription matched too
        while player.clock.get_subscription_count() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        report = player.play()
        time.sleep(0.3)
    finally:
        executor.shutdown()
        rclpy.try_shutdown(context=context)
    assert report.published['/chatter'] == 5
    first = next(i for i, e in enumerate(events) if e[0] == 'message')
    before = [e for e in events[:first] if e[0] == 'clock']
    assert len(before) >= 10, events[:first]                     # 40 Hz for 0.6 s: about 24
    # the start time, not advancing (the tick that goes out with the first message may be a few ms past it)
    assert sum(e[2] == START_NS for e in before) >= 10
    assert all(START_NS <= e[2] <= START_NS + 10**7 for e in before)
    assert events[first][1] - before[0][1] >= 0.45                # the delay, before the first message
    assert [e[2] for e in events if e[0] == 'message'] == [f'message {i}' for i in range(5)]
