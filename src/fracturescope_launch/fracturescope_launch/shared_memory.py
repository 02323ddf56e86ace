"""Fast DDS shared-memory segments that a dead process left behind.

Fast DDS (rmw_fastrtps) talks to peers on the same machine through shared memory: each participant writes its
samples into its own segment /dev/shm/fastdds_<id> (about 140 MB here), with a lock file fastdds_<id>_el that it holds
(flock) while it lives. A clean shutdown removes both; a process killed by SIGKILL or a crash does not, and /dev/shm
is memory: about 1 GB per hour of integration testing was left here. A segment whose lock nobody holds belongs to no
living process and is removed. Port files (fastdds_port<N>, 52 kB each) are left alone: a port is shared by every
participant listening on it while only its creator holds the lock, so removing a dead creator's port cut a living
process off its peers (measured: it no longer heard a participant started after the removal); Fast DDS reuses them.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
import time

SHM_DIR = Path('/dev/shm')
LOCK_SUFFIX = '_el'   # the owner's exclusive lock
PORT_PREFIX = 'fastdds_port'


def owner_alive(lock_file: Path) -> bool:
    """Whether a process holds the lock file of a segment (its owner, while it lives)."""
    try:
        fd = os.open(lock_file, os.O_RDWR)
    except FileNotFoundError:
        return False
    except OSError:
        return True   # not ours to judge (another user's file)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)   # closing releases the lock if it was taken
    return False


def remove_orphaned_segments(directory: Path = SHM_DIR, min_age_s: float = 5.0) -> list[Path]:
    """Remove the Fast DDS participant segments (and their lock files) whose owner is dead; files younger than
    `min_age_s` are left alone (a starting process may not hold its lock yet). Returns what was removed."""
    removed: list[Path] = []
    now = time.time()
    for lock_file in sorted(directory.glob(f'fastdds_*{LOCK_SUFFIX}')):
        if lock_file.name.startswith(PORT_PREFIX):
            continue
        try:
            if now - lock_file.stat().st_mtime < min_age_s or owner_alive(lock_file):
                continue
        except FileNotFoundError:
            continue
        base = lock_file.name[:-len(LOCK_SUFFIX)]
        for name in (base, lock_file.name):
            path = directory / name
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError:
                break   # not removable by us: leave the rest, lock file included
            removed.append(path)
    return removed
