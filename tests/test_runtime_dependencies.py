"""The robot's runtime packages import and declare no offline tooling: no torch, no simulator, no training code."""

import ast
from pathlib import Path
import xml.etree.ElementTree as ET

import pytest

SRC = Path(__file__).resolve().parents[1] / 'src'
RUNTIME_PACKAGES = ('fracturescope_perception', 'fracturescope_common', 'fracturescope_ledger',
                    'fracturescope_control')
OFFLINE = {'torch', 'onnx', 'onnxscript', 'matplotlib', 'tqdm', 'fracturescope_sim',
           'fracturescope_perception_training'}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split('.')[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split('.')[0])
    return names


@pytest.mark.parametrize('package', RUNTIME_PACKAGES)
def test_runtime_code_imports_no_offline_tooling(package):
    offenders = {str(p.relative_to(SRC)): sorted(imported_modules(p) & OFFLINE)
                 for p in sorted((SRC / package / package).rglob('*.py'))}
    assert {p: m for p, m in offenders.items() if m} == {}


@pytest.mark.parametrize('package', RUNTIME_PACKAGES)
def test_runtime_package_declares_no_offline_tooling(package):
    root = ET.parse(SRC / package / 'package.xml').getroot()
    # test_depend is left out: tests may use the simulator (rosdep installs no test dependencies on a robot)
    declared = {e.text for e in root if e.tag.endswith('depend') and e.tag != 'test_depend'}
    assert declared & OFFLINE == set()


def test_the_checker_sees_imports(tmp_path):
    module = tmp_path / 'm.py'
    module.write_text('import torch.nn\nfrom fracturescope_sim.x import y\nfrom . import z\nimport numpy as np\n')
    assert imported_modules(module) == {'torch', 'fracturescope_sim', 'numpy'}
