"""ROS 2 parameter files keyed so that a node finds its values under any namespace (`/**/<node name>`)."""

from collections.abc import Mapping
import fnmatch
from pathlib import Path
from typing import Any

import yaml


def node_key(node_name: str) -> str:
    """The key of `node_name`'s section: matches the node in every namespace (rcl's `/**` wildcard)."""
    return f'/**/{node_name}'


def _matches(key: str, node_name: str) -> bool:
    """Whether a parameter-file key applies to a node called `node_name` in some namespace, as rcl matches it:
    `/**` stands for any namespace, `*` for one name; a bare name is the node in the root namespace."""
    pattern = key if key.startswith('/') else f'/{key}'
    if pattern == '/**':
        return True
    head, _, name = pattern.rpartition('/')
    if not fnmatch.fnmatchcase(node_name, name):
        return False
    return head in ('', '/**') or head.endswith('/**')


def node_parameters(document: Mapping[str, Any], node_name: str) -> dict[str, Any]:
    """The `ros__parameters` that a parameter file gives a node called `node_name`, later sections winning."""
    values: dict[str, Any] = {}
    for key, section in document.items():
        if _matches(str(key), node_name) and isinstance(section, Mapping):
            values.update(section.get('ros__parameters') or {})
    return values


def read_node_parameters(path: str | Path, node_name: str) -> dict[str, Any]:
    """`node_parameters` of the file at `path`; KeyError when the file gives that node nothing."""
    values = node_parameters(yaml.safe_load(Path(path).read_text()) or {}, node_name)
    if not values:
        raise KeyError(f'{path} holds no parameters for node {node_name!r}')
    return values


def set_node_parameters(document: dict[str, Any], node_name: str, **values: Any) -> None:
    """Change (or add) values in the section that keys `node_name` (for tests and tools that write configs)."""
    for key, section in document.items():
        if _matches(str(key), node_name) and key != '/**':
            section.setdefault('ros__parameters', {}).update(values)
            return
    document[node_key(node_name)] = {'ros__parameters': dict(values)}
