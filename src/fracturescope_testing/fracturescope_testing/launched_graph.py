"""Launch files started as real processes for integration tests, each run in its own ROS domain."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
import os

from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_launch.launch_xml import load_launch_file
from fracturescope_launch.process_graph import RunningGraph


@contextmanager
def launched(
    file: str | os.PathLike,
    args: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    log_dir: str | os.PathLike | None = None,
    grace_s: float = 5.0,
) -> Iterator[RunningGraph]:
    """Start the graph of `file` in an isolated ROS environment; stop it (no orphans) on exit."""
    plan = load_launch_file(file, args, isolated_ros_env() if env is None else env)
    with RunningGraph(plan.nodes, log_dir=log_dir, grace_s=grace_s) as graph:
        yield graph
