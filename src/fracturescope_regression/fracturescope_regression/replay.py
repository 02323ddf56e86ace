"""One regression bag through the robot's own node: launch/replay.launch.xml starts the node (no simulator) and a
fresh ledger, `fracturescope-bag play --clock` publishes the bag's sensor topics on the bag's time, and the node's
outputs are collected, matched to the bag's input frames by header stamp, and checked against the ledger's blocks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import os
from pathlib import Path
import shutil
import subprocess
import sys
import time
from typing import Any

from ament_index_python.packages import get_package_share_directory
from fracturescope_bag.bag_reader import open_bag
from fracturescope_common.qos import RECORDING
from fracturescope_common.stamps import to_ns
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_ledger.messages import (
    record_from_detection,
    record_from_edge_measurement,
    record_from_thermal_assessment,
)
from fracturescope_ledger.store import LedgerStore
from fracturescope_testing.graph_probe import GraphProbe
from fracturescope_testing.launched_graph import launched
from rclpy.serialization import deserialize_message
from sensor_msgs.msg import Image

from fracturescope_msgs.msg import GroundTruthLabel

from .expected_outputs import SUMMARISERS, Frames
from .image_compression import compressed_topics, restore_bag
from .scenarios import OUTPUT_TYPES, Scenario

# /clock holds the bag's start this long before the first message, so the node's clock is set when it arrives [s].
CLOCK_LEAD_S = 1.0
STARTUP_TIMEOUT_S = 90.0     # node and ledger set up (a loaded 2-core machine) [s]
# After the player ends, no new output for this long: the node is done [s]. A loaded 2-core machine stalls for
# seconds (3 s lost a bag's last frame once in CI); with the expected count known the wait ends at the last output.
QUIET_S = 10.0
LEDGER_TIMEOUT_S = 20.0      # the ledger's blocks of every output [s]


class ReplayError(RuntimeError):
    """The replay itself failed (a node did not start, the player failed): no outputs to compare."""


@dataclass
class Replay:
    inputs: list[int]                                # header stamps of the bag's input frames, in order [ns]
    frames: Frames                                   # input stamp -> output summary or None
    ledger_problems: list[str] = field(default_factory=list)
    outputs_without_input: list[int] = field(default_factory=list)
    variants: dict[int, str] = field(default_factory=dict)   # input stamp -> the simulator's frame variant
    seconds: float = 0.0


def launch_dir() -> Path:
    """launch/ as installed into fracturescope_bringup's share folder (also the source tree's, via symlinks)."""
    return Path(get_package_share_directory('fracturescope_bringup')) / 'launch'


def input_stamps(bag: Path, topic: str) -> list[int]:
    """Header stamps of every message of `topic` in the bag, in the order played."""
    stamps = []
    for message in open_bag(bag).messages([topic]):
        stamps.append(to_ns(deserialize_message(message.data, Image).header.stamp))
    return stamps


def truth_variants(bag: Path, topic: str) -> dict[int, str]:
    """The simulator's variant of each frame ('normal', 'nan_pixels', ...) by header stamp, from the ground truth
    recorded in the bag; empty where the truth is no GroundTruthLabel (the line camera's)."""
    bag_topic = next((t for t in open_bag(bag).topics.values() if t.name.lstrip('/') == topic.lstrip('/')), None)
    if bag_topic is None or bag_topic.type != 'fracturescope_msgs/msg/GroundTruthLabel':
        return {}
    truths = (deserialize_message(m.data, GroundTruthLabel) for m in open_bag(bag).messages([bag_topic.name]))
    return {to_ns(t.header.stamp): t.variant for t in truths}


def _ledger_key(record: Any) -> tuple:
    return record.record_type, record.source_stamp_ns, record.image_sha256, record.label


def ledger_problems(database: Path, outputs: list[Any], kind: str) -> list[str]:
    """Outputs the ledger does not hold as a block (same type, source stamp, image digests and label), and blocks
    nothing was published for."""
    # location and model id come from the ledger's parameters; they are not what this check is about
    to_record: dict[str, Callable[[Any], Any]] = {
        'defects': record_from_detection,
        'edges': lambda m: record_from_edge_measurement(m, '', ''),
        'thermal': lambda m: record_from_thermal_assessment(m, ''),
    }
    if not database.exists():
        return [f'no ledger database at {database}']
    with LedgerStore(database, None) as store:
        stored = [_ledger_key(block.record) for block in store.iter_blocks()]
    wanted = [_ledger_key(to_record[kind](m)) for m in outputs]
    problems = [f'output for stamp {key[1]} ({key[3]}) is not in the ledger' for key in wanted if key not in stored]
    problems += [f'ledger block for stamp {key[1]} ({key[3]}) matches no output' for key in stored
                 if key not in wanted]
    return problems


def replay(scenario: Scenario, bag: Path, work: Path, expected_outputs: int | None,
           log: Callable[[str], None]) -> Replay:
    """Play `bag` into a freshly started node; `expected_outputs` (when known) ends the wait for outputs early."""
    started = time.monotonic()
    if compressed_topics(bag):   # the restore step: JPEG frames back to raw rgb8 images
        restored = work / 'restored_bag'
        if restored.exists():
            shutil.rmtree(restored)
        restore_bag(bag, restored)
        bag = restored
    inputs = input_stamps(bag, scenario.input_topic)
    env = isolated_ros_env()
    # the probe joins the graph in this process: same discovery range as the nodes
    os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = env['ROS_AUTOMATIC_DISCOVERY_RANGE']
    ledger_dir = work / 'ledger'
    args = {**scenario.replay_args, 'ledger_dir': str(ledger_dir)}
    outputs: list[Any] = []
    with launched(launch_dir() / 'replay.launch.xml', args, env=env, log_dir=work / 'logs') as graph:
        probe = GraphProbe(env, 'regression_probe')
        try:
            outputs = probe.collect(OUTPUT_TYPES[scenario.kind], scenario.output_topic, RECORDING)
            for node, line in ((scenario.node, scenario.startup_log), ('ledger', r'ledger .*: \d+ blocks')):
                if not graph.wait_for_output(node, line, STARTUP_TIMEOUT_S):
                    raise ReplayError(f'{node} did not start within {STARTUP_TIMEOUT_S:g} s (logs in {work / "logs"})')
            command = [sys.executable, '-m', 'fracturescope_bag.cli', 'play', str(bag), '--topics',
                       *scenario.sensor_topics, '--rate', str(scenario.rate), '--clock', '--delay', str(CLOCK_LEAD_S),
                       '--wait-for-subscribers', '30']
            with open(work / 'play.log', 'w') as play_log:
                player = subprocess.Popen(command, env=env, stdout=play_log, stderr=subprocess.STDOUT)
                try:
                    while player.poll() is None:
                        probe.spin_until(lambda: False, 0.1)
                finally:
                    if player.poll() is None:
                        player.kill()
                        player.wait()
            if player.returncode != 0:
                raise ReplayError(f'fracturescope-bag play exited {player.returncode}: '
                                  f'{(work / "play.log").read_text()[-2000:]}')
            seen = len(outputs)
            quiet_since = time.monotonic()
            while time.monotonic() - quiet_since < QUIET_S:
                if expected_outputs is not None and len(outputs) >= expected_outputs:
                    break
                probe.spin_until(lambda: False, 0.1)
                if len(outputs) != seen:
                    seen, quiet_since = len(outputs), time.monotonic()
            if not all(graph.alive().values()):
                raise ReplayError(f'node(s) died during the replay: {graph.dead_nodes()} (logs in {work / "logs"})')
            # every output must be in the ledger before the graph stops
            _wait_for_ledger(probe, ledger_dir / 'ledger.db', len(outputs))
        finally:
            probe.close()
    summarise = SUMMARISERS[scenario.kind]
    by_stamp = {to_ns(m.header.stamp): m for m in outputs}
    result = Replay(inputs=inputs, frames={stamp: (summarise(by_stamp[stamp]) if stamp in by_stamp else None)
                                           for stamp in inputs})
    result.outputs_without_input = sorted(set(by_stamp) - set(inputs))
    result.variants = truth_variants(bag, scenario.truth_topic)
    result.ledger_problems = ledger_problems(ledger_dir / 'ledger.db', outputs, scenario.kind)
    if len(by_stamp) != len(outputs):
        result.ledger_problems.append(f'{len(outputs) - len(by_stamp)} output(s) published twice for one frame')
    result.seconds = time.monotonic() - started
    log(f'{scenario.name}: {len(inputs)} frames played at rate {scenario.rate:g}, {len(outputs)} outputs '
        f'({result.seconds:.1f} s)')
    return result


def _wait_for_ledger(probe: GraphProbe, database: Path, blocks: int) -> None:
    """Until the ledger's database holds `blocks` blocks (read-only, while the ledger runs), or the timeout."""
    deadline = time.monotonic() + LEDGER_TIMEOUT_S
    while time.monotonic() < deadline:
        if database.exists():
            try:
                with LedgerStore(database, None) as store:
                    if store.size >= blocks:
                        return
            except Exception:
                pass
        probe.spin_until(lambda: False, 0.5)
