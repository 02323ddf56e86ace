"""Resolve a ROS 2 XML launch file into a plan of node processes, with launch/launch_ros semantics.

Only a subset of the frontend is supported; anything outside it is an error, never ignored, so a
file that resolves here starts the same graph as `ros2 launch` does on the robot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
import math
import os
from pathlib import Path
import random
import shlex
from typing import Any
import xml.etree.ElementTree as ET

from ament_index_python.packages import (
    PackageNotFoundError,
    get_package_prefix,
    get_package_share_directory,
)
import yaml

ParamValue = bool | int | float | str | list
Params = str | dict[str, ParamValue]  # a params file path, or inline name -> value

_CONDITIONS = frozenset({'if', 'unless'})


def _schema(required: str, optional: str = '') -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(required.split()), frozenset(required.split() + optional.split())


# tag (or parent/tag) -> (required attributes, allowed attributes); `if`/`unless` are allowed everywhere.
_SCHEMA = {
    'launch': _schema('', 'version'),
    'arg': _schema('name', 'default description'),
    'let': _schema('name value'),
    'set_env': _schema('name value'),
    'unset_env': _schema('name'),
    'group': _schema('', 'scoped'),
    'push_ros_namespace': _schema('namespace'),
    'include': _schema('file'),
    'node': _schema('pkg exec', 'name namespace output args respawn respawn_delay on_exit'),
    'include/arg': _schema('name value'),
    'node/param': _schema('name value'),
    'node/param/from': _schema('from'),
    'node/remap': _schema('from to'),
    'node/env': _schema('name value'),
}
_CONTAINERS = {'launch', 'group', 'include', 'node'}
_OUTPUTS = {'screen', 'log', 'both'}
# What launch's PythonExpression offers besides `math`: expressions, not programs.
_EVAL_BUILTINS = {f.__name__: f for f in (abs, bool, float, int, len, max, min, round, str)}


class LaunchFileError(Exception):
    """A launch file that `ros2 launch` would reject, or that uses more than this runner supports."""

    def __init__(self, message: str, *, located: bool = False) -> None:
        super().__init__(message)
        self.located = located  # the message already names the file and element


@dataclass(frozen=True)
class LaunchArgument:
    """A declared `<arg>`, as `ros2 launch --show-args` lists it."""

    name: str
    default: str | None
    description: str


@dataclass(frozen=True)
class NodeSpec:
    """One `<node>`, fully resolved: everything needed to start its process."""

    package: str
    executable: str
    name: str | None = None
    namespace: str | None = None
    params: tuple[Params, ...] = ()
    remaps: tuple[tuple[str, str], ...] = ()
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    output: str = 'log'
    respawn: bool = False
    respawn_delay: float = 0.0
    on_exit: str | None = None

    @property
    def label(self) -> str:
        """The name used in output prefixes and results: the node name, else the executable."""
        return self.name or self.executable

    def command(self) -> list[str]:
        """The command line launch_ros would run for this node."""
        ros_args: list[str] = []
        if self.name:
            ros_args += ['-r', f'__node:={self.name}']
        if self.namespace:
            ros_args += ['-r', f'__ns:={self.namespace}']
        for params in self.params:
            if isinstance(params, str):
                ros_args += ['--params-file', params]
            else:
                for key, value in params.items():
                    ros_args += ['-p', f'{key}:={yaml_value(value)}']
        for source, target in self.remaps:
            ros_args += ['-r', f'{source}:={target}']
        return [str(executable_path(self.package, self.executable)), *self.args, '--ros-args', *ros_args]


@dataclass(frozen=True)
class LaunchPlan:
    """Everything a launch file starts, in declaration order."""

    nodes: tuple[NodeSpec, ...]
    environment: Mapping[str, str]


def package_prefix(package: str) -> Path:
    """The install prefix of `package`, as ament_index finds it."""
    try:
        return Path(get_package_prefix(package))
    except (PackageNotFoundError, KeyError, ValueError):
        raise LaunchFileError(
            f"package '{package}' not found — is the workspace sourced (source install/setup.bash)?"
        ) from None


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


def yaml_value(value: ParamValue) -> str:
    """`value` as a YAML flow scalar or list, the form rcl parses `-p name:=value` with."""
    text = yaml.safe_dump(value, default_flow_style=True, width=math.inf).strip()
    return text.removesuffix('\n...').strip()


def typed_param(text: str) -> ParamValue:
    """Type an inline `<param value>` like launch_ros: YAML, where it gives a parameter type."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list) and value and len({type(v) for v in value}) == 1:
        if isinstance(value[0], bool | int | float | str):
            return value
    return text


def parse_truthy(text: str) -> bool:
    """launch's condition values: true/1 or false/0, case-insensitive, nothing else."""
    lowered = text.strip().lower()
    if lowered in ('true', '1'):
        return True
    if lowered in ('false', '0'):
        return False
    raise ValueError(f"expected true/false/1/0, got '{text}'")


def declared_arguments(path: str | os.PathLike) -> list[LaunchArgument]:
    """The `<arg>`s the file itself declares, defaults unresolved (like `ros2 launch --show-args`)."""
    root = _read(Path(path))
    return [
        LaunchArgument(e.get('name', ''), e.get('default'), e.get('description', 'no description given'))
        for e in root if e.tag == 'arg'
    ]


def load_launch_file(
    path: str | os.PathLike, args: Mapping[str, str] | None = None, env: Mapping[str, str] | None = None
) -> LaunchPlan:
    """Resolve the launch file at `path` with launch arguments `args` on top of environment `env`."""
    environment = dict(os.environ if env is None else env)
    file = Path(path).absolute()
    scope = _Scope(configs=dict(args or {}), env=dict(environment), namespace=None, file=file)
    resolver = _Resolver()
    resolver.run_file(scope)
    return LaunchPlan(tuple(resolver.nodes), environment)


@dataclass
class _Scope:
    configs: dict[str, str]
    env: dict[str, str]
    namespace: str | None
    file: Path

    def copy(self) -> _Scope:
        return replace(self, configs=dict(self.configs), env=dict(self.env))


def _read(path: Path) -> ET.Element:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        raise LaunchFileError(f'{path}: cannot read launch file: {error}') from None
    if root.tag != 'launch':
        raise LaunchFileError(f'{path}: root element must be <launch>, not <{root.tag}>')
    return root


def _describe(element: ET.Element) -> str:
    attributes = ''.join(f' {k}="{v}"' for k, v in element.attrib.items())
    return f'<{element.tag}{attributes}>'


def _join_namespace(base: str | None, namespace: str) -> str:
    joined = namespace if namespace.startswith('/') or not base else f'{base}/{namespace}'
    return '/' + joined.strip('/')


class _Resolver:
    def __init__(self) -> None:
        self.nodes: list[NodeSpec] = []
        self._stack: list[Path] = []  # files being included, to refuse include cycles
        self._anon: dict[str, str] = {}

    def run_file(self, scope: _Scope) -> None:
        if scope.file in self._stack:
            raise LaunchFileError(f"'{scope.file}' includes itself")
        root = _read(scope.file)
        self._stack.append(scope.file)
        self._run_file(root, scope)
        self._stack.pop()

    def _run_file(self, root: ET.Element, scope: _Scope) -> None:
        self._located(root, scope, lambda: self._entity(root, 'launch', scope))
        for element in root:
            self._located(element, scope, lambda e=element: self._run(e, root, scope))

    def _located(self, element: ET.Element, scope: _Scope, action: Callable[[], object]) -> None:
        try:
            action()
        except LaunchFileError as error:
            if error.located:
                raise
            raise LaunchFileError(f'{scope.file}: {_describe(element)}: {error}', located=True) from None

    def _run(self, element: ET.Element, parent: ET.Element, scope: _Scope) -> None:
        if element.tag not in _SCHEMA or element.tag == 'launch':
            raise LaunchFileError(f'unknown tag <{element.tag}>')
        attr = self._entity(element, element.tag, scope)
        if attr is None:
            return
        match element.tag:
            case 'arg':
                if attr['name'] not in scope.configs:
                    if 'default' not in attr:
                        self._missing_arguments(parent, scope)
                    scope.configs[attr['name']] = attr['default']
            case 'let':
                scope.configs[attr['name']] = attr['value']
            case 'set_env':
                scope.env[attr['name']] = attr['value']
            case 'unset_env':
                scope.env.pop(attr['name'], None)
            case 'push_ros_namespace':
                scope.namespace = _join_namespace(scope.namespace, attr['namespace'])
            case 'group':
                inner = scope.copy() if self._truthy(attr.get('scoped', 'true'), 'scoped') else scope
                for child in element:
                    self._located(child, inner, lambda c=child: self._run(c, element, inner))
            case 'include':
                self._include(element, attr['file'], scope)
            case 'node':
                self.nodes.append(self._node(element, attr, scope))

    def _entity(self, element: ET.Element, key: str, scope: _Scope) -> dict[str, str] | None:
        """Checked, substituted attributes of `element`; None when its if/unless says to skip it."""
        required, allowed = _SCHEMA[key]
        unknown = set(element.attrib) - allowed - _CONDITIONS
        if unknown:
            raise LaunchFileError(f'unknown attribute(s) {sorted(unknown)} for <{element.tag}>')
        if element.tag not in _CONTAINERS and len(element):
            raise LaunchFileError(f'<{element.tag}> takes no child elements')
        missing = sorted(required - set(element.attrib))
        if missing:
            raise LaunchFileError(f'<{element.tag}> is missing required attribute(s) {missing}')
        for condition, wanted in (('if', True), ('unless', False)):
            if condition in element.attrib:
                if self._truthy(self.substitute(element.attrib[condition], scope), condition) is not wanted:
                    return None
        return {k: self.substitute(v, scope) for k, v in element.attrib.items() if k not in _CONDITIONS}

    @staticmethod
    def _truthy(text: str, attribute: str) -> bool:
        try:
            return parse_truthy(text)
        except ValueError as error:
            raise LaunchFileError(f'{attribute}: {error}') from None

    def _missing_arguments(self, parent: ET.Element, scope: _Scope) -> None:
        missing = [
            f"'{e.get('name')}' ({e.get('description', 'no description given')})"
            for e in parent
            if e.tag == 'arg' and 'default' not in e.attrib and e.get('name') not in scope.configs
        ]
        raise LaunchFileError(f"missing required launch argument(s): {', '.join(missing)}; pass name:=value")

    def _include(self, element: ET.Element, file: str, scope: _Scope) -> None:
        child = scope.copy()
        for arg in element:
            if arg.tag != 'arg':
                raise LaunchFileError(f'<include> takes only <arg> children, not <{arg.tag}>')
            attr = self._entity(arg, 'include/arg', scope)
            if attr is not None:
                child.configs[attr['name']] = attr['value']
        path = Path(file).absolute()
        if path.suffix != '.xml':
            raise LaunchFileError(f"cannot include '{file}': only XML launch files are supported here")
        child.file = path
        self.run_file(child)
        # launch scopes configurations in an include, but not the environment or the ROS namespace.
        scope.env, scope.namespace = child.env, child.namespace

    def _node(self, element: ET.Element, attr: dict[str, str], scope: _Scope) -> NodeSpec:
        params: list[Params] = []
        remaps: list[tuple[str, str]] = []
        env = dict(scope.env)
        for child in element:
            key = f'node/{child.tag}' + ('/from' if child.tag == 'param' and 'from' in child.attrib else '')
            if key not in _SCHEMA:
                raise LaunchFileError(f'unknown tag <{child.tag}> in <node>')
            sub = self._entity(child, key, scope)
            if sub is None:
                continue
            if key == 'node/param/from':
                if not Path(sub['from']).is_file():
                    raise LaunchFileError(f"parameter file '{sub['from']}' does not exist")
                params.append(sub['from'])
            elif key == 'node/param':
                if not params or isinstance(params[-1], str):
                    params.append({})
                params[-1][sub['name']] = typed_param(sub['value'])
            elif key == 'node/remap':
                remaps.append((sub['from'], sub['to']))
            else:
                env[sub['name']] = sub['value']
        output = attr.get('output', 'log')
        if output not in _OUTPUTS:
            raise LaunchFileError(f"output must be one of {sorted(_OUTPUTS)}, not '{output}'")
        if attr.get('on_exit', 'shutdown') != 'shutdown':
            raise LaunchFileError(f"on_exit supports only 'shutdown', not '{attr['on_exit']}'")
        namespace = attr.get('namespace')
        try:
            respawn = parse_truthy(attr.get('respawn', 'false'))
            respawn_delay = float(attr.get('respawn_delay', '0'))
        except ValueError as error:
            raise LaunchFileError(f'respawn: {error}') from None
        spec = NodeSpec(
            package=attr['pkg'], executable=attr['exec'], name=attr.get('name'),
            namespace=scope.namespace if namespace is None else _join_namespace(scope.namespace, namespace),
            params=tuple(params), remaps=tuple(remaps), args=tuple(shlex.split(attr.get('args', ''))),
            env=env, output=output, respawn=respawn, respawn_delay=respawn_delay, on_exit=attr.get('on_exit'),
        )
        executable_path(spec.package, spec.executable)
        return spec

    # Substitutions: `$(name arg ...)`, arguments may be quoted and may nest further substitutions.

    def substitute(self, text: str, scope: _Scope) -> str:
        """`text` with every substitution replaced by its value."""
        value, end = self._template(text, 0, scope, stop='')
        return value

    def _template(self, text: str, i: int, scope: _Scope, stop: str) -> tuple[str, int]:
        out: list[str] = []
        while i < len(text) and text[i] not in stop:
            if text.startswith('$(', i):
                value, i = self._substitution(text, i + 2, scope)
                out.append(value)
            else:
                out.append(text[i])
                i += 1
        return ''.join(out), i

    def _substitution(self, text: str, i: int, scope: _Scope) -> tuple[str, int]:
        start = i
        while i < len(text) and (text[i].isalnum() or text[i] in '-_'):
            i += 1
        name, args = text[start:i], []
        while True:
            while i < len(text) and text[i].isspace():
                i += 1
            if i >= len(text):
                raise LaunchFileError(f"unterminated substitution '$({text[start:]}'")
            if text[i] == ')':
                return self._evaluate(name, args, scope), i + 1
            if text[i] in '\'"':
                value, i = self._template(text, i + 1, scope, stop=text[i])
                i += 1
            else:
                value, i = self._template(text, i, scope, stop=' \t\n)')
            args.append(value)

    def _evaluate(self, name: str, args: list[str], scope: _Scope) -> str:
        handlers: dict[str, tuple[range, Callable[..., str]]] = {
            'var': (range(1, 2), lambda n: self._var(n, scope)),
            'env': (range(1, 3), lambda n, *d: self._env(n, d, scope)),
            'optenv': (range(1, 3), lambda n, d='': scope.env.get(n, d)),
            'find-pkg-share': (range(1, 2), lambda p: self._package(get_package_share_directory, p)),
            'find-pkg-prefix': (range(1, 2), lambda p: str(package_prefix(p))),
            'dirname': (range(0, 1), lambda: str(scope.file.parent)),
            'filename': (range(0, 1), lambda: str(scope.file.name)),
            'anon': (range(1, 2), self._anonymous),
            'eval': (range(1, 2), _python_expression),
        }
        if name not in handlers:
            raise LaunchFileError(f"unknown substitution '$({name} ...)'")
        arity, handler = handlers[name]
        if len(args) not in arity:
            expected = f'{arity.start}..{arity.stop - 1}'
            raise LaunchFileError(f"'$({name})' takes {expected} argument(s), got {args}")
        return handler(*args)

    def _anonymous(self, name: str) -> str:
        # Same name, same value within one launch, like launch's AnonName.
        return self._anon.setdefault(name, f'{name}_{os.getpid()}_{random.getrandbits(40)}')

    @staticmethod
    def _var(name: str, scope: _Scope) -> str:
        if name not in scope.configs:
            raise LaunchFileError(f"launch configuration '{name}' does not exist")
        return scope.configs[name]

    @staticmethod
    def _env(name: str, default: tuple[str, ...], scope: _Scope) -> str:
        if name not in scope.env and not default:
            raise LaunchFileError(f"environment variable '{name}' does not exist")
        return scope.env.get(name, *default)

    @staticmethod
    def _package(lookup: Callable[[str], str], package: str) -> str:
        package_prefix(package)
        return lookup(package)


def _python_expression(expression: str) -> str:
    names: dict[str, Any] = {k: v for k, v in vars(math).items() if not k.startswith('_')}
    try:
        return str(eval(expression, {'__builtins__': _EVAL_BUILTINS, 'math': math, **names}))
    except Exception as error:  # any failure of the user's expression is an error in the launch file
        raise LaunchFileError(f"$(eval '{expression}') failed: {error}") from None

