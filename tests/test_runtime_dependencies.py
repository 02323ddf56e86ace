"""The robot's runtime packages import and declare no offline tooling: no torch, no simulator, no training code."""

import ast
from pathlib import Path
import xml.etree.ElementTree as ET

import pytest

SRC = Path(__file__).resolve().parents[1] / 'src'
RUNTIME_PACKAGES = ('fracturescope_perception', 'fracturescope_common', 'fracturescope_ledger',
                    'fracturescope_control', 'fracturescope_security')
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


def declared_dependencies(package: str, tags: tuple[str, ...]) -> set[str]:
    root = ET.parse(SRC / package / 'package.xml').getroot()
    return {e.text for e in root if e.tag in tags}


PROJECT_PACKAGES = sorted(p.parent.name for p in SRC.glob('*/package.xml'))
RUN_TAGS = ('depend', 'exec_depend', 'build_depend')


@pytest.mark.parametrize('package', [p for p in PROJECT_PACKAGES if (SRC / p / p).is_dir()])
def test_every_project_package_imported_is_declared(package):
    """A package's modules import only project packages it declares as run dependencies, its tests only those it
    declares at all (test_depend included): rosdep and colcon see the real graph."""
    project = set(PROJECT_PACKAGES) - {package}
    code = set().union(*(imported_modules(p) for p in (SRC / package / package).rglob('*.py'))) & project
    assert code - declared_dependencies(package, RUN_TAGS) == set()
    tests = set().union(set(), *(imported_modules(p) for p in (SRC / package / 'test').rglob('*.py'))) & project
    assert tests - declared_dependencies(package, RUN_TAGS + ('test_depend',)) == set()


def test_project_packages_have_no_dependency_cycle():
    """Test dependencies count: a cycle through them still makes colcon and the buildfarm order packages wrongly."""
    needs = {p: declared_dependencies(p, RUN_TAGS + ('test_depend',)) & set(PROJECT_PACKAGES)
             for p in PROJECT_PACKAGES}
    done: set[str] = set()

    def visit(package: str, path: tuple[str, ...]) -> None:
        assert package not in path, f'dependency cycle: {" -> ".join(path + (package,))}'
        if package not in done:
            for dependency in sorted(needs[package]):
                visit(dependency, path + (package,))
            done.add(package)

    for package in PROJECT_PACKAGES:
        visit(package, ())
