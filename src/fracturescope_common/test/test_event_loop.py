import asyncio
import threading

from fracturescope_common.event_loop import EventLoopThread, in_event_loop
import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor


@pytest.fixture
def node():
    context = rclpy.Context()
    rclpy.init(context=context)
    node = rclpy.create_node('event_loop_test', context=context)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    yield node, executor
    executor.shutdown()
    node.destroy_node()
    rclpy.try_shutdown(context=context)


def test_a_callback_awaits_a_coroutine_on_the_loop_thread(node):
    ros_node, executor = node
    loop = EventLoopThread('test-loop')
    loop.start()
    threads = {}

    async def work(value):
        threads['work'] = threading.current_thread().name
        await asyncio.sleep(0.01)
        if value < 0:
            raise ValueError('negative')
        return value * 2

    async def callback():
        threads['callback'] = threading.current_thread().name
        doubled = await in_event_loop(ros_node, loop, work(21))
        with pytest.raises(ValueError):
            await in_event_loop(ros_node, loop, work(-1))
        return doubled

    try:
        task = executor.create_task(callback())
        executor.spin_until_future_complete(task, timeout_sec=5.0)
        assert task.result() == 42
        assert threads['work'] == 'test-loop' and threads['callback'] != 'test-loop'
    finally:
        loop.stop()
    assert not loop._thread.is_alive()
