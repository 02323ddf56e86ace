"""``fracturescope-regression``: the perception nodes replayed from committed bags against expected outputs.

  fracturescope-regression make-bags [--bags DIR] [--only NAME ...] [--fast] [--replace]
  fracturescope-regression run       [--bags DIR] [--only NAME ...] [--fast] [--work DIR]
  fracturescope-regression bless     [--bags DIR] [--only NAME ...] [--fast] [--work DIR]

Exit status: 0 every output as expected (run) / written (make-bags, bless); 1 a mismatch, an output missing from the
ledger or a failed replay (each printed); 2 usage error (an unknown bag, a bag or expectation file missing).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
import sys
import tempfile

from .bag_making import make_bag
from .expected_outputs import Expected, compare, load, save
from .replay import Replay, ReplayError, replay
from .scenarios import Scenario, bag_dir, by_names, expected_path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_BAGS = Path('regression/bags')
MAX_LISTED = 50   # changes printed per bag; the counts cover all of them


def say(text: str) -> None:
    print(text, flush=True)


@contextmanager
def _work_dir(given: Path | None, name: str) -> Iterator[Path]:
    if given is not None:
        (given / name).mkdir(parents=True, exist_ok=True)
        yield given / name
        return
    with tempfile.TemporaryDirectory(prefix=f'fracturescope-regression-{name}-') as tmp:
        yield Path(tmp)


def _replay(scenario: Scenario, bags: Path, work: Path | None, expected: Expected | None) -> Replay:
    bag = bag_dir(bags, scenario)
    if not bag.is_dir():
        raise FileNotFoundError(f'no bag {bag} (make it with `fracturescope-regression make-bags`)')
    known = None if expected is None else sum(v is not None for v in expected.frames.values())
    with _work_dir(work, scenario.name) as folder:
        return replay(scenario, bag, folder, known, say)


def _print_changes(name: str, changes: list, counts: list[str]) -> None:
    for change in changes[:MAX_LISTED]:
        say(f'  {name}: {change}')
    if len(changes) > MAX_LISTED:
        say(f'  {name}: ... and {len(changes) - MAX_LISTED} more')
    say(f'  {name}: ' + '; '.join(counts))


def _run(args: argparse.Namespace) -> int:
    failed = []
    for scenario in by_names(args.only, args.fast):
        path = expected_path(args.bags, scenario)
        if not path.exists():
            raise FileNotFoundError(f'no expected outputs {path} (write them with `fracturescope-regression bless`)')
        expected = load(path)
        try:
            result = _replay(scenario, args.bags, args.work, expected)
        except ReplayError as error:
            say(f'FAIL {scenario.name}: replay failed: {error}')
            failed.append(scenario.name)
            continue
        comparison = compare(expected, result.frames)
        problems = result.ledger_problems + [f'output for stamp {s} matches no input frame'
                                             for s in result.outputs_without_input]
        if comparison.ok and not problems:
            outputs = sum(v is not None for v in result.frames.values())
            say(f'ok   {scenario.name}: {len(result.inputs)} frames, {outputs} outputs as expected, all in the ledger')
            continue
        failed.append(scenario.name)
        say(f'FAIL {scenario.name}: {len(comparison.changes)} difference(s) from {path}, {len(problems)} ledger '
            'problem(s)')
        if comparison.changes:
            _print_changes(scenario.name, comparison.changes, comparison.counts())
        for problem in problems:
            say(f'  {scenario.name}: ledger: {problem}')
    say(f'regression: {"FAILED " + ", ".join(failed) if failed else "ALL OK"}')
    return EXIT_FAILED if failed else EXIT_OK


def _bless(args: argparse.Namespace) -> int:
    failed = []
    for scenario in by_names(args.only, args.fast):
        path = expected_path(args.bags, scenario)
        old = load(path) if path.exists() else None
        try:
            result = _replay(scenario, args.bags, args.work, old)
        except ReplayError as error:
            say(f'FAIL {scenario.name}: replay failed, nothing written: {error}')
            failed.append(scenario.name)
            continue
        if result.ledger_problems:
            say(f'FAIL {scenario.name}: the ledger did not record every output, nothing written: '
                + '; '.join(result.ledger_problems))
            failed.append(scenario.name)
            continue
        new = Expected(kind=scenario.kind, node=scenario.node, input_topic=scenario.input_topic,
                       output_topic=scenario.output_topic, frames=result.frames,
                       **({} if old is None else {'tolerance_mm': old.tolerance_mm}))
        refused = [i for i, stamp in enumerate(result.inputs) if result.frames[stamp] is None]
        if old is None:
            say(f'new  {scenario.name}: {len(result.frames)} frames, {len(result.frames) - len(refused)} outputs')
        else:
            comparison = compare(old, result.frames)
            if comparison.ok:
                say(f'same {scenario.name}: {len(result.frames)} frames, nothing changed')
            else:
                say(f'changed {scenario.name}: {len(comparison.changes)} change(s)')
                _print_changes(scenario.name, comparison.changes, comparison.counts())
        if refused:
            # the simulator's variant of each: a 'normal' frame without output may have been lost in transport
            listed = ', '.join(f'{i} ({result.variants.get(result.inputs[i], "variant unknown")})' for i in refused)
            say(f'  {scenario.name}: frames without output (refused by the node): {listed}')
        save(new, path)
        say(f'  wrote {path}')
    return EXIT_FAILED if failed else EXIT_OK


def _make_bags(args: argparse.Namespace) -> int:
    for scenario in by_names(args.only, args.fast):
        with _work_dir(args.work, scenario.name) as work:
            make_bag(scenario, args.bags, work, args.replace, say)
    total = sum(f.stat().st_size for f in args.bags.rglob('*') if f.is_file())
    say(f'bags in {args.bags}: {total / 1e6:.1f} MB in all')
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='fracturescope-regression', description=__doc__.split('\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    commands = parser.add_subparsers(dest='command', required=True)
    for name, run, text in (('make-bags', _make_bags, 'record the regression bags from the simulators'),
                            ('run', _run, 'replay every bag and compare with the expected outputs'),
                            ('bless', _bless, 'replay every bag and write its outputs as the expected ones')):
        command = commands.add_parser(name, help=text)
        command.add_argument('--bags', type=Path, default=DEFAULT_BAGS, help='folder of the bags [path]')
        command.add_argument('--only', nargs='+', metavar='NAME', help='only these bags')
        command.add_argument('--fast', action='store_true', help='only the short bags (one per node)')
        command.add_argument('--work', type=Path, help='keep logs and ledgers here [path] (default: a temporary '
                                                       'folder, removed)')
        if name == 'make-bags':
            command.add_argument('--replace', action='store_true', help='make existing bags again')
        command.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f'fracturescope-regression: {error}', file=sys.stderr)
        return EXIT_USAGE


if __name__ == '__main__':
    sys.exit(main())
