"""benchmarks/README.md shows exactly the saved figures: regenerated after every benchmark run, never hand-edited."""

import importlib.util
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / 'benchmarks'


def load_generator():
    spec = importlib.util.spec_from_file_location('make_readme', BENCHMARKS / 'make_readme.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_is_what_the_results_generate():
    assert (BENCHMARKS / 'README.md').read_text() == load_generator().readme(), \
        'benchmarks/README.md is stale: run python benchmarks/make_readme.py'


def test_every_saved_result_and_every_script_appears():
    text = (BENCHMARKS / 'README.md').read_text()
    assert all(f'### {result.stem}\n' in text for result in (BENCHMARKS / 'results').glob('*.json'))
    assert all(f'`{script.name}`' in text for script in BENCHMARKS.glob('*_benchmark.py'))


def test_nested_figures_become_rows_and_long_lists_stay_in_the_json():
    flatten = load_generator().flatten
    assert flatten({'a': {'b': 1.23456, 'c': [1, 2]}, 'd': list(range(10)), 'e': None}) == [
        ('a.b', '1.235'), ('a.c', '1, 2'), ('d', '(10 entries in the JSON file)'), ('e', '')]
