"""Complete message definitions, found in the installed packages as rosbag2 finds them (rosbag2_cpp
LocalMessageDefinitionSource; format: rosbag2's docs/message_definition_encoding.md): the schemas of a bag's topics
(fracturescope_bag) and of the Foxglove bridge's channels (fracturescope_foxglove), which Foxglove and rosbags decode
messages from.

The top-level .msg text first, then each type it uses, recursively, once, after a line of 80 '=' and
`MSG: <type>`. Where a .msg is missing the .idl files are used the same way (`IDL: <type>`). Plain Python, no ROS.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
import re
import sys

from ament_index_python.packages import PackageNotFoundError, get_package_share_directory

MSG = 'ros2msg'
IDL = 'ros2idl'
DELIMITER = '=' * 80 + '\n'
MAX_DEPTH = 50
# The three patterns of local_message_definition_source.cpp.
_PACKAGE_TYPENAME = re.compile(r'^([a-zA-Z0-9_]+)/(?:msg/|srv/)?([a-zA-Z0-9_]+)$')
_MSG_FIELD_TYPE = re.compile(r'(?:^|\n)\s*([a-zA-Z0-9_/]+)(?:\[[^\]]*\])?\s+')
_IDL_INCLUDE = re.compile(r'(?:^|\n)#include\s+(?:"|<)([a-zA-Z0-9_/]+)\.idl(?:"|>)')
_PRIMITIVES = {'bool', 'byte', 'char', 'float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32',
               'uint32', 'int64', 'uint64', 'string', 'wstring'}


class DefinitionNotFoundError(LookupError):
    """A type (or one it uses) has no definition file in the installed packages."""


def package_share_directory(package: str) -> str:
    """The package's share folder from the ament index; ROS 2 installed from PyPI wheels also keeps its index in
    the Python environment's prefix, which AMENT_PREFIX_PATH does not list."""
    try:
        return get_package_share_directory(package, print_warning=False)
    except PackageNotFoundError:
        if (Path(sys.prefix) / 'share' / 'ament_index' / 'resource_index' / 'packages' / package).is_file():
            return str(Path(sys.prefix) / 'share' / package)
        raise


def complete_definition(type_name: str,
                        share_directory: Callable[[str], str] = package_share_directory) -> tuple[str, str]:
    """(encoding, text) of `type_name` (`pkg/msg/Type`): ('ros2msg', ...) from .msg files, ('ros2idl', ...) when a
    .msg is missing, ('', '') when neither is installed or the type is a service's (as rosbag2: left empty)."""
    if '/srv/' in type_name or not _PACKAGE_TYPENAME.match(type_name):
        return '', ''
    for encoding in (MSG, IDL):
        try:
            text = _definition_text(type_name, encoding, share_directory)
        except DefinitionNotFoundError:
            continue
        return encoding, (_delimiter(type_name, IDL) + text if encoding == IDL else text)
    return '', ''


def _definition_text(root: str, encoding: str, share_directory: Callable[[str], str]) -> str:
    seen: set[str] = set()
    cache: dict[str, tuple[str, list[str]]] = {}

    def append(type_name: str, depth: int) -> str:
        if depth <= 0:
            raise DefinitionNotFoundError(f'definition of {root} nests deeper than {MAX_DEPTH} types')
        text, dependencies = cache.get(type_name) or cache.setdefault(
            type_name, _load(type_name, encoding, share_directory))
        for dependency in dependencies:
            if dependency not in seen:
                seen.add(dependency)
                text += '\n' + _delimiter(dependency, encoding) + append(dependency, depth - 1)
        return text

    return append(root, MAX_DEPTH)


def _load(type_name: str, encoding: str, share_directory: Callable[[str], str]) -> tuple[str, list[str]]:
    match = _PACKAGE_TYPENAME.match(type_name)
    if not match:
        raise DefinitionNotFoundError(type_name)
    package, name = match.groups()
    try:
        path = Path(share_directory(package)) / 'msg' / f'{name}.{"msg" if encoding == MSG else "idl"}'
        text = path.read_text()
    except (PackageNotFoundError, OSError) as error:
        raise DefinitionNotFoundError(type_name) from error
    if encoding == IDL:
        return text, sorted(set(_IDL_INCLUDE.findall(text)))
    # A field type without a package is one of the same package; rosbag2 visits dependencies in sorted order.
    found = {t if '/' in t else f'{package}/{t}' for t in _MSG_FIELD_TYPE.findall(text) if t not in _PRIMITIVES}
    return text, sorted(found)


def parse_full_text(text: str) -> dict[str, str]:
    """The inverse of a ros2msg complete definition, for readers and tests: {'' (the root) or 'pkg/Type': its text}."""
    chunks = text.split('\n' + DELIMITER)
    sections = {'': chunks[0]}
    for chunk in chunks[1:]:
        header, _, body = chunk.partition('\n')
        if not header.startswith('MSG: '):
            raise ValueError(f'a section without its MSG: header: {header!r}')
        sections[header[len('MSG: '):]] = body
    return sections


def _delimiter(type_name: str, encoding: str) -> str:
    return f'{DELIMITER}{"MSG" if encoding == MSG else "IDL"}: {type_name}\n'
