"""The container of docker/Dockerfile, as far as this machine (no docker) can check it: the versions it pins are
those the tests ran with, its entry point provisions the robot's keys, and its command names a launch file the
runner resolves to nodes that exist. The image itself is not built here."""

import json
import os
from pathlib import Path
import re
import shlex
import subprocess

from ament_index_python.packages import get_package_share_directory
from fracturescope_bringup.provision_keys import GENERATED_OPERATOR_KEY
from fracturescope_launch.launch_xml import load_launch_file
import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / 'docker' / 'Dockerfile').read_text()


def instruction(name: str) -> str:
    """The (last) Dockerfile instruction `name`, continuation lines joined."""
    joined = re.sub(r'\\\n\s*', ' ', DOCKERFILE)
    return [line for line in joined.splitlines() if line.startswith(f'{name} ')][-1][len(name) + 1:]


def constraints() -> dict[str, str]:
    pins = (line.split('==') for line in (ROOT / 'constraints.txt').read_text().splitlines() if '==' in line)
    return {name.lower(): version for name, version in pins}


def test_pip_installs_only_what_constraints_txt_pins():
    pinned = shlex.split(instruction('ARG').split('=', 1)[1])[0].split()
    assert sorted(pinned) == ['foxglove-sdk', 'onnxruntime', 'paho-mqtt', 'pymodbus']
    assert all(name in constraints() for name in pinned)
    assert not re.search(r'[a-z]==\d', DOCKERFILE), 'a version written into the Dockerfile, not taken from constraints'
    assert '-c /tmp/pins.txt $PIP_PINNED' in instruction('RUN')


@pytest.mark.parametrize('key', ['python3-pymodbus', 'python3-paho-mqtt'])
def test_rosdep_leaves_pinned_packages_to_the_pip_install(key):
    """Ubuntu's python3-pymodbus (3.6) and python3-paho-mqtt (1.6) would shadow the tested ones; every package that
    needs them says so."""
    assert key in re.search(r'--skip-keys "([^"]*)"', instruction('RUN')).group(1).split()
    users = [p.parent.name for p in (ROOT / 'src').glob('*/package.xml') if key in p.read_text()]
    assert users, f'no package declares {key} any more: drop the skip'


def test_entrypoint_provisions_keys_once_then_runs_the_command(tmp_path):
    assert json.loads(instruction('ENTRYPOINT')) == ['/opt/fracturescope/entrypoint.sh']
    env = {**os.environ, 'FRACTURESCOPE_HOME': str(ROOT), 'FRACTURESCOPE_DATA': str(tmp_path / 'volume'),
           'ROS_DISTRO': 'not-installed-here'}
    env.pop('FRACTURESCOPE_OPERATOR_PUBLIC_KEY', None)
    first = subprocess.run([ROOT / 'docker' / 'entrypoint.sh', 'echo', 'command ran'], env=env, capture_output=True,
                           text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith('command ran') and 'made' in first.stdout
    assert (tmp_path / 'volume' / 'ledger_key.pem').exists() and (tmp_path / 'volume' / GENERATED_OPERATOR_KEY).exists()
    public = (tmp_path / 'volume' / 'operator_key.pem.pub').read_text()
    second = subprocess.run([ROOT / 'docker' / 'entrypoint.sh', 'true'], env=env, capture_output=True, text=True,
                            timeout=60)
    assert second.returncode == 0 and 'made' not in second.stdout
    assert (tmp_path / 'volume' / 'operator_key.pem.pub').read_text() == public


def test_the_command_starts_the_robot_launch_file_as_installed(tmp_path):
    """`ros2 launch fracturescope_bringup robot.launch.xml ...`, resolved by the runner against the installed
    share folder: every node it starts exists and gets its parameters."""
    command = json.loads(instruction('CMD'))
    assert command[:2] == ['ros2', 'launch']
    package, file, *arguments = command[2:]
    args = dict(argument.split(':=', 1) for argument in arguments)
    plan = load_launch_file(Path(get_package_share_directory(package)) / 'launch' / file,
                            {**args, 'ledger_dir': str(tmp_path)})
    assert {node.name for node in plan.nodes} == {'defect_detector', 'defect_markers', 'edge_tracker',
                                                  'thermal_monitor', 'ledger', 'control', 'line_markers',
                                                  'static_frames'}
    assert all(Path(node.command()[0]).is_file() for node in plan.nodes)
