"""Full ROS 2 message definitions in the `ros2msg` schema encoding, as rosbag2's MCAP storage and Foxglove write them
(ros2/rosbag2 docs/message_definition_encoding.md): the type's .msg text, then each type it uses, directly or through
another, once, each after a line of 80 '=' and a line `MSG: pkg/Type`.

The .msg files come from `share/<pkg>/msg/<Type>.msg` of each prefix in AMENT_PREFIX_PATH, and of this Python
environment's prefix, where the ROS 2 message wheels from PyPI install them (a venv that no setup script lists in
AMENT_PREFIX_PATH). Plain Python, no ROS.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
import os
from pathlib import Path
import re
import sys

SEPARATOR = '=' * 80
# rosidl's primitive types (rosidl_adapter/parser.py PRIMITIVE_TYPES): no definition of their own
PRIMITIVE_TYPES = frozenset({'bool', 'byte', 'char', 'float32', 'float64', 'int8', 'uint8', 'int16', 'uint16',
                             'int32', 'uint32', 'int64', 'uint64', 'string', 'wstring'})
_TYPE_NAME = re.compile(r'^([A-Za-z][A-Za-z0-9_]*)/(?:msg/)?([A-Za-z][A-Za-z0-9_]*)$')
# A field or constant line's type: `pkg/Type`, `Type`, with an array suffix ([], [3], [<=3]) or a string bound (<=8)
_FIELD_TYPE = re.compile(r'^([A-Za-z][A-Za-z0-9_/]*)(?:<=\d+)?(?:\[<?=?\d*\])?\s')


class DefinitionNotFoundError(LookupError):
    """No .msg file for a type (an unknown package, a type defined only in .idl, an action's or service's type)."""


def search_prefixes(environ: dict[str, str] | None = None) -> list[Path]:
    """The install prefixes to look in: AMENT_PREFIX_PATH in order, then this interpreter's prefix."""
    environ = os.environ if environ is None else environ
    prefixes = [Path(p) for p in environ.get('AMENT_PREFIX_PATH', '').split(os.pathsep) if p]
    return prefixes + [Path(sys.prefix)]


def split_type_name(type_name: str) -> tuple[str, str]:
    """'sensor_msgs/msg/Image' or 'sensor_msgs/Image' -> ('sensor_msgs', 'Image')."""
    match = _TYPE_NAME.match(type_name)
    if not match:
        raise DefinitionNotFoundError(f'{type_name!r} is not a message type name (pkg/msg/Type)')
    return match.group(1), match.group(2)


def field_types(text: str, package: str) -> list[str]:
    """The non-primitive types a .msg text uses, as `pkg/Type` in order of first use; a bare `Type` is of
    `package` (the .msg's own package, as rosidl resolves it)."""
    found: list[str] = []
    for line in text.splitlines():
        code = line.split('#', 1)[0].strip()
        match = _FIELD_TYPE.match(code + ' ')
        if not code or not match:
            continue
        name = match.group(1)
        if name in PRIMITIVE_TYPES:
            continue
        dependency = '/'.join(split_type_name(name if '/' in name else f'{package}/{name}'))
        if dependency not in found:
            found.append(dependency)
    return found


class MessageDefinitions:
    """Reads .msg files from `prefixes` and builds full definitions, each file read once."""

    def __init__(self, prefixes: Sequence[Path] | None = None) -> None:
        self._prefixes = list(search_prefixes() if prefixes is None else prefixes)
        self._texts: dict[str, str] = {}

    def msg_text(self, type_name: str) -> str:
        """The .msg text of one type (pkg/Type or pkg/msg/Type)."""
        package, name = split_type_name(type_name)
        key = f'{package}/{name}'
        if key not in self._texts:
            for prefix in self._prefixes:
                path = prefix / 'share' / package / 'msg' / f'{name}.msg'
                if path.is_file():
                    self._texts[key] = path.read_text(encoding='utf-8')
                    break
            else:
                raise DefinitionNotFoundError(f'no {package}/msg/{name}.msg under share/ of '
                                              f'{", ".join(str(p) for p in self._prefixes)}')
        return self._texts[key]

    def full_text(self, type_name: str) -> str:
        """The ros2msg schema of `type_name`: its .msg text, then every type it depends on, depth first, once each
        (the order of foxglove/ros-foxglove-bridge's and rosbag2's message_definition_cache)."""
        package, _ = split_type_name(type_name)
        root = self.msg_text(type_name)
        seen: set[str] = set()
        parts = [root]

        def append(text: str, context: str) -> None:
            for dependency in field_types(text, context):
                if dependency in seen:
                    continue
                seen.add(dependency)
                body = self.msg_text(dependency)
                parts.append(f'\n{SEPARATOR}\nMSG: {dependency}\n{body}')
                append(body, dependency.split('/')[0])

        append(root, package)
        return ''.join(parts)

    def dependencies(self, type_name: str) -> list[str]:
        """Every type `type_name` depends on, as the full text lists them."""
        return [line[len('MSG: '):] for line in self.full_text(type_name).splitlines() if line.startswith('MSG: ')]


def parse_full_text(text: str) -> dict[str, str]:
    """The inverse of full_text for readers and tests: {'' (the root) or 'pkg/Type': .msg text}."""
    sections: dict[str, str] = {}
    chunks = text.split(f'\n{SEPARATOR}\n')
    sections[''] = chunks[0]
    for chunk in chunks[1:]:
        header, _, body = chunk.partition('\n')
        if not header.startswith('MSG: '):
            raise ValueError(f'a section without its MSG: header: {header!r}')
        sections[header[len('MSG: '):]] = body
    return sections


def message_types(names_and_types: Iterable[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """{topic: its message type} of the graph's topics (a topic with several types takes the first)."""
    return {topic: types[0] for topic, types in names_and_types if types}
