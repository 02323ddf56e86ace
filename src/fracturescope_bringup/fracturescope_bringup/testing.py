"""Helpers for integration tests that start launch files as real processes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
import fcntl
import os
from typing import IO

from fracturescope_bringup.launch_xml import load_launch_file
from fracturescope_bringup.process_graph import RunningGraph

# Fast DDS maps a domain id to ports 7400 + 250 * id; ids above 101 overflow 16-bit ports for some
# participant indices, so stay at or below 101.
_DOMAIN_IDS = range(1, 102)
_LOCK_DIR = '/tmp'
_held: dict[str, int | IO[bytes]] = {}


def ros_domain_id() -> int:
    """A domain id no other test run on this host holds; the same one for this whole process."""
    if 'id' not in _held:
        start = os.getpid() % len(_DOMAIN_IDS)
        for offset in range(len(_DOMAIN_IDS)):
            candidate = _DOMAIN_IDS[(start + offset) % len(_DOMAIN_IDS)]
            lock = open(f'{_LOCK_DIR}/fracturescope-ros-domain-{candidate}.lock', 'wb')
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                continue
            # The lock lives as long as this process, and the kernel drops it when the process ends.
            _held.update(id=candidate, lock=lock)
            break
        else:
            _held['id'] = _DOMAIN_IDS[start]
    return int(_held['id'])


def isolated_ros_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: os.environ) with a private ROS domain on localhost and unbuffered Python."""
    env = dict(os.environ if base is None else base)
    env.update(
        ROS_DOMAIN_ID=str(ros_domain_id()),
        ROS_AUTOMATIC_DISCOVERY_RANGE='LOCALHOST',
        RMW_IMPLEMENTATION='rmw_fastrtps_cpp',
        PYTHONUNBUFFERED='1',
    )
    return env


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


def fake_package(prefix: str | os.PathLike, package: str, executables: Mapping[str, str]) -> str:
    """Install `package` into an ament prefix at `prefix`: index marker plus `lib/<pkg>/<exe>` scripts."""
    marker = os.path.join(prefix, 'share', 'ament_index', 'resource_index', 'packages', package)
    os.makedirs(os.path.dirname(marker), exist_ok=True)
    open(marker, 'w').close()
    os.makedirs(os.path.join(prefix, 'share', package), exist_ok=True)
    lib = os.path.join(prefix, 'lib', package)
    os.makedirs(lib, exist_ok=True)
    for name, source in executables.items():
        path = os.path.join(lib, name)
        with open(path, 'w') as script:
            script.write(source)
        os.chmod(path, 0o755)
    return str(prefix)
