"""The body of every node's `main`: start, spin until Ctrl-C / SIGTERM, stop cleanly."""

from collections.abc import Callable
import sys
import time

import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node

from fracturescope_common.crash_loop import CrashLoopBackoff, state_file
from fracturescope_common.params import MissingParametersError

# What a node may raise while starting because of its configuration or its files.
STARTUP_ERRORS = (MissingParametersError, OSError, ValueError)
# What rclpy raises when it cannot take a message that was invalidated mid-take (see _spin).
TAKE_FAILED = 'Unable to convert call argument'


def run_node(make_node: Callable[[], Node], name: str, args: list[str] | None = None) -> None:
    """Run the node `make_node` builds, single-threaded (see background.py for why); a startup error is logged
    and exits with status 2 (no traceback). A node that failed to start several times in a row waits longer
    each time before it tries again (crash_loop.py)."""
    rclpy.init(args=args)
    backoff = CrashLoopBackoff(state_file(name, sys.argv if args is None else args))
    try:
        wait_s = backoff.start()
        if wait_s:
            rclpy.logging.get_logger(name).warning(
                f'failed to start several times in a row: waiting {wait_s:g} s before trying again (backoff)')
            time.sleep(wait_s)
        node = make_node()
    except STARTUP_ERRORS as error:
        rclpy.logging.get_logger(name).fatal(f'cannot start: {error}')
        rclpy.try_shutdown()
        raise SystemExit(2) from error
    except KeyboardInterrupt:  # stopped while still starting (a node that precomputes or loads a model)
        backoff.stopped_cleanly()
        rclpy.try_shutdown()
        return
    backoff.up()
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    try:
        _spin(executor, node)
        backoff.stopped_cleanly()
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


def _spin(executor: SingleThreadedExecutor, node: Node) -> None:
    """Spin until shutdown. rclpy can fail to take a message invalidated mid-take ("Unable to convert call argument"),
    seen with 1080p images while the graph stops, with this node's own context still up (probably the publisher's
    process and its shared-memory segment already gone). That one message is lost, not the node: log it, spin on."""
    while True:
        try:
            executor.spin()
            return
        except (KeyboardInterrupt, ExternalShutdownException):
            return
        except RuntimeError as error:
            if not rclpy.ok():
                return
            if TAKE_FAILED not in str(error):
                raise
            node.get_logger().error(f'a message could not be taken (its publisher went away?): {error}',
                                    throttle_duration_sec=1.0)
