"""Resolve a ROS 2 XML launch file into a plan of processes, the way launch_xml and launch_ros read it.

Written against launch 3.7.1 and launch_ros 0.28.0 (the newest rolling releases before Kilted branched that the
mirrors hold). Every tag, attribute and substitution real launch accepts either means the same here or is
refused with an error that says this runner does not support it (composable nodes, timers, event actions,
boolean substitutions, ...); what real launch rejects is rejected here too. Nothing is ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import hashlib
import importlib
import os
from pathlib import Path
import random
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from typing import Any
import xml.etree.ElementTree as ET

from ament_index_python.packages import (
    PackageNotFoundError,
    get_package_prefix,
    get_package_share_directory,
)
import yaml

ParamValue = bool | int | float | str | list
Params = str | dict[str, ParamValue]  # a params file path, or the parameters of one <param> element
GlobalParam = tuple[str, str] | str  # <set_parameter> as (name, value text), or a <set_parameters_from_file> path

_CONDITIONS = ('if', 'unless')
_PROCESS = ('cwd launch-prefix output respawn respawn_delay respawn_max_retries on_exit '
            'sigterm_timeout sigkill_timeout shell emulate_tty')


def _schema(required: str, optional: str = '', children: str = '') -> tuple[frozenset, frozenset, frozenset]:
    return frozenset(required.split()), frozenset(required.split() + optional.split()), frozenset(children.split())


# tag -> (required attributes, allowed attributes, allowed child tags), as each action's parse() reads them.
_ACTIONS = {
    'arg': _schema('name', 'default description', 'choice'),
    'let': _schema('name value'),
    'set_env': _schema('name value'),
    'unset_env': _schema('name'),
    'append_env': _schema('name value', 'prepend separator'),
    'group': _schema('', 'scoped forwarding', '*'),
    'include': _schema('file', '', 'arg'),
    'push_ros_namespace': _schema('namespace'),
    'push-ros-namespace': _schema('namespace'),
    'set_parameter': _schema('name value'),
    'set_parameters_from_file': _schema('filename'),
    'set_remap': _schema('from to'),
    'node': _schema('exec', f'pkg name namespace exec_name args ros_args {_PROCESS}', 'param remap env'),
    'executable': _schema('cmd', f'name {_PROCESS}', 'env'),
}
# Children of actions: no if/unless (real launch reports them as unexpected attributes).
_CHILDREN = {
    'choice': _schema('value'),
    'keep': _schema('name value'),
    'include/arg': _schema('name value'),
    'remap': _schema('from to'),
    'env': _schema('name value'),
}
# Real launch accepts these; a process runner has no use for them or cannot honour them.
_UNSUPPORTED_TAGS = frozenset({
    'log', 'timer', 'shutdown', 'reset', 'reset_env', 'node_container', 'load_composable_node', 'ros_timer',
    'set_ros_log_dir', 'set_use_sim_time',
})
_UNSUPPORTED_ATTRIBUTES = frozenset({'sigterm_timeout', 'sigkill_timeout', 'shell', 'emulate_tty'})
_UNSUPPORTED_SUBSTITUTIONS = frozenset({
    'not', 'and', 'or', 'any', 'all', 'equals', 'not-equals', 'if', 'launch_log_dir', 'log_dir', 'param',
})
_OUTPUTS = {'screen', 'log', 'both'}
_TYPES: dict[str, tuple[type | None, bool]] = {  # <param type=...>: (scalar type, is a list)
    'str': (str, False), 'bool': (bool, False), 'float': (float, False), 'int': (int, False),
    'list_of_str': (str, True), 'list_of_bool': (bool, True), 'list_of_float': (float, True),
    'list_of_int': (int, True), 'yaml': (None, False),
}
_SCALARS = (bool, int, float, str)


class LaunchFileError(Exception):
    """A launch file that `ros2 launch` would reject, or that uses something this runner does not support."""

    def __init__(self, message: str, *, located: bool = False) -> None:
        super().__init__(message)
        self.located = located  # the message already names the file and element


def _unsupported(what: str) -> LaunchFileError:
    return LaunchFileError(f'{what} is valid in ROS 2 launch but not supported by this runner (fracturescope-launch)')


@dataclass(frozen=True)
class LaunchArgument:
    """A declared `<arg>`, as `ros2 launch --show-args` lists it."""

    name: str
    default: str | None
    description: str


@dataclass(frozen=True)
class NodeSpec:
    """One `<node>` or `<executable>`, fully resolved: everything needed to start its process."""

    package: str | None  # None for an <executable>, or a <node> without pkg
    executable: str  # a node's exec, or an <executable>'s first cmd word
    name: str | None = None  # the ROS node name (__node)
    namespace: str | None = None  # the absolute ROS namespace (__ns), None when none was given or pushed
    exec_name: str | None = None  # the process label (exec_name, or an <executable>'s name)
    params: tuple[Params, ...] = ()
    global_params: tuple[GlobalParam, ...] = ()
    remaps: tuple[tuple[str, str], ...] = ()
    args: tuple[str, ...] = ()
    ros_args: tuple[str, ...] | None = None
    prefix: tuple[str, ...] = ()
    cwd: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    output: str = 'log'
    respawn: bool = False
    respawn_delay: float = 0.0
    respawn_max_retries: int = -1
    on_exit: str | None = None
    is_node: bool = True

    @property
    def label(self) -> str:
        """The name used in output prefixes and results: exec_name, else the node name, else the executable."""
        return self.exec_name or self.name or os.path.basename(self.executable)

    @property
    def parameter_target(self) -> str:
        """The node key of inline parameters: the full node name when name and namespace are known, else /**."""
        if self.name is None or self.namespace is None:
            return '/**'
        return self.namespace.rstrip('/') + '/' + self.name

    def command(self) -> list[str]:
        """The command line launch_ros runs for this process (inline parameters go through a params file)."""
        if self.package is not None:
            head = [str(executable_path(self.package, self.executable))]
        else:
            head = [self.executable]
        command = [*self.prefix, *head, *self.args]
        if self.ros_args is not None:
            command += ['--ros-args', *self.ros_args]
        if not self.is_node:
            return command
        command.append('--ros-args')
        if self.name is not None:
            command += ['-r', f'__node:={self.name}']
        if self.namespace is not None:
            command += ['-r', f'__ns:={self.namespace}']
        for param in self.global_params:
            if isinstance(param, str):
                command += ['--params-file', os.path.abspath(param)]
            else:
                command += ['-p', f'{param[0]}:={param[1]}']
        for params in self.params:
            path = params if isinstance(params, str) else parameters_file(self.parameter_target, params)
            command += ['--params-file', path]
        for source, target in self.remaps:
            command += ['-r', f'{source}:={target}']
        return command


@dataclass(frozen=True)
class LaunchPlan:
    """Everything a launch file starts, in declaration order, and what real launch would warn about."""

    nodes: tuple[NodeSpec, ...]
    environment: Mapping[str, str]
    warnings: tuple[str, ...] = ()


def parameters_file(target: str, params: Mapping[str, ParamValue]) -> str:
    """A params file `{target: {ros__parameters: params}}` as launch_ros writes for inline parameters.

    Named by its content in one temporary folder, so resolving a file again reuses it instead of piling up files.
    """
    text = yaml.dump({target: {'ros__parameters': dict(params)}}, default_flow_style=False)
    folder = Path(tempfile.gettempdir()) / 'fracturescope_launch_params'
    folder.mkdir(exist_ok=True)
    path = folder / f'launch_params_{hashlib.sha256(text.encode()).hexdigest()[:16]}.yaml'
    if not path.is_file():
        partial = path.with_suffix(f'.{os.getpid()}.tmp')
        partial.write_text(text)
        partial.replace(path)
    return str(path)


def package_prefix(package: str) -> Path:
    """The install prefix of `package`, as ament_index finds it."""
    try:
        return Path(get_package_prefix(package))
    except (PackageNotFoundError, KeyError, ValueError):
        raise LaunchFileError(
            f"package '{package}' not found — is the workspace sourced (source install/setup.bash)?"
        ) from None


def launch_file_in_package(package: str, file: str) -> Path:
    """`ros2 launch PACKAGE FILE`: the launch file of that name in the package's share folder (any depth)."""
    package_prefix(package)
    share = Path(get_package_share_directory(package))
    found = sorted(p for p in share.rglob(file) if p.is_file())
    if len(found) != 1:
        what = 'not found' if not found else f"ambiguous ({', '.join(map(str, found))})"
        raise LaunchFileError(f"launch file '{file}' {what} in the share folder of package '{package}' ({share})")
    return found[0]


def executable_path(package: str, executable: str) -> Path:
    """`<prefix>/lib/<package>/<executable>`, the one place launch_ros looks for a node executable."""
    lib = package_prefix(package) / 'lib' / package
    path = lib / executable
    if path.is_file() and os.access(path, os.X_OK):
        return path
    candidates = lib.iterdir() if lib.is_dir() else ()
    found = sorted(p.name for p in candidates if p.is_file() and os.access(p, os.X_OK))
    raise LaunchFileError(
        f"executable '{executable}' not found in package '{package}' (it has: {', '.join(found) or 'none'})"
    )


def coerce(text: str, data_type: type | None, is_list: bool = False, *, can_be_str: bool = False) -> Any:
    """Type `text` like launch's coerce_to_type: YAML rules, then a check against `data_type`."""
    def as_yaml() -> Any:
        if not text:
            return text
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            if can_be_str:
                return text
            raise ValueError(f"'{text}' is not valid YAML") from None
        if not _valid_value(value, can_be_str=can_be_str):
            raise ValueError(f"'{text}' is a {type(value).__name__}, not a scalar or uniform list")
        return value

    if data_type is None:
        return as_yaml()
    allowed = (str, data_type) if can_be_str else (data_type,)
    if is_list:
        value = as_yaml()
        if not isinstance(value, list) or not all(isinstance(v, allowed) for v in value):
            raise ValueError(f"cannot convert '{text}' to a list of {data_type.__name__}")
        return value
    if data_type is str:
        return text
    if data_type in (int, float):
        try:
            return data_type(text)
        except ValueError:
            if can_be_str:
                return text
            raise ValueError(f"cannot convert '{text}' to {data_type.__name__}") from None
    value = as_yaml() if text not in ('1', '0') else text == '1'
    if isinstance(value, allowed):
        return value
    raise ValueError(f"cannot convert '{text}' to bool")


def _valid_value(value: Any, *, can_be_str: bool) -> bool:
    if isinstance(value, list):
        member = next((type(v) for v in value if type(v) is not str), str)
        allowed = (member, str) if can_be_str else (member,)
        return member in _SCALARS and all(isinstance(v, allowed) for v in value)
    return isinstance(value, _SCALARS)


def parse_truthy(text: str) -> bool:
    """launch's condition values (if/unless): true/1 or false/0, case-insensitive, nothing else."""
    lowered = text.strip().lower()
    if lowered in ('true', '1'):
        return True
    if lowered in ('false', '0'):
        return False
    raise ValueError(f"expected true/false/1/0, got '{text}'")


def declared_arguments(path: str | os.PathLike) -> list[LaunchArgument]:
    """The `<arg>`s the file itself declares, defaults unresolved (like `ros2 launch --show-args`)."""
    try:
        root = _read(Path(path))
    except LaunchFileError as error:
        raise LaunchFileError(f'{path}: {error}', located=True) from None
    return [
        LaunchArgument(e.get('name', ''), e.get('default'), e.get('description', 'no description given'))
        for e in root if e.tag == 'arg'
    ]


def load_launch_file(
    path: str | os.PathLike, args: Mapping[str, str] | None = None, env: Mapping[str, str] | None = None
) -> LaunchPlan:
    """Resolve the launch file at `path` with launch arguments `args` on top of environment `env`."""
    environment = dict(os.environ if env is None else env)
    resolver = _Resolver(environment)
    file = Path(path).absolute()
    try:
        resolver.include(file, dict(args or {}))
    except LaunchFileError as error:
        if error.located:
            raise
        raise LaunchFileError(f'{file}: {error}', located=True) from None
    return LaunchPlan(tuple(resolver.nodes), environment, tuple(resolver.warnings))


def _read(path: Path) -> ET.Element:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        raise LaunchFileError(f'cannot read launch file: {error}') from None
    if root.tag != 'launch':
        raise LaunchFileError(f'root element must be <launch>, not <{root.tag}>')
    return root


def _describe(element: ET.Element) -> str:
    attributes = ''.join(f' {k}="{v}"' for k, v in element.attrib.items())
    return f'<{element.tag}{attributes}>'


def prefix_namespace(base: str | None, namespace: str | None) -> str | None:
    """launch_ros's namespace joining: a relative `namespace` goes under `base`; trailing slashes dropped."""
    if namespace is None:
        combined = base
    elif not base or namespace.startswith('/'):
        combined = namespace
    else:
        combined = ('' if base == '/' else base) + '/' + namespace
    if combined is not None and combined != '/':
        combined = combined.rstrip('/')
    return combined


def absolute_namespace(namespace: str | None) -> str | None:
    """`namespace` with a leading slash (None stays None)."""
    if namespace is None or namespace.startswith('/'):
        return namespace
    return '/' + namespace


_NAMESPACE = re.compile(r'^/$|^(/[A-Za-z_][A-Za-z0-9_]*)+$')
_NODE_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


def split_command_line(parts: list[tuple[bool, str]]) -> list[str]:
    """Arguments of a cmd/args attribute like ExecuteProcess: text is shlex-split, a substitution's value is never.

    `parts` are (is_text, value) in order; text next to a substitution without space joins its argument.
    """
    result: list[str] = []
    current: list[str] | None = None
    for is_text, value in parts:
        if not is_text:
            current = (current or []) + [value]
            continue
        try:
            tokens = shlex.split(value)
        except ValueError as error:
            raise LaunchFileError(f"cannot split '{value}' into arguments: {error}") from None
        if not tokens:
            if current is not None:
                result.append(''.join(current))
            current = None
            continue
        if value[0].isspace() and current is not None:
            result.append(''.join(current))
            current = None
        current = (current or []) + [tokens[0]]
        if len(tokens) > 1:
            result.append(''.join(current))
            result.extend(tokens[1:-1])
            current = [tokens[-1]]
        if value[-1].isspace():
            result.append(''.join(current))
            current = None
    if current is not None:
        result.append(''.join(current))
    return result


class _Resolver:
    """Walks the XML in launch's order with one context: launch configurations and environment, as in launch."""

    def __init__(self, environment: dict[str, str]) -> None:
        self.nodes: list[NodeSpec] = []
        self.warnings: list[str] = []
        self.configs: dict[str, Any] = {}
        self.env = dict(environment)
        self._initial_env = dict(environment)
        self.file = Path()  # launch's current_launch_file_path local: set by each include, never restored
        self._stack: list[Path] = []  # files being included, to refuse include cycles

    def include(self, file: Path, args: Mapping[str, str]) -> None:
        """IncludeLaunchDescription: check required arguments, set `args` as configurations, run the file."""
        if file.suffix != '.xml':
            raise _unsupported(f"including '{file}' (only XML launch files)")
        if file in self._stack:
            raise LaunchFileError(f"'{file}' includes itself")
        root = _read(file)
        missing = [
            f"'{e.get('name')}' ({e.get('description', 'no description given')})" for e in root
            if e.tag == 'arg' and 'default' not in e.attrib and not set(_CONDITIONS) & set(e.attrib)
            and e.get('name') not in args
        ]
        if missing:
            raise LaunchFileError(
                f"missing required launch argument(s) of {file.name}: {', '.join(missing)}; pass name:=value")
        self.configs.update(args)
        self.file = file
        self._stack.append(file)
        for element in root:
            self._located(element, lambda e=element: self._run(e))
        self._stack.pop()

    def _located(self, element: ET.Element, action: Callable[[], object]) -> None:
        file = self.file
        try:
            action()
        except LaunchFileError as error:
            if error.located:
                raise
            raise LaunchFileError(f'{file}: {_describe(element)}: {error}', located=True) from None

    def _run(self, element: ET.Element) -> None:
        tag = element.tag
        if tag in _UNSUPPORTED_TAGS:
            raise _unsupported(f'<{tag}>')
        if tag not in _ACTIONS:
            raise LaunchFileError(f'unknown tag <{tag}>')
        attr = self._attributes(element, _ACTIONS[tag], conditions=True)
        if attr is None:
            return
        if tag == 'group':
            self._group(element, attr)
        elif tag == 'include':
            self._include(element, attr)
        elif tag in ('node', 'executable'):
            self.nodes.append(self._process(element, attr))
        else:
            getattr(self, '_' + tag.replace('-', '_'))(element, attr)

    def _attributes(
        self, element: ET.Element, schema: tuple[frozenset, frozenset, frozenset], *, conditions: bool = False
    ) -> dict[str, str] | None:
        """The raw attributes of `element`, checked like launch_xml; None when its if/unless skips it."""
        required, allowed, children = schema
        allowed = allowed | (set(_CONDITIONS) if conditions else set())
        present = set(element.attrib)
        unknown = present - allowed
        unsupported = present & allowed & _UNSUPPORTED_ATTRIBUTES
        if unsupported:
            raise _unsupported(f'attribute(s) {sorted(unsupported)} of <{element.tag}>')
        if unknown:
            raise LaunchFileError(f'unexpected attribute(s) {sorted(unknown)} in <{element.tag}>')
        nested = {child.tag for child in element} - children
        if '*' not in children and nested:
            raise LaunchFileError(f'unexpected nested tag(s) {sorted(nested)} in <{element.tag}>')
        missing = sorted(required - present)
        if missing:
            raise LaunchFileError(f'<{element.tag}> is missing required attribute(s) {missing}')
        if 'if' in present and 'unless' in present:
            raise LaunchFileError("if and unless conditions can't be used simultaneously")
        for condition, wanted in (('if', True), ('unless', False)):
            if condition in present and self._truthy(element.attrib[condition], condition) is not wanted:
                return None
        return {k: v for k, v in element.attrib.items() if k not in _CONDITIONS}

    def _truthy(self, text: str, attribute: str) -> bool:
        try:
            return parse_truthy(self.substitute(text))
        except ValueError as error:
            raise LaunchFileError(f'{attribute}: {error}') from None

    # Actions.

    def _arg(self, element: ET.Element, attr: dict[str, str]) -> None:
        name = _unescape(attr['name'])
        choices = [_unescape(self._child(c, 'choice')['value']) for c in element]
        if name not in self.configs:
            if 'default' not in attr:
                raise LaunchFileError(f"required launch argument '{name}' was not provided")
            self.configs[name] = self.substitute(attr['default'])
        if choices and self.configs[name] not in choices:
            raise LaunchFileError(
                f"argument '{name}' provided value '{self.configs[name]}' is not valid; valid options: {choices}")

    def _let(self, element: ET.Element, attr: dict[str, str]) -> None:
        self.configs[self.substitute(attr['name'])] = self.substitute(attr['value'])

    def _set_env(self, element: ET.Element, attr: dict[str, str]) -> None:
        self.env[self.substitute(attr['name'])] = self.substitute(attr['value'])

    def _unset_env(self, element: ET.Element, attr: dict[str, str]) -> None:
        self.env.pop(self.substitute(attr['name']), None)

    def _append_env(self, element: ET.Element, attr: dict[str, str]) -> None:
        name, value = self.substitute(attr['name']), self.substitute(attr['value'])
        prepend = self._bool(attr.get('prepend', 'false'), 'prepend')
        separator = self.substitute(attr.get('separator', os.pathsep))
        if name in self.env:
            value = value + separator + self.env[name] if prepend else self.env[name] + separator + value
        self.env[name] = value

    def _push_ros_namespace(self, element: ET.Element, attr: dict[str, str]) -> None:
        pushed = self.substitute(attr['namespace'])
        previous = self.configs.get('ros_namespace')
        namespace = absolute_namespace(prefix_namespace(previous, pushed))
        if not _NAMESPACE.match(namespace):
            raise LaunchFileError(
                f"the resulting namespace is invalid: [previous_namespace='{previous}', pushed_namespace='{pushed}']")
        self.configs['ros_namespace'] = namespace

    def _set_parameter(self, element: ET.Element, attr: dict[str, str]) -> None:
        name, text = self.substitute(attr['name']), self.substitute(attr['value'])
        value = self._yaml_parameter(text or "''", name)
        # launch_ros extends the list in place: a scoped group that did not create it still adds to it.
        self.configs.setdefault('global_params', []).append((name, str(value)))

    def _set_parameters_from_file(self, element: ET.Element, attr: dict[str, str]) -> None:
        self.configs.setdefault('global_params', []).append(self.substitute(attr['filename']))

    def _set_remap(self, element: ET.Element, attr: dict[str, str]) -> None:
        rule = (self.substitute(attr['from']), self.substitute(attr['to']))
        self.configs.setdefault('ros_remaps', []).append(rule)

    def _group(self, element: ET.Element, attr: dict[str, str]) -> None:
        scoped = self._attribute_bool(attr.get('scoped'), default=True)
        forwarding = self._attribute_bool(attr.get('forwarding'), default=True)
        keeps = [self._child(c, 'keep') for c in element if c.tag == 'keep']
        saved = (self.configs, self.env) if scoped else None
        if scoped:
            self.configs, self.env = dict(self.configs), dict(self.env)
        if scoped and not forwarding:
            kept = {self.substitute(k['name']): self.substitute(k['value']) for k in keeps}
            self.configs, self.env = kept, dict(self._initial_env)
        else:
            for keep in keeps:
                self.configs[self.substitute(keep['name'])] = self.substitute(keep['value'])
        for child in element:
            if child.tag != 'keep':
                self._located(child, lambda c=child: self._run(c))
        if saved is not None:
            self.configs, self.env = saved

    def _include(self, element: ET.Element, attr: dict[str, str]) -> None:
        file = self.substitute(attr['file'])
        args = {}
        for arg in element:
            raw = self._child(arg, 'include/arg')
            args[self.substitute(raw['name'])] = self.substitute(raw['value'])
        # Not scoped, as in launch: the arguments and everything the included file sets stay set afterwards.
        self.include(Path(file).absolute(), args)

    def _process(self, element: ET.Element, attr: dict[str, str]) -> NodeSpec:
        is_node = element.tag == 'node'
        env = dict(self.env)
        params: list[Params] = []
        remaps = list(self.configs.get('ros_remaps', [])) if is_node else []
        for child in element:
            if child.tag == 'env':
                raw = self._child(child, 'env')
                env[self.substitute(raw['name'])] = self.substitute(raw['value'])
            elif child.tag == 'remap':
                raw = self._child(child, 'remap')
                remaps.append((self.substitute(raw['from']), self.substitute(raw['to'])))
            else:
                params += self._node_param(child)
        on_exit = attr.get('on_exit')
        if on_exit not in (None, 'shutdown'):
            raise LaunchFileError(f"on_exit supports only 'shutdown', not '{on_exit}'")
        output = self.substitute(attr.get('output', 'log'))
        if output not in _OUTPUTS:
            raise LaunchFileError(f"output must be one of {sorted(_OUTPUTS)} here, not '{output}'")
        common: dict[str, Any] = dict(
            cwd=self.substitute(attr['cwd']) if 'cwd' in attr else None, env=env, output=output, on_exit=on_exit,
            respawn=self._bool(attr.get('respawn', 'false'), 'respawn'),
            respawn_delay=self._number(attr, 'respawn_delay', float, 0.0),
            respawn_max_retries=self._number(attr, 'respawn_max_retries', int, -1),
        )
        if not is_node:
            command = split_command_line(self._parts(attr['cmd']))
            if not command:
                raise LaunchFileError('cmd is empty')
            name = self.substitute(attr['name']) if 'name' in attr else None
            return NodeSpec(package=None, executable=command[0], args=tuple(command[1:]), exec_name=name,
                            prefix=self._prefix(attr, command[0]), is_node=False, **common)
        package = self.substitute(attr['pkg']) if 'pkg' in attr else None
        executable = self.substitute(attr['exec'])
        name = self.substitute(attr['name']) if 'name' in attr else None
        if name is not None and not _NODE_NAME.match(name):
            raise LaunchFileError(f"invalid node name '{name}'")
        namespace = absolute_namespace(prefix_namespace(
            self.configs.get('ros_namespace'), self.substitute(attr['namespace']) if 'namespace' in attr else None))
        if namespace is not None and not _NAMESPACE.match(namespace):
            raise LaunchFileError(f"invalid namespace '{namespace}'")
        resolved = str(executable_path(package, executable)) if package is not None else executable
        for path in self.configs.get('global_params', []):
            if isinstance(path, str) and not os.path.isfile(path):
                raise LaunchFileError(f"parameter file '{path}' (set_parameters_from_file) does not exist")
        return NodeSpec(
            executable=executable, package=package, name=name, namespace=namespace, prefix=self._prefix(attr, resolved),
            exec_name=self.substitute(attr['exec_name']) if 'exec_name' in attr else None,
            params=tuple(params), global_params=tuple(self.configs.get('global_params', [])), remaps=tuple(remaps),
            args=tuple(split_command_line(self._parts(attr['args']))) if 'args' in attr else (),
            ros_args=tuple(split_command_line(self._parts(attr['ros_args']))) if 'ros_args' in attr else None,
            **common,
        )

    def _prefix(self, attr: dict[str, str], executable: str) -> tuple[str, ...]:
        if 'launch-prefix' in attr:
            return tuple(shlex.split(self.substitute(attr['launch-prefix'])))
        # Without the attribute, the launch configurations 'launch-prefix' and 'launch-prefix-filter' decide
        # (what `ros2 launch --launch-prefix ... --launch-prefix-filter ...` sets).
        if not re.match(self.configs.get('launch-prefix-filter', ''), os.path.basename(executable)):
            return ()
        return tuple(shlex.split(self.configs.get('launch-prefix', '')))

    def _node_param(self, element: ET.Element) -> list[Params]:
        if element.tag != 'param':
            raise LaunchFileError(f'unexpected nested tag <{element.tag}> in <node>')
        if 'from' in element.attrib:
            if 'name' in element.attrib:
                raise LaunchFileError('name and from attributes are mutually exclusive')
            raw = self._child(element, None, allowed='from allow_substs')
            if 'allow_substs' in raw:
                raise _unsupported("<param from=...> with 'allow_substs'")
            path = self.substitute(raw['from'])
            if not os.path.isfile(path):
                # launch_ros only warns and leaves the file out.
                self.warnings.append(f'{self.file}: parameter file path is not a file: {path}')
                return []
            return [path]
        if 'name' not in element.attrib:
            raise LaunchFileError('<param> needs a name or a from attribute')
        return [self._param_tree(element, prefix='')]

    def _param_tree(self, element: ET.Element, prefix: str) -> dict[str, ParamValue]:
        raw = self._child(element, None, allowed='name value type value-sep', children='param')
        name = prefix + self.substitute(raw['name'])
        nested = [c for c in element if c.tag == 'param']
        if nested and ('value' in raw or 'type' in raw):
            raise LaunchFileError('nested parameters and value/type attributes are mutually exclusive')
        if nested:
            tree: dict[str, ParamValue] = {}
            for child in nested:
                tree.update(self._param_tree(child, prefix=name + '.'))
            return tree
        if 'value' not in raw:
            raise LaunchFileError('either a value attribute or nested params are needed')
        return {name: self._param_value(raw, name)}

    def _param_value(self, raw: dict[str, str], name: str) -> ParamValue:
        """launch_ros's typing of `<param value>`: YAML on the text as written, then on each substituted part."""
        data_type, is_list = None, False
        if 'type' in raw:
            if raw['type'] not in _TYPES:
                raise LaunchFileError(f"invalid type identifier '{raw['type']}'")
            data_type, is_list = _TYPES[raw['type']]
        text = raw['value']
        try:
            if 'value-sep' in raw:
                items = text.split(raw['value-sep'])
                written = [coerce(i, data_type if is_list else None, can_be_str=True) for i in items]
                if not _valid_value(written, can_be_str=True) or (data_type is not None and not is_list):
                    raise ValueError(f"'{text}' split by '{raw['value-sep']}' is not a uniform list")
            else:
                written = coerce(text, data_type, is_list, can_be_str=True)
            if isinstance(written, list):
                kinds = {type(v) for v in written if not (isinstance(v, str) and '$(' in v)}
                if len(kinds) > 1:
                    raise ValueError('the result is a non-uniform list')
                value = [self._typed_item(v, data_type) for v in written]
                if not _valid_value(value, can_be_str=False):
                    raise ValueError(f'the list {value} is not uniform')
                return value
            if isinstance(written, str) and '$(' in written:
                return coerce(self.substitute(written), data_type, is_list)
            if data_type is not None and not isinstance(written, data_type):
                raise ValueError(f"'{text}' is not a {raw['type']}")
            return written
        except ValueError as error:
            raise LaunchFileError(f"parameter '{name}': {error}") from None

    def _typed_item(self, item: ParamValue, data_type: type | None) -> ParamValue:
        if isinstance(item, str) and '$(' in item:
            return coerce(self.substitute(item), data_type)
        return item

    def _yaml_parameter(self, text: str, name: str) -> ParamValue | tuple:
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise LaunchFileError(f"unable to parse the value of parameter '{name}' as YAML") from None
        if isinstance(value, list):
            if not value or type(value[0]) not in _SCALARS or not all(isinstance(v, type(value[0])) for v in value):
                raise LaunchFileError(f"parameter '{name}': expected a non-empty list of one scalar type")
            return tuple(value)
        if not isinstance(value, _SCALARS):
            raise LaunchFileError(f"parameter '{name}': {type(value).__name__} is not a parameter type")
        return value

    def _child(
        self, element: ET.Element, kind: str | None, *, allowed: str = '', children: str = ''
    ) -> dict[str, str]:
        schema = _CHILDREN[kind] if kind is not None else _schema('', allowed, children)
        attributes = self._attributes(element, schema)
        assert attributes is not None  # children take no condition
        return attributes

    def _bool(self, text: str, attribute: str) -> bool:
        try:
            return coerce(self.substitute(text), bool)
        except ValueError as error:
            raise LaunchFileError(f'{attribute}: {error}') from None

    @staticmethod
    def _attribute_bool(text: str | None, *, default: bool) -> bool:
        # launch_xml reads scoped/forwarding as bool-or-string, unsubstituted: anything it cannot read as a
        # YAML boolean stays a string, and a non-empty string counts as true.
        return default if text is None else bool(coerce(text, bool, can_be_str=True))

    @staticmethod
    def _number(attr: dict[str, str], name: str, kind: type, default: Any) -> Any:
        if name not in attr:
            return default
        try:
            value = kind(attr[name])
        except ValueError:
            raise LaunchFileError(f"{name} must be a {kind.__name__}, got '{attr[name]}'") from None
        if kind is float and value < 0:
            raise LaunchFileError(f'{name} must not be negative, got {value}')
        return value

    # Substitutions: `$(name arg ...)`; arguments are separated by spaces, may be quoted and may nest further
    # substitutions; a backslash escapes the next character.

    def substitute(self, text: str) -> str:
        """`text` with every substitution replaced by its value."""
        return ''.join(value for _, value in self._parts(text))

    def _parts(self, text: str) -> list[tuple[bool, str]]:
        parts, _ = self._template(text, 0, stop='')
        return parts

    def _template(self, text: str, i: int, stop: str) -> tuple[list[tuple[bool, str]], int]:
        parts: list[tuple[bool, str]] = []
        literal: list[str] = []
        while i < len(text) and text[i] not in stop:
            if text.startswith('$(', i):
                if literal:
                    parts.append((True, ''.join(literal)))
                    literal = []
                value, i = self._substitution(text, i + 2)
                parts.append((False, value))
            elif text[i] == '\\' and i + 1 < len(text):
                literal.append(text[i + 1])
                i += 2
            else:
                literal.append(text[i])
                i += 1
        if literal:
            parts.append((True, ''.join(literal)))
        return parts, i

    def _substitution(self, text: str, i: int) -> tuple[str, int]:
        start = i
        while i < len(text) and (text[i].isalnum() or text[i] in '-_'):
            i += 1
        name, args = text[start:i], []
        while True:
            while i < len(text) and text[i] == ' ':
                i += 1
            if i >= len(text):
                raise LaunchFileError(f"unterminated substitution '$({text[start:]}'")
            if text[i] == ')':
                return self._evaluate(name, args), i + 1
            if text[i] in '\'"':
                parts, i = self._template(text, i + 1, stop=text[i])
                i += 1
            else:
                parts, i = self._template(text, i, stop=' )')
            args.append(''.join(value for _, value in parts))

    def _evaluate(self, name: str, args: list[str]) -> str:
        handlers: dict[str, tuple[range, Callable[..., str]]] = {
            'var': (range(1, 3), self._var),
            'env': (range(1, 3), self._env),
            'find-pkg-share': (range(1, 2), lambda p: self._package(get_package_share_directory, p)),
            'find-pkg-prefix': (range(1, 2), lambda p: str(package_prefix(p))),
            'exec-in-pkg': (range(2, 3), lambda e, p: str(executable_path(p, e))),
            'find-exec': (range(1, 2), _find_executable),
            'dirname': (range(0, 1), lambda: str(self.file.parent)),
            'filename': (range(0, 1), lambda: str(self.file)),
            'anon': (range(1, 2), self._anonymous),
            'eval': (range(1, 3), _python_expression),
            'command': (range(1, 3), _command),
            'file-content': (range(1, 2), _file_content),
        }
        if name in _UNSUPPORTED_SUBSTITUTIONS:
            raise _unsupported(f"substitution '$({name} ...)'")
        if name not in handlers:
            raise LaunchFileError(f"unknown substitution '$({name} ...)'")
        arity, handler = handlers[name]
        if len(args) not in arity:
            expected = f'{arity.start}..{arity.stop - 1}'
            raise LaunchFileError(f"'$({name})' takes {expected} argument(s), got {args}")
        return handler(*args)

    def _anonymous(self, name: str) -> str:
        # AnonName keeps its value as the launch configuration 'anon<name>': same name, same value in scope.
        key = 'anon' + name
        if key not in self.configs:
            value = f'{name}_{socket.gethostname()}_{os.getpid()}_{random.randint(0, sys.maxsize)}'
            self.configs[key] = re.sub(r'[.:-]', '_', value)
        return self.configs[key]

    def _var(self, name: str, *default: str) -> str:
        if name not in self.configs:
            if not default:
                raise LaunchFileError(f"launch configuration '{name}' does not exist")
            return default[0]
        return self.configs[name]

    def _env(self, name: str, *default: str) -> str:
        if name not in self.env and not default:
            raise LaunchFileError(f"environment variable '{name}' does not exist")
        return self.env.get(name, *default)

    @staticmethod
    def _package(lookup: Callable[[str], str], package: str) -> str:
        package_prefix(package)
        return lookup(package)


def _unescape(text: str) -> str:
    return re.sub(r'\\(.)', r'\1', text)


def _find_executable(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise LaunchFileError(f"executable '{name}' not found on the PATH")
    return found


def _file_content(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        raise LaunchFileError(f'file not found: {path}') from None


def _python_expression(expression: str, modules: str = 'math') -> str:
    """PythonExpression: eval with all builtins, each listed module by name, and math's names unqualified."""
    names: dict[str, Any] = {}
    try:
        for module in (importlib.import_module(m.strip()) for m in modules.split(',')):
            if module.__name__ == 'math':
                names.update(vars(module))
            names[module.__name__] = module
        return str(eval(expression, {}, names))
    except Exception as error:  # any failure of the user's expression is an error in the launch file
        raise LaunchFileError(f"$(eval '{expression}') failed: {error}") from None


def _command(command: str, on_stderr: str = 'fail') -> str:
    """Command: the stdout of `command` (shlex-split, no shell); stderr output fails unless on_stderr says not."""
    if on_stderr not in ('fail', 'ignore', 'warn', 'capture'):
        raise LaunchFileError("expected 'on_stderr' to be one of: 'fail', 'ignore', 'warn' or 'capture'")
    stderr = subprocess.STDOUT if on_stderr == 'capture' else subprocess.PIPE
    try:
        result = subprocess.run(shlex.split(command), stdout=subprocess.PIPE, stderr=stderr, text=True)
    except FileNotFoundError as error:
        raise LaunchFileError(f'file not found: {error}') from None
    if result.returncode != 0:
        raise LaunchFileError(f'executed command failed. Command: {command}\n{result.stderr or ""}'.rstrip())
    if result.stderr and on_stderr == 'fail':
        raise LaunchFileError(f'executed command showed stderr output. Command: {command}\n{result.stderr}')
    if result.stderr and on_stderr == 'warn':
        print(f'[WARNING] command {command} wrote to stderr:\n{result.stderr}', file=sys.stderr)
    return result.stdout
