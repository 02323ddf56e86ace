"""The benchmark scripts are not run by the tests (they measure, for minutes): at least what they import from the
project must exist, so a moved module cannot leave a benchmark broken until someone runs it."""

import ast
import importlib
from pathlib import Path

import pytest

BENCHMARKS = sorted((Path(__file__).resolve().parents[1] / 'benchmarks').glob('*.py'))


@pytest.mark.parametrize('script', BENCHMARKS, ids=[p.name for p in BENCHMARKS])
def test_every_project_name_a_benchmark_imports_exists(script):
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith('fracturescope'):
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name) or importlib.util.find_spec(f'{node.module}.{alias.name}'), \
                    f'{script.name}: {node.module}.{alias.name} does not exist'
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith('fracturescope'):
                    importlib.import_module(alias.name)
