"""`fracturescope-launch [PACKAGE] FILE [name:=value ...]`: run an XML launch file where `ros2 launch` is missing.

Like `ros2 launch`, FILE is a path, or with PACKAGE the name of a launch file in that package's share folder.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import os
import shlex
import signal
import sys
from types import FrameType

from fracturescope_launch.launch_xml import (
    LaunchFileError,
    LaunchPlan,
    declared_arguments,
    launch_file_in_package,
    load_launch_file,
)
from fracturescope_launch.process_graph import RunningGraph


def parse_launch_arguments(items: Sequence[str]) -> dict[str, str]:
    """`name:=value` pairs, as `ros2 launch` takes them."""
    result: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition(':=')
        if not sep or not name:
            raise ValueError(f"launch arguments take the form 'name:=value', got '{item}'")
        result[name] = value
    return result


def format_plan(plan: LaunchPlan) -> str:
    """The resolved plan: each node's full command line and the environment it adds."""
    lines = []
    for node in plan.nodes:
        flags = [f'output={node.output}']
        if node.respawn:
            flags.append(f'respawn after {node.respawn_delay:g} s')
        if node.on_exit:
            flags.append(f'on_exit={node.on_exit}')
        kind = 'node' if node.is_node else 'process'
        lines.append(f"{kind} '{node.label}' ({', '.join(flags)})")
        lines.append(f'  command: {shlex.join(node.command())}')
        changed = {k: v for k, v in node.env.items() if plan.environment.get(k) != v}
        removed = sorted(set(plan.environment) - set(node.env))
        lines += [f'  env: {k}={shlex.quote(v)}' for k, v in sorted(changed.items())]
        lines += [f'  env: unset {k}' for k in removed]
    return '\n'.join(lines)


def format_arguments(path: str) -> str:
    """Declared launch arguments, like `ros2 launch --show-args`."""
    lines = ["Arguments (pass arguments as '<name>:=<value>'):"]
    for arg in declared_arguments(path):
        default = '(required)' if arg.default is None else f"(default: '{arg.default}')"
        lines += ['', f"    '{arg.name}':", f'        {arg.description}', f'        {default}']
    return '\n'.join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='fracturescope-launch', description=__doc__)
    parser.add_argument('file', help='an XML launch file (*.launch.xml), or a package name followed by one')
    parser.add_argument('launch_arguments', nargs='*', metavar='name:=value',
                        help='launch arguments (first, the launch file name when FILE is a package)')
    parser.add_argument('--duration', type=float, metavar='S', help='stop cleanly after S seconds')
    parser.add_argument('--show', action='store_true', help='print the resolved plan and exit')
    parser.add_argument('-s', '--show-args', action='store_true', help='list the launch arguments and exit')
    parser.add_argument('--log-dir', help='also write each node\'s output to LOG_DIR/<name>.log')
    parser.add_argument('--grace', type=float, default=5.0, metavar='S',
                        help='seconds between SIGINT and SIGTERM when stopping (default 5)')
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    options = _parser().parse_intermixed_args(argv)
    try:
        if not os.path.isfile(options.file) and options.launch_arguments:
            # `PACKAGE FILE`, as in `ros2 launch`: FILE is not a path, so the first word was a package.
            options.file = str(launch_file_in_package(options.file, options.launch_arguments.pop(0)))
        if options.show_args:
            print(format_arguments(options.file))
            return 0
        plan = load_launch_file(options.file, parse_launch_arguments(options.launch_arguments))
        for warning in plan.warnings:
            print(f'fracturescope-launch: warning: {warning}', file=sys.stderr)
        if options.show:
            print(format_plan(plan))
            return 0
    except (LaunchFileError, ValueError) as error:
        print(f'fracturescope-launch: error: {error}', file=sys.stderr)
        return 2
    return run(plan, options.duration, options.log_dir, options.grace)


def run(plan: LaunchPlan, duration: float | None, log_dir: str | None, grace: float) -> int:
    """Run `plan` until `duration`, SIGINT/SIGTERM or an on_exit=shutdown node; report and return status."""
    graph = RunningGraph(plan.nodes, log_dir=log_dir, grace_s=grace)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        print(f'[fracturescope-launch] {signal.Signals(signum).name} received, stopping', flush=True)
        graph.request_shutdown()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with graph:
            graph.wait(duration)
    except LaunchFileError as error:
        print(f'fracturescope-launch: error: {error}', file=sys.stderr)
        return 2
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if graph.failures:
        print('[fracturescope-launch] FAILED:', *(f'  - {f}' for f in graph.failures), sep='\n', flush=True)
    else:
        print(f'[fracturescope-launch] all {len(plan.nodes)} node(s) ran and stopped cleanly', flush=True)
    return graph.exit_status()


if __name__ == '__main__':
    sys.exit(main())
