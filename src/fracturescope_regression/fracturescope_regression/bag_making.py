"""Regression bags from the simulators: `fracturescope-bag record --zstd` records the sensor topics (and the ground
truth) while the scenario's launch file runs its simulated camera for a fixed number of frames."""

from __future__ import annotations

from collections.abc import Callable
import os
from pathlib import Path
import shutil
import signal
import subprocess
import sys
import time

from fracturescope_common.qos import RELIABLE_EVENTS
from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_launch.launch_xml import load_launch_file
from fracturescope_launch.process_graph import RunningGraph
from fracturescope_testing.graph_probe import GraphProbe

from fracturescope_msgs.msg import EdgeMeasurement, GroundTruthLabel

from .image_compression import compress_bag
from .replay import launch_dir
from .scenarios import Scenario, bag_dir

RECORDER_START_TIMEOUT_S = 30.0
SETTLE_S = 2.0                 # after the last ground truth: the recorder writes what is still queued [s]
TRUTH_TYPES = {'defects': GroundTruthLabel, 'edges': EdgeMeasurement, 'thermal': GroundTruthLabel}


def _wait_for_line(path: Path, text: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return True
        time.sleep(0.1)
    return False


def make_bag(scenario: Scenario, bags: Path, work: Path, replace: bool, log: Callable[[str], None]) -> Path:
    """Record the scenario's bag into `bags`; an existing one is kept unless `replace`."""
    out = bag_dir(bags, scenario)
    if out.exists():
        if not replace:
            raise FileExistsError(f'{out} exists (give --replace to make it again)')
        shutil.rmtree(out)
    bags.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    env = isolated_ros_env()
    os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = env['ROS_AUTOMATIC_DISCOVERY_RANGE']
    record_log = work / 'record.log'
    recorded = out if scenario.jpeg_quality is None else work / 'raw_bag'
    if recorded.exists():
        shutil.rmtree(recorded)
    command = [sys.executable, '-m', 'fracturescope_bag.cli', 'record', *scenario.record_topics, '-o', str(recorded),
               '--zstd', '--queue-depth', '100']
    with open(record_log, 'w') as output:
        recorder = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        if not _wait_for_line(record_log, 'recording into', RECORDER_START_TIMEOUT_S):
            raise RuntimeError(f'the recorder did not start: {record_log.read_text()[-2000:]}')
        sim_args = {**scenario.sim_args, 'ledger_dir': str(work / 'ledger')} if scenario.whole_graph \
            else scenario.sim_args
        nodes = load_launch_file(launch_dir() / scenario.sim_launch, sim_args, env).nodes
        if scenario.sim_with_ledger:   # the surface cameras wait for a ledger before their first pair
            nodes = nodes + load_launch_file(launch_dir() / 'ledger.launch.xml',
                                             {'ledger_dir': str(work / 'ledger')}, env).nodes
        with RunningGraph(nodes, log_dir=work / 'logs'), GraphProbe(env, 'regression_bag_probe') as probe:
            truth = probe.collect(TRUTH_TYPES[scenario.kind], scenario.truth_topic, RELIABLE_EVENTS)
            timeout_s = 120.0 + 4.0 * scenario.frames / scenario.rate
            if not probe.spin_until(lambda: len(truth) >= scenario.frames, timeout_s):
                raise RuntimeError(f'{scenario.name}: {len(truth)} of {scenario.frames} frames in {timeout_s:g} s')
            probe.spin_until(lambda: False, SETTLE_S)
    finally:
        recorder.send_signal(signal.SIGTERM)
        try:
            recorder.wait(30.0)
        except subprocess.TimeoutExpired:
            recorder.kill()
            recorder.wait()
    if recorder.returncode != 0:
        raise RuntimeError(f'the recorder exited {recorder.returncode}: {record_log.read_text()[-2000:]}')
    if scenario.jpeg_quality is not None:
        for topic in scenario.sensor_topics:
            compress_bag(recorded, out, topic, scenario.jpeg_quality)
    size = sum(f.stat().st_size for f in out.iterdir())
    log(f'{scenario.name}: {record_log.read_text().strip().splitlines()[-1]} ({size / 1e6:.2f} MB)')
    return out
