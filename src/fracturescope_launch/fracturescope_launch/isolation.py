"""A private ROS environment for a graph: its own domain id on localhost, so parallel runs never see each other."""

from __future__ import annotations

from collections.abc import Mapping
import fcntl
import os
from typing import IO

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
