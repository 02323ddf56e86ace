import asyncio
import threading

from fracturescope_common.event_loop import EventLoopThread
import pytest


def test_coroutines_run_on_the_loop_thread_and_stop_cancels_what_still_runs():
    loop = EventLoopThread('test-loop')
    loop.start()
    threads = {}

    async def work(value):
        threads['work'] = threading.current_thread().name
        await asyncio.sleep(0.01)
        if value < 0:
            raise ValueError('negative')
        return value * 2

    async def forever():
        await asyncio.Event().wait()

    try:
        assert loop.submit(work(21)).result(timeout=5.0) == 42
        with pytest.raises(ValueError):
            loop.submit(work(-1)).result(timeout=5.0)
        assert threads['work'] == 'test-loop'
        hanging = loop.submit(forever())
    finally:
        loop.stop()
    assert not loop._thread.is_alive() and hanging.cancelled()
