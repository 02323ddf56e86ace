"""The regression bags: which simulator makes each, what is recorded, which robot node replays it at what rate.

Each bag is small enough to commit (all together under 30 MB, MCAP chunks zstd-compressed). Line camera frames are
stored as JPEG and restored before playing (image_compression.py). The `fast` ones (one short bag per node) run
inside `make test`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fracturescope_msgs.msg import DefectDetection, EdgeMeasurement, ThermalAssessment


@dataclass(frozen=True)
class Scenario:
    name: str                          # bag folder, and <name>.expected.json beside it
    kind: str                          # defects, edges or thermal (expected_outputs.SUMMARISERS)
    node: str                          # the robot node under test, as replay.launch.xml names it
    startup_log: str                   # regex of the line the node logs once it is set up
    replay_args: dict[str, str]        # replay.launch.xml: which nodes start
    sim_launch: str                    # launch file (in launch/) with the simulator
    sim_args: dict[str, str]
    sensor_topics: tuple[str, ...]     # recorded and played
    truth_topic: str                   # recorded too (not played): one message per simulated frame
    input_topic: str                   # outputs carry this topic's header stamps
    output_topic: str
    frames: int                        # frames the simulator publishes
    rate: float                        # playback rate: the 2-core machine must keep up with every frame
    fast: bool = False                 # one short bag per node, run by `make test`
    sim_with_ledger: bool = False      # the simulator waits for a ledger node before its first frame
    whole_graph: bool = False          # sim_launch is the whole simulated graph (its ledger in the work folder)
    jpeg_quality: int | None = None    # sensor images stored as JPEG of this quality, restored before playing
    description: str = ''
    record_topics: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, 'record_topics', (*self.sensor_topics, self.truth_topic))


OUTPUT_TYPES = {'defects': DefectDetection, 'edges': EdgeMeasurement, 'thermal': ThermalAssessment}
ONLY = {'defects': 'perception', 'edges': 'edge_eye', 'thermal': 'thermal_monitor'}


def _replay_args(kind: str) -> dict[str, str]:
    return {name: str(name == ONLY[kind]).lower() for name in ONLY.values()}


def _surface(name: str, frames: int, fast: bool) -> Scenario:
    return Scenario(
        name=name, kind='defects', node='defect_detector', startup_log=r'running \S+ \(', fast=fast,
        replay_args=_replay_args('defects'), sim_launch='perception.launch.xml',
        sim_args={'camera_frames': str(frames), 'camera_rate_hz': '5.0'}, sim_with_ledger=True,
        sensor_topics=('/camera/rgb/image_raw', '/camera/thermal/image_raw'), truth_topic='/camera/ground_truth',
        input_topic='/camera/rgb/image_raw', output_topic='/defects', frames=frames, rate=0.25,
        description=f'{frames} RGB 640x360 + thermal 160x90 pairs of the simulated surface cameras at 5 Hz')


def _line(name: str, frames: int, fast: bool) -> Scenario:
    return Scenario(
        name=name, kind='edges', node='edge_tracker', startup_log=r'Edge-Eye: ', fast=fast,
        replay_args=_replay_args('edges'), sim_launch='edge_eye.launch.xml',
        sim_args={'line_camera_fps': '10.0', 'line_camera_frames': str(frames)},
        sensor_topics=('/line_camera/image_raw',), truth_topic='/line_camera/ground_truth',
        input_topic='/line_camera/image_raw', output_topic='/edges', frames=frames, rate=0.5, jpeg_quality=95,
        description=f'{frames} rgb8 1920x1080 frames of the simulated line camera at 10 fps (grey sheet, nominal '
                    'light, Gaussian edge drift; the first 0.5 s without a sheet), stored as JPEG quality 95')


def _thermal(name: str, frames: int, fast: bool) -> Scenario:
    return Scenario(
        name=name, kind='thermal', node='thermal_monitor', startup_log=r'thermal monitor: ', fast=fast,
        replay_args=_replay_args('thermal'), sim_launch='thermal_monitor.launch.xml',
        sim_args={'thermal_camera_fps': '8.0', 'thermal_camera_frames': str(frames), 'thermal_camera_seed': '2030',
                  'thermal_bad_frame_share': '0.05', 'thermal_camera_waits_for': '[thermal_monitor]'},
        sensor_topics=('/equipment_thermal/image_raw',), truth_topic='/equipment_thermal/ground_truth',
        input_topic='/equipment_thermal/image_raw', output_topic='/thermal_monitor/assessment', frames=frames,
        rate=1.0, description=f'{frames} 32x24 frames of the simulated equipment thermal camera at 8 Hz (seed 2030, '
                              '5 % deliberately bad frames, which must stay refused)')


def _graph_surface(name: str, frames: int) -> Scenario:
    """The surface camera pairs as the whole simulated graph runs around them (line camera at 30 fps, Edge-Eye,
    control and PLC, thermal monitor, ledger: what `make run` starts, without the operator link)."""
    return Scenario(
        name=name, kind='defects', node='defect_detector', startup_log=r'running \S+ \(', whole_graph=True,
        replay_args=_replay_args('defects'), sim_launch='sim.launch.xml',
        sim_args={'camera_frames': str(frames), 'camera_rate_hz': '5.0', 'broker': 'false', 'uplink': 'false'},
        sensor_topics=('/camera/rgb/image_raw', '/camera/thermal/image_raw'), truth_topic='/camera/ground_truth',
        input_topic='/camera/rgb/image_raw', output_topic='/defects', frames=frames, rate=0.25,
        description=f'{frames} RGB 640x360 + thermal 160x90 pairs recorded while the whole simulated graph ran '
                    '(sim.launch.xml without the operator link)')


SCENARIOS = (
    _surface('surface_short', 6, True), _surface('surface', 16, False), _graph_surface('graph', 8),
    _line('line_short', 12, True), _line('line', 40, False),
    _thermal('thermal_short', 24, True), _thermal('thermal', 240, False),
)


def by_names(names: list[str] | None, fast_only: bool = False) -> list[Scenario]:
    """The scenarios named (all when None), only the fast ones with `fast_only`; ValueError for an unknown name."""
    known = {s.name: s for s in SCENARIOS}
    unknown = [n for n in names or () if n not in known]
    if unknown:
        raise ValueError(f'unknown bag(s) {", ".join(unknown)}; known: {", ".join(known)}')
    chosen = [known[n] for n in names] if names else list(SCENARIOS)
    return [s for s in chosen if s.fast or not fast_only]


def bag_dir(bags: Path, scenario: Scenario) -> Path:
    return bags / scenario.name


def expected_path(bags: Path, scenario: Scenario) -> Path:
    return bags / f'{scenario.name}.expected.json'
