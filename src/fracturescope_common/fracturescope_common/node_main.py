"""The body of every node's `main`: start, spin until Ctrl-C / SIGTERM, stop cleanly."""

from collections.abc import Callable
import contextlib
import faulthandler
import os
import signal
import subprocess
import sys
import threading
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
# The signal that makes a node print every thread's Python stack (a launcher asks before it kills a stuck node).
STACK_DUMP_SIGNAL = signal.SIGUSR1
_SLEEP_SLICE_S = 0.1
# s a node's teardown may take before it exits without the rest: under the 5 s a launcher gives before SIGTERM
TEARDOWN_LIMIT_S = 3.5


def run_node(make_node: Callable[[], Node], name: str, args: list[str] | None = None) -> None:
    """Run the node `make_node` builds, single-threaded (see background.py for why); a startup error is logged
    and exits with status 2 (no traceback). A node that failed to start several times in a row waits longer
    each time before it tries again (crash_loop.py). SIGINT or SIGTERM while it starts is a clean stop."""
    faulthandler.register(STACK_DUMP_SIGNAL, all_threads=True)
    rclpy.init(args=args)
    backoff = CrashLoopBackoff(state_file(name, sys.argv if args is None else args))
    try:
        wait_s = backoff.start()
        if wait_s:
            rclpy.logging.get_logger(name).warning(
                f'failed to start several times in a row: waiting {wait_s:g} s before trying again (backoff)')
            _sleep_unless_shut_down(wait_s)
        node = make_node() if rclpy.ok() else None
    except STARTUP_ERRORS as error:
        if not rclpy.ok():   # a signal shut the context down under the node being built
            node = None
        else:
            rclpy.logging.get_logger(name).fatal(f'cannot start: {error}')
            rclpy.try_shutdown()
            raise SystemExit(2) from error
    except KeyboardInterrupt:  # stopped while still starting (a node that precomputes or loads a model)
        node = None
    except Exception:
        if rclpy.ok():
            raise
        node = None    # rclpy's SIGTERM handler shut the context down: rcl calls on it fail (RCLError)
    if node is None:
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
        _tear_down(node, name)


def _tear_down(node: Node, name: str) -> None:
    """destroy_node, then shut rclpy down. The middleware's part of it can hang (seen in line_markers and the uplink
    on a loaded 2-core machine: rcl's node teardown, or a publisher's, under destroy_node, deaf to SIGINT and SIGTERM
    until the launcher's SIGKILL). The node has stopped as asked and closed its own resources by then, so after
    TEARDOWN_LIMIT_S it exits without the rest and says so (as after the launcher's SIGKILL, Fast DDS's shared-memory
    files in /dev/shm stay behind). A hang that releases the GIL ends with status 0 from a Python timer; one that
    holds it (no Python thread runs then) gets its stack printed by faulthandler, then the SIGINT it was asked to stop
    with from a small guard process, which the default disposition set here obeys without Python: a stop by SIGINT,
    as a launcher expects."""
    guard = _teardown_guard(name, TEARDOWN_LIMIT_S + 0.5)

    def stop_guard() -> None:
        if guard is not None:
            with contextlib.suppress(ProcessLookupError):   # the timer and the teardown may both get here
                os.killpg(guard.pid, signal.SIGKILL)
            guard.wait()

    def give_up() -> None:
        sys.stderr.write(f'[{name}] middleware teardown still running after {TEARDOWN_LIMIT_S:g} s: '
                         'exiting without it\n')
        sys.stderr.flush()
        stop_guard()   # its SIGINT must not reach whatever process gets this pid next
        os._exit(0)

    watchdog = threading.Timer(TEARDOWN_LIMIT_S, give_up)
    watchdog.daemon = True
    watchdog.start()
    faulthandler.dump_traceback_later(TEARDOWN_LIMIT_S + 0.2)
    signal.signal(signal.SIGINT, signal.SIG_DFL)   # from here a SIGINT ends the process at once, GIL or not
    try:
        node.destroy_node()
        rclpy.try_shutdown()
    finally:
        watchdog.cancel()
        faulthandler.cancel_dump_traceback_later()
        stop_guard()


def _teardown_guard(name: str, after_s: float) -> subprocess.Popen | None:
    """A process that says so and sends this one SIGINT after `after_s` (None if none can be started)."""
    said = f'[{name}] middleware teardown still running after {after_s:g} s, holding the GIL: ending it with SIGINT'
    try:
        return subprocess.Popen(['sh', '-c', f'sleep {after_s:g}; echo "{said}" >&2; kill -INT {os.getpid()}'],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        return None


def _sleep_unless_shut_down(seconds: float) -> None:
    """Sleep, but wake when SIGTERM shut the context down (rclpy's handler ends no sleep; SIGINT's does)."""
    deadline = time.monotonic() + seconds
    while rclpy.ok() and time.monotonic() < deadline:
        time.sleep(min(_SLEEP_SLICE_S, max(0.0, deadline - time.monotonic())))


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
