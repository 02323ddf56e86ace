"""Supervise the processes of a launch plan the way `ros2 launch` does: start, watch, respawn, stop."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Sequence
import ctypes
from dataclasses import dataclass, field
from itertools import islice
import os
from pathlib import Path
import re
import signal
import subprocess
import sys
import threading
import time
from types import TracebackType
from typing import IO, TextIO

from fracturescope_launch.launch_xml import NodeSpec
from fracturescope_launch.shared_memory import LOCK_SUFFIX, remove_orphaned_segments

# What a node may exit with after the SIGINT we sent it (rclpy re-raising SIGINT, or a shell wrapper).
CLEAN_STOP_CODES = frozenset({0, -signal.SIGINT, 128 + signal.SIGINT})
_POLL_S = 0.05
_PR_SET_PDEATHSIG = 1
_KEPT_LINES = 10_000  # per node, for wait_for_output / output(); older lines stay in the log file
# Asked of a node that survived SIGTERM, before SIGKILL: FractureScope's nodes print every thread's Python stack on it
# (fracturescope_common.node_main), so the failure says where the node was stuck. Other programs just end on it.
STACK_DUMP_SIGNAL = signal.SIGUSR1
_STACK_DUMP_WAIT_S = 1.0
_STACK_LINES = 12     # of the dump, in the failure message; the whole dump is in the node's log


def _terminate_with_parent() -> None:
    """In the child before exec: SIGTERM it when the runner dies, even by SIGKILL (Linux prctl)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def describe_exit(returncode: int) -> str:
    """`exit code N` or `killed by SIGNAME`."""
    if returncode < 0:
        return f'killed by {signal.Signals(-returncode).name}'
    return f'exit code {returncode}'


@dataclass
class _Node:
    spec: NodeSpec
    label: str
    process: subprocess.Popen[bytes] | None = None
    reader: threading.Thread | None = None
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=_KEPT_LINES))
    line_count: int = 0
    deaths: int = 0
    died: bool = False  # exited on its own and is not (yet) running again
    respawn_at: float | None = None


class RunningGraph:
    """The processes of one launch plan; a context manager that always stops what it started."""

    def __init__(
        self,
        nodes: Sequence[NodeSpec],
        *,
        log_dir: str | os.PathLike | None = None,
        grace_s: float = 5.0,
        echo: TextIO | None = sys.stdout,
        first: Collection[str] = (),
        then_after: Callable[[], object] | None = None,
    ) -> None:
        """`first`: names of nodes started before the others, which start once `then_after()` returns (it waits for
        what the first ones serve, e.g. a broker's first client subscribed)."""
        self._first, self._then_after = frozenset(first), then_after
        self._nodes: dict[str, _Node] = {}
        for spec in nodes:
            label, n = spec.label, 2
            while label in self._nodes:
                label, n = f'{spec.label}-{n}', n + 1
            self._nodes[label] = _Node(spec, label)
        self._log_dir = Path(log_dir) if log_dir is not None else None
        self._grace_s = grace_s
        self._echo = echo
        self._echo_lock = threading.Lock()
        self._lock = threading.Condition()
        self._stopping = False
        self._shutdown = threading.Event()
        self._monitor: threading.Thread | None = None
        self._codes: dict[str, int | None] | None = None
        self.failures: list[str] = []

    def __enter__(self) -> RunningGraph:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start every node (`first` ones first), then watch them in the background."""
        if self._log_dir is not None:
            self._log_dir.mkdir(parents=True, exist_ok=True)
        first = [n for n in self._nodes.values() if n.spec.name in self._first]
        try:
            for node in first:
                self._spawn(node)
            if first and self._then_after is not None:
                self._then_after()
            for node in self._nodes.values():
                if node.spec.name not in self._first:
                    self._spawn(node)
        except BaseException:
            self.stop()
            raise
        self._monitor = threading.Thread(target=self._watch, name='graph-monitor', daemon=True)
        self._monitor.start()

    def wait(self, duration_s: float | None = None) -> bool:
        """Block until `duration_s` passes or a node asks for shutdown; True if shutdown was asked."""
        return self._shutdown.wait(duration_s)

    def request_shutdown(self) -> None:
        """Make `wait` return now (safe from a signal handler)."""
        self._shutdown.set()

    def stop(self, timeout: float | None = None) -> dict[str, int | None]:
        """SIGINT every node, escalate to SIGTERM then SIGKILL after `timeout`; return codes by name."""
        if self._codes is not None:
            return dict(self._codes)
        grace = self._grace_s if timeout is None else timeout
        with self._lock:
            self._stopping = True
        running = [n for n in self._nodes.values() if n.process is not None and n.process.poll() is None]
        stubborn: dict[str, str] = {}
        stacks: dict[str, str] = {}
        for sig, wait_s in ((signal.SIGINT, grace), (signal.SIGTERM, min(grace, 2.0)), (signal.SIGKILL, 2.0)):
            for node in running:
                self._signal(node, sig)
            deadline = time.monotonic() + wait_s
            while running and time.monotonic() < deadline:
                time.sleep(_POLL_S)
                running = [n for n in running if n.process.poll() is None]
            stubborn.update((n.label, sig.name) for n in running)
            if not running:
                break
            self._say(f'still running {wait_s:g} s after {sig.name}: {", ".join(n.label for n in running)}')
            if sig == signal.SIGTERM:
                stacks = self._dump_stacks(running)
        for label, last in stubborn.items():
            where = f'; where it was: {stacks[label]}' if stacks.get(label) else ''
            self._fail(f"node '{label}' failed to stop: ignored SIGINT for {grace:g} s, survived {last}{where}")
        if self._monitor is not None and self._monitor is not threading.current_thread():
            self._monitor.join()
        codes: dict[str, int | None] = {}
        for node in self._nodes.values():
            if node.reader is not None:
                node.reader.join(timeout=1.0)
            codes[node.label] = None if node.process is None else node.process.returncode
            if not node.died and codes[node.label] not in CLEAN_STOP_CODES | {None}:
                self._fail(f"node '{node.label}' stopped with {describe_exit(codes[node.label])}")
        self._codes = codes
        # A node killed (here, or by a crash) leaves its Fast DDS segment in /dev/shm, which is memory.
        removed = [p for p in remove_orphaned_segments() if not p.name.endswith(LOCK_SUFFIX)]
        if removed:
            self._say(f'removed {len(removed)} shared-memory segment(s) that stopped processes left in /dev/shm')
        return dict(codes)

    def exit_status(self) -> int:
        """0 if every node ran until the requested stop and then stopped cleanly, else 1."""
        return 1 if self.failures else 0

    def alive(self) -> dict[str, bool]:
        """Whether each node's process is running now."""
        return {label: n.process is not None and n.process.poll() is None for label, n in self._nodes.items()}

    def dead_nodes(self) -> list[str]:
        """Nodes that exited on their own and are not running (again)."""
        with self._lock:
            return [label for label, n in self._nodes.items() if n.died]

    def pid(self, name: str) -> int:
        """The pid of the node's current process."""
        process = self._nodes[name].process
        if process is None:
            raise RuntimeError(f"node '{name}' has not been started")
        return process.pid

    def wait_for_output(self, name: str, regex: str, timeout: float) -> bool:
        """Wait until a line of the node's output (any incarnation) matches `regex`."""
        pattern, node, deadline = re.compile(regex), self._nodes[name], time.monotonic() + timeout
        seen = 0  # lines already searched, counted over the node's whole output
        with self._lock:
            while True:
                unseen = min(node.line_count - seen, len(node.lines))
                if any(pattern.search(line) for line in islice(node.lines, len(node.lines) - unseen, None)):
                    return True
                seen = node.line_count
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(remaining)

    def output(self, name: str) -> list[str]:
        """Every line the node printed so far."""
        with self._lock:
            return list(self._nodes[name].lines)

    def _spawn(self, node: _Node) -> None:
        node.process = subprocess.Popen(
            node.spec.command(), env=dict(node.spec.env), cwd=node.spec.cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a terminal's Ctrl-C reaches the runner only
            preexec_fn=_terminate_with_parent,
        )
        node.died, node.respawn_at = False, None
        log = open(self._log_dir / f'{node.label}.log', 'a') if self._log_dir else None
        node.reader = threading.Thread(target=self._read, args=(node, node.process, log), daemon=True)
        node.reader.start()

    def _read(self, node: _Node, process: subprocess.Popen[bytes], log: IO[str] | None) -> None:
        prefix = f'[{node.label}-{process.pid}]'
        for raw in process.stdout:
            line = raw.decode(errors='replace').rstrip('\n')
            self._say(f'{prefix} {line}')
            if log is not None:
                log.write(line + '\n')
                log.flush()
            with self._lock:
                node.lines.append(line)
                node.line_count += 1
                self._lock.notify_all()
        if log is not None:
            log.close()

    def _watch(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                for node in self._nodes.values():
                    self._check(node)
                if not self._shutdown.is_set() and all(n.died and n.respawn_at is None for n in self._nodes.values()):
                    self._say('no node left running: stopping')   # as ros2 launch ends when its last process has
                    self._shutdown.set()
            time.sleep(_POLL_S)

    def _check(self, node: _Node) -> None:
        if node.respawn_at is not None and time.monotonic() >= node.respawn_at:
            self._say(f"respawning node '{node.label}'")
            try:
                self._spawn(node)
            except Exception as error:  # keep watching the others; the failure is reported at the end
                node.respawn_at = None
                self.failures.append(f"node '{node.label}' could not be respawned: {error}")
            return
        returncode = node.process.poll()
        if returncode is None or node.died:
            return
        node.died, node.deaths = True, node.deaths + 1
        requested = node.spec.on_exit == 'shutdown' and returncode == 0
        message = f"node '{node.label}' (pid {node.process.pid}) died: {describe_exit(returncode)}"
        self._say(f'{"" if requested else "ERROR: "}{message}')
        if not requested:
            self.failures.append(message)
        if node.spec.on_exit == 'shutdown':
            self._say(f"node '{node.label}' has on_exit=\"shutdown\": stopping the graph")
            self._shutdown.set()
        elif node.spec.respawn and (node.spec.respawn_max_retries < 0 or node.deaths <= node.spec.respawn_max_retries):
            node.respawn_at = time.monotonic() + node.spec.respawn_delay

    def _dump_stacks(self, nodes: list[_Node]) -> dict[str, str]:
        """Ask stuck nodes for their Python stacks; the first lines each printed, joined, by label."""
        with self._lock:
            printed = {n.label: n.line_count for n in nodes}
        for node in nodes:
            self._signal(node, STACK_DUMP_SIGNAL)
        time.sleep(_STACK_DUMP_WAIT_S)
        stacks = {}
        with self._lock:
            for node in nodes:
                new = min(node.line_count - printed[node.label], len(node.lines))
                dump = [line.strip() for line in islice(node.lines, len(node.lines) - new, None) if line.strip()]
                stacks[node.label] = ' | '.join(dump[:_STACK_LINES])
        return stacks

    def _signal(self, node: _Node, sig: signal.Signals) -> None:
        try:
            os.killpg(node.process.pid, sig)
        except ProcessLookupError:
            pass

    def _fail(self, message: str) -> None:
        with self._lock:
            self.failures.append(message)

    def _say(self, line: str) -> None:
        if self._echo is not None:
            with self._echo_lock:  # one write per line: print() would let other nodes' lines interleave
                self._echo.write(line + '\n')
                self._echo.flush()
