"""The body of every node's `main`: start, spin until Ctrl-C / SIGTERM, stop cleanly."""

from collections.abc import Callable

import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node

from fracturescope_common.params import MissingParametersError

# What a node may raise while starting because of its configuration or its files.
STARTUP_ERRORS = (MissingParametersError, OSError, ValueError)


def run_node(make_node: Callable[[], Node], name: str, args: list[str] | None = None) -> None:
    """Run the node `make_node` builds, single-threaded (see background.py for why); a startup error is logged
    and exits with status 2 (no traceback)."""
    rclpy.init(args=args)
    try:
        node = make_node()
    except STARTUP_ERRORS as error:
        rclpy.logging.get_logger(name).fatal(f'cannot start: {error}')
        rclpy.try_shutdown()
        raise SystemExit(2) from error
    except KeyboardInterrupt:  # stopped while still starting (a node that precomputes or loads a model)
        rclpy.try_shutdown()
        return
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    try:
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except RuntimeError:
        # rclpy can fail to take a message the signal handler's shutdown invalidated mid-take (seen with 1080p
        # images: "Unable to convert call argument '0'"); that is a clean stop, anything else is not.
        if rclpy.ok():
            raise
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
