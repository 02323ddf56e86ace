"""Backoff for a node that keeps failing to start (a bad config, a missing device, a disk it cannot open).

`ros2 launch` respawns a node after a fixed `respawn_delay`; a node that cannot start would restart every second
forever, flooding the log and the machine. Each start is written down (one small JSON file per node and launch
configuration), marked when the node is up, and crossed out when it stops cleanly. A start finding earlier starts in a
row that never came up waits 1, 2, 4 ... up to `max_delay_s` seconds. A node that was up and then died (killed,
crashed on a message) is respawned at once: it had been doing its job, and every second it is down its producers'
history runs out (the 30-kill ledger drill lost 2,988 of 4,154 edge measurements when those restarts waited too).
Plain Python; `node_main.run_node` uses it.
"""

from __future__ import annotations

from collections.abc import Callable
import hashlib
import json
import os
from pathlib import Path
import time

FORGET_AFTER_S = 600.0    # failed starts longer ago than this are not counted (s)


def state_file(node: str, argv: list[str]) -> Path:
    """Where `node` started with `argv` (namespace, parameter files) in this ROS domain keeps its starts."""
    ros_home = Path(os.environ.get('ROS_HOME') or Path.home() / '.ros')
    launch = hashlib.sha256('\0'.join(argv).encode()).hexdigest()[:12]
    return ros_home / 'fracturescope' / 'starts' / f'{node}-{os.environ.get("ROS_DOMAIN_ID", "0")}-{launch}.json'


class CrashLoopBackoff:
    def __init__(self, path: Path, first_delay_s: float = 1.0, max_delay_s: float = 16.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.first_delay_s, self.max_delay_s = first_delay_s, max_delay_s
        self._clock = clock
        self._started: float | None = None

    def start(self) -> float:
        """Write this start down; the seconds to wait before starting (0 unless the node is crash-looping)."""
        now = self._clock()
        failed = 0          # starts in a row, newest first, that never came up
        for entry in reversed(self._read()):
            if entry.get('up') or now - entry['t'] > FORGET_AFTER_S:
                break
            failed += 1
        wait = 0.0 if failed < 2 else min(self.first_delay_s * 2 ** (failed - 2), self.max_delay_s)
        self._started = now
        self._write([*self._read()[-16:], {'t': now, 'up': False}])
        return wait

    def up(self) -> None:
        """The node started: a death from now on is no failure to start."""
        self._update(lambda e: {**e, 'up': True})

    def stopped_cleanly(self) -> None:
        """A clean stop is no crash: after a run that came up, nothing before it counts any more; a start stopped
        before it came up (Ctrl-C while loading) is crossed out."""
        if self._started is not None and any(e['t'] == self._started and e.get('up') for e in self._read()):
            self.path.unlink(missing_ok=True)
        else:
            self._update(lambda e: None)

    def _update(self, change: Callable[[dict], dict | None]) -> None:
        if self._started is None:
            return
        entries = [e if e['t'] != self._started else change(e) for e in self._read()]
        left = [e for e in entries if e is not None]
        if left:
            self._write(left)
        else:
            self.path.unlink(missing_ok=True)   # nothing to remember: leave no file behind

    def _read(self) -> list[dict]:
        try:
            entries = json.loads(self.path.read_text())
            return [e for e in entries if isinstance(e, dict) and 't' in e]
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
