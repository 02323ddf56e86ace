"""A launch file of a test's own that includes the project's launch files with the arguments it gives, as
robot.launch.xml includes them: the graph a test needs, no more, started by the real launch files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr


def including(path: Path, includes: Sequence[tuple[Path, Mapping[str, object]]]) -> Path:
    """Write `path`: one <include> per (launch file, {argument: value}); returns `path`."""
    lines = ['<launch>']
    for launch_file, arguments in includes:
        lines.append(f'  <include file={quoteattr(str(launch_file))}>')
        lines += [f'    <arg name={quoteattr(name)} value={quoteattr(str(value))}/>'
                  for name, value in arguments.items()]
        lines.append('  </include>')
    path.write_text('\n'.join([*lines, '</launch>', '']))
    return path
