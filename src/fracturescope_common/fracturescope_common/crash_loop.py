"""Backoff for a node that keeps dying soon after it starts (a bad config, a full disk, a broken device).

`ros2 launch` respawns a node after a fixed `respawn_delay`; a node that dies at once would restart every second
forever, flooding the log and the machine. Each start is written down (one small JSON file per node and launch
configuration) and crossed out again when the node stops cleanly. A start finding earlier starts that were never
crossed out and lived less than `short_run_s` waits 1, 2, 4 ... up to `max_delay_s` seconds before it starts; a run
that lived longer resets the count. Plain Python; `node_main.run_node` uses it.
"""

from __future__ import annotations

from collections.abc import Callable
import hashlib
import json
import os
from pathlib import Path
import time


def state_file(node: str, argv: list[str]) -> Path:
    """Where `node` started with `argv` (namespace, parameter files) in this ROS domain keeps its starts."""
    ros_home = Path(os.environ.get('ROS_HOME') or Path.home() / '.ros')
    launch = hashlib.sha256('\0'.join(argv).encode()).hexdigest()[:12]
    return ros_home / 'fracturescope' / 'starts' / f'{node}-{os.environ.get("ROS_DOMAIN_ID", "0")}-{launch}.json'


class CrashLoopBackoff:
    def __init__(self, path: Path, short_run_s: float = 10.0, first_delay_s: float = 1.0, max_delay_s: float = 16.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.path, self.short_run_s = path, short_run_s
        self.first_delay_s, self.max_delay_s = first_delay_s, max_delay_s
        self._clock = clock
        self._started: float | None = None

    def start(self) -> float:
        """Write this start down; the seconds to wait before starting (0 unless the node is crash-looping)."""
        now = self._clock()
        unclean = self._read()
        # Consecutive starts each followed by the next within short_run_s (plus the wait it was given).
        loop: list[dict] = []
        for entry in reversed(unclean):
            following = loop[-1]['t'] if loop else now
            if following - entry['t'] - entry['wait'] > self.short_run_s:
                break
            loop.append(entry)
        wait = 0.0 if len(loop) < 2 else min(self.first_delay_s * 2 ** (len(loop) - 2), self.max_delay_s)
        self._started = now
        self._write([*reversed(loop), {'t': now, 'wait': wait}])
        return wait

    def stopped_cleanly(self) -> None:
        """Cross this start out: a clean stop is no crash."""
        if self._started is None:
            return
        left = [e for e in self._read() if e['t'] != self._started]
        if left:
            self._write(left)
        else:
            self.path.unlink(missing_ok=True)   # nothing to remember: leave no file behind

    def _read(self) -> list[dict]:
        try:
            entries = json.loads(self.path.read_text())
            return [e for e in entries if isinstance(e, dict) and {'t', 'wait'} <= e.keys()]
        except (OSError, ValueError, TypeError):
            return []      # none yet, or torn by a crash mid-write: start counting afresh

    def _write(self, entries: list[dict]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_suffix('.tmp')
            partial.write_text(json.dumps(entries))
            partial.replace(self.path)
        except OSError:
            pass           # a read-only home must not stop the node: it only loses the backoff
