"""What the main job leaves to look at: a rosbag2 MCAP bag of the run, recorded by `fracturescope-bag record` beside
the graph (every topic but the raw camera frames, which would be about 200 MB/s), and the Foxglove bridge's address
to watch the graph live while it runs (the bag opens in Foxglove afterwards, or plays with `fracturescope-bag play`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
import signal
import socket
import subprocess
import sys

from fracturescope_bag.bag_reader import BagError, open_bag
from fracturescope_foxglove.diagnostics_contract import CHANNELS, FOXGLOVE_BRIDGE, URL, WATCHED
from fracturescope_testing.graph_monitor import GraphObservations

from fracturescope_bringup.summary import Summary

FOXGLOVE_PORT = 8765   # Foxglove's default; any free port when it is taken
# Left out of the bag: full-resolution frames (1080p line camera at 30 Hz, the surface camera, the views drawn from
# them). The thermal frames, results, diagnostics and commands are all kept.
EXCLUDED = r'^/(camera/rgb/image_raw|line_camera/image_raw|defects/image|edges/debug_image)$|/compressed$'
STOP_TIMEOUT_S = 20.0
RESULT_TOPICS = ('/defects', '/edges', '/thermal_monitor/assessment', '/roll_command', '/ledger/blocks')


def foxglove_port() -> int:
    with socket.socket() as probe:
        try:
            probe.bind(('0.0.0.0', FOXGLOVE_PORT))
        except OSError:
            probe.bind(('0.0.0.0', 0))
        return probe.getsockname()[1]


class BagRecording:
    """`fracturescope-bag record --all` as its own process on the graph's ROS domain."""

    def __init__(self, bag_dir: Path, env: Mapping[str, str], log_file: Path) -> None:
        self.bag_dir, self._log_file = bag_dir, log_file
        log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_file.open('w')
        self._process = subprocess.Popen(
            [sys.executable, '-m', 'fracturescope_bag.cli', 'record', '--all', '--exclude', EXCLUDED, '--zstd',
             '--output', str(bag_dir)], env=dict(env), stdout=self._log, stderr=subprocess.STDOUT)
        self.returncode: int | None = None

    def stop(self) -> None:
        """SIGINT, as Ctrl-C: the recorder finishes its files and metadata."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
        try:
            self.returncode = self._process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self.returncode = self._process.wait()
        self._log.close()

    def add_rows(self, summary: Summary, published: Mapping[str, int]) -> None:
        """The bag's row; `published`: how many messages the run's results topics carried (the job's own count),
        which the bag must hold as well."""
        try:
            bag = open_bag(self.bag_dir)
            counts = Counter(message.topic for message in bag.messages())
        except (BagError, OSError) as error:
            summary.add('bag', f'no readable bag in {self.bag_dir}: {error} (recorder log {self._log_file})',
                        'bag: the run was not recorded')
            return
        size = sum(f.stat().st_size for f in bag.files)
        missing = {topic: n - counts[topic] for topic, n in published.items() if counts[topic] < n}
        problem = None
        if self.returncode != 0:
            problem = f'bag: the recorder ended with {self.returncode} (log {self._log_file})'
        elif missing:
            problem = f'bag: messages of the run missing from it: {missing}'
        held = ', '.join(f'{topic} {counts[topic]}' for topic in RESULT_TOPICS if counts[topic])
        summary.add('bag', f'{sum(counts.values())} messages on {len(counts)} topics ({held}; raw camera frames left '
                    f'out), {size / 1e6:.1f} MB zstd MCAP in {self.bag_dir}; play it: fracturescope-bag play '
                    f'{self.bag_dir}, or open it in Foxglove', problem, messages=sum(counts.values()),
                    topics=len(counts), megabytes=round(size / 1e6, 2), damaged=len(bag.damages),
                    **{f'{topic.strip("/").replace("/", "_")}': counts[topic] for topic in RESULT_TOPICS})


def add_foxglove_row(summary: Summary, observed: GraphObservations, port: int) -> None:
    """What the Foxglove bridge served while the graph ran (from its /diagnostics)."""
    reading = observed.read(FOXGLOVE_BRIDGE)
    channels = reading[CHANNELS]
    summary.add('foxglove', f'{reading[URL]} served {channels} channels (every topic of the graph; raw images also as '
                f'JPEG /compressed while watched); {reading[WATCHED]} watched at the end; connect the Foxglove app to '
                f'ws://127.0.0.1:{port} while the job runs',
                'foxglove: the bridge served no channel' if channels == 0 else None, channels=channels)
