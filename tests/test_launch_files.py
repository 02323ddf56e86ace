"""Every launch file of the repository resolves, on this machine, to nodes that exist, with parameter files that
exist and cover every parameter the node declares: a launch file broken for `ros2 launch` on the robot is
broken here too. The top-level files put every node under `namespace` with `use_sim_time`, and are installed
where `ros2 launch fracturescope_bringup FILE` finds them."""

from importlib import import_module
from pathlib import Path

from fracturescope_common.parameter_files import read_node_parameters
from fracturescope_launch.launch_xml import declared_arguments, launch_file_in_package, load_launch_file
from fracturescope_security.policy import enclave_of
import pytest

ROOT = Path(__file__).resolve().parents[1]
LAUNCH_FILES = sorted((ROOT / 'launch').glob('*.launch.xml'))
TOP_LEVEL = [ROOT / 'launch' / 'robot.launch.xml', ROOT / 'launch' / 'sim.launch.xml']


def required_arguments(path):
    return {arg.name: '/tmp/fracturescope-launch-check' for arg in declared_arguments(path) if arg.default is None}


def declared_parameter_names(package, executable):
    """The parameters the node declares: its module's PARAMETERS (the thin-node convention of this repo)."""
    return {spec.name for spec in import_module(f'{package}.nodes.{executable}').PARAMETERS}


@pytest.mark.parametrize('path', LAUNCH_FILES, ids=[p.name for p in LAUNCH_FILES])
def test_launch_file_resolves_to_runnable_nodes(path):
    plan = load_launch_file(path, required_arguments(path))
    assert plan.nodes, f'{path.name} starts no node'
    for node in plan.nodes:
        executable = Path(node.command()[0])
        assert executable.is_file(), f'{node.label}: {executable} missing'
        assert plan.nodes[0].env.get('FASTDDS_DEFAULT_PROFILES_FILE', '').endswith('config/fastdds.xml')


@pytest.mark.parametrize('path', LAUNCH_FILES, ids=[p.name for p in LAUNCH_FILES])
def test_every_declared_parameter_is_set_by_the_launch_file(path):
    for node in load_launch_file(path, required_arguments(path)).nodes:
        given: set[str] = set()
        for params in node.params:
            if isinstance(params, str):
                given |= set(read_node_parameters(params, node.name))
            else:
                given |= set(params)
        missing = declared_parameter_names(node.package, node.executable) - given
        assert not missing, f'{path.name}: node {node.name} gets no value for {sorted(missing)}'


@pytest.mark.parametrize('path', TOP_LEVEL, ids=[p.name for p in TOP_LEVEL])
def test_namespace_and_use_sim_time_reach_every_node(path):
    plan = load_launch_file(path, {'namespace': 'robot1', 'use_sim_time': 'true'})
    assert len(plan.nodes) == {'robot.launch.xml': 8, 'sim.launch.xml': 14}[path.name]
    for node in plan.nodes:
        assert node.namespace == '/robot1', node.label
        assert ('use_sim_time', 'True') in node.global_params, node.label
        assert node.command()[node.command().index('-p') + 1] == 'use_sim_time:=True'


@pytest.mark.parametrize('path', TOP_LEVEL, ids=[p.name for p in TOP_LEVEL])
def test_defaults_are_the_root_namespace_and_wall_time(path):
    for node in load_launch_file(path).nodes:
        assert (node.namespace, node.global_params) == ('/', (('use_sim_time', 'False'),)), node.label


@pytest.mark.parametrize('path', LAUNCH_FILES, ids=[p.name for p in LAUNCH_FILES])
def test_installed_in_the_bringup_share_folder(path):
    installed = launch_file_in_package('fracturescope_bringup', path.name)
    assert installed.read_text() == path.read_text()
    config = installed.parent.parent / 'config'
    assert sorted(p.name for p in config.iterdir()) == sorted(p.name for p in (ROOT / 'config').iterdir())
    plan = load_launch_file(installed, required_arguments(path))
    assert all(Path(p).is_file() for node in plan.nodes for p in node.params if isinstance(p, str))


@pytest.mark.parametrize('namespace', ['', 'robot1', 'site_a/robot2'])
@pytest.mark.parametrize('path', TOP_LEVEL, ids=[p.name for p in TOP_LEVEL])
def test_every_node_runs_in_the_enclave_the_keystore_names(path, namespace):
    """`fracturescope-keystore build --namespace` writes /fracturescope/<namespace>/<node>: the launch files ask for
    exactly that enclave (used only with ROS_SECURITY_ENABLE=true)."""
    for node in load_launch_file(path, {'namespace': namespace, 'ledger_dir': '/tmp/x'}).nodes:
        command = node.command()
        assert command[command.index('--enclave') + 1] == enclave_of(namespace, node.name), node.label
