"""run_node's spin loop: a failed take is one lost message, any other error still stops the node."""

import pytest
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node

from fracturescope_common import node_main

# The real failure is a race between a publisher's process exiting and rclpy taking its 1080p image; it cannot be
# produced on demand, so the executor's spin raises what rclpy raised (message copied from a node log).
TAKE_ERROR = RuntimeError("Unable to convert call argument '0' to Python object (#define PYBIND11_DETAILED_ERROR"
                          "_MESSAGES or compile in debug mode for details)")


def scripted_spin(monkeypatch, outcomes):
    calls = []

    def spin(self):
        calls.append(1)
        outcome = outcomes[len(calls) - 1]
        if outcome is not None:
            raise outcome
    monkeypatch.setattr(SingleThreadedExecutor, 'spin', spin)
    return calls


def test_a_failed_take_is_logged_and_the_node_spins_on(monkeypatch):
    calls = scripted_spin(monkeypatch, [TAKE_ERROR, TAKE_ERROR, None])
    node_main.run_node(lambda: Node('take_probe'), 'take_probe', [])
    assert len(calls) == 3
    assert not rclpy.ok()  # stopped cleanly afterwards


def test_any_other_runtime_error_still_stops_the_node(monkeypatch):
    calls = scripted_spin(monkeypatch, [RuntimeError('a bug in a callback'), None])
    with pytest.raises(RuntimeError, match='a bug in a callback'):
        node_main.run_node(lambda: Node('bug_probe'), 'bug_probe', [])
    assert len(calls) == 1
    assert not rclpy.ok()
