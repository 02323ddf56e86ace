"""The ROS graph the permissions come from: introspected from the nodes a launch file really starts, and saved as
YAML so that the permissions can be reviewed and regenerated without launching anything."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
import dataclasses
import os
from pathlib import Path
import tempfile
import time

from fracturescope_launch.isolation import isolated_ros_env
from fracturescope_launch.launch_xml import NodeSpec, load_launch_file
from fracturescope_launch.process_graph import RunningGraph
import rclpy
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions
import yaml

from fracturescope_security.policy import NodeGraph, normalize_namespace

GRAPH_FILE_VERSION = 1
ENDPOINTS = ('publishers', 'subscriptions', 'services', 'clients')
# The introspecting node: hidden (leading underscore), so it is never taken for a node of the graph.
_PROBE_NAME = '_fracturescope_keystore'

NameKey = tuple[str, str]  # (namespace, node name)


class GraphError(Exception):
    """The graph could not be introspected: a node died, never appeared or has no name."""


def save_graph(path: str | os.PathLike, nodes: list[NodeGraph], source: Mapping[str, object]) -> None:
    """Write `nodes` as YAML, with `source` saying where they came from."""
    document = {
        'version': GRAPH_FILE_VERSION,
        'source': dict(source),
        'nodes': [{'name': n.name, 'namespace': n.namespace,
                   **{kind: {topic: list(types) for topic, types in sorted(getattr(n, kind).items())}
                      for kind in ENDPOINTS}}
                  for n in sorted(nodes, key=lambda n: (n.namespace, n.name))],
    }
    Path(path).write_text('# The ROS graph the keystore permissions were generated from (fracturescope-keystore).\n'
                          + yaml.safe_dump(document, sort_keys=False))


def load_graph(path: str | os.PathLike) -> list[NodeGraph]:
    """The nodes of a graph file written by `save_graph` (or by hand, in the same form)."""
    document = yaml.safe_load(Path(path).read_text())
    if not isinstance(document, dict) or document.get('version') != GRAPH_FILE_VERSION:
        raise GraphError(f'{path}: not a graph file of version {GRAPH_FILE_VERSION}')
    nodes = []
    for entry in document.get('nodes') or []:
        unknown = set(entry) - {'name', 'namespace', *ENDPOINTS}
        if unknown:
            raise GraphError(f'{path}: node {entry.get("name")!r} has unknown keys {sorted(unknown)}')
        nodes.append(NodeGraph(
            name=entry['name'], namespace=normalize_namespace(entry.get('namespace', '/')),
            **{kind: {topic: tuple(types or ()) for topic, types in (entry.get(kind) or {}).items()}
               for kind in ENDPOINTS}))
    keys = [(n.namespace, n.name) for n in nodes]
    if len(set(keys)) != len(keys):
        raise GraphError(f'{path}: a node is listed twice')
    return nodes


def _names_and_types(query: Callable[[str, str], list[tuple[str, list[str]]]], key: NameKey
                     ) -> dict[str, tuple[str, ...]]:
    namespace, name = key
    return {topic: tuple(sorted(types)) for topic, types in query(name, namespace)}


def read_node(probe: Node, key: NameKey) -> NodeGraph:
    """Everything the graph shows for one node (rclpy graph API, as `ros2 security generate_policy` reads it)."""
    namespace, name = key
    return NodeGraph(
        name=name, namespace=namespace,
        publishers=_names_and_types(probe.get_publisher_names_and_types_by_node, key),
        subscriptions=_names_and_types(probe.get_subscriber_names_and_types_by_node, key),
        services=_names_and_types(probe.get_service_names_and_types_by_node, key),
        clients=_names_and_types(probe.get_client_names_and_types_by_node, key))


def expected_nodes(specs: tuple[NodeSpec, ...]) -> list[NameKey]:
    """(namespace, name) of each node a plan starts; every node needs a name, as its enclave is named after it."""
    unnamed = [spec.executable for spec in specs if not spec.name]
    if unnamed:
        raise GraphError(f'nodes without a name attribute cannot get an enclave: {", ".join(unnamed)}')
    return [(normalize_namespace(spec.namespace or '/'), str(spec.name)) for spec in specs]


def _pushed(outer: str, namespace: str | None) -> str | None:
    """`namespace` inside `outer`, as a launch file included under <push_ros_namespace namespace="outer"/>."""
    tokens = [t for t in f'{outer}/{namespace or ""}'.split('/') if t]
    return '/' + '/'.join(tokens) if tokens else namespace


@contextmanager
def _probe(env: Mapping[str, str]) -> Iterator[Node]:
    """A hidden node of our own on the graph's domain, discovering on localhost only as the graph does."""
    saved = os.environ.get('ROS_AUTOMATIC_DISCOVERY_RANGE')
    os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = env['ROS_AUTOMATIC_DISCOVERY_RANGE']
    context = rclpy.Context()
    try:
        rclpy.init(args=[], context=context, domain_id=int(env['ROS_DOMAIN_ID']),
                   signal_handler_options=SignalHandlerOptions.NO)
        node = rclpy.create_node(_PROBE_NAME, context=context)
        try:
            yield node
        finally:
            node.destroy_node()
    finally:
        rclpy.try_shutdown(context=context)
        if saved is None:
            os.environ.pop('ROS_AUTOMATIC_DISCOVERY_RANGE', None)
        else:
            os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = saved


def introspect_launch(file: str | os.PathLike, args: Mapping[str, str] | None = None, namespace: str = '/',
                      timeout_s: float = 60.0, settle_s: float = 3.0) -> list[NodeGraph]:
    """Start the graph of `file` (as `ros2 launch` would, every node pushed into `namespace`) in a private domain,
    wait until every node is up and what the graph shows has not changed for `settle_s`, read each node, stop.

    Endpoints a node creates only later (a client made on first use) are not seen: the settle time catches those
    made at start-up; anything else belongs in the graph file by hand, where the review sees it."""
    env = isolated_ros_env()
    plan = load_launch_file(file, args, env)
    specs = tuple(dataclasses.replace(spec, namespace=_pushed(namespace, spec.namespace)) for spec in plan.nodes)
    expected = expected_nodes(specs)
    with tempfile.TemporaryDirectory(prefix='fracturescope-keystore-') as logs, \
            RunningGraph(specs, log_dir=logs, echo=None) as graph, _probe(env) as probe:
        deadline, last, stable_since = time.monotonic() + timeout_s, None, time.monotonic()
        while True:
            if graph.dead_nodes():
                raise GraphError(f'nodes exited while starting: {", ".join(graph.dead_nodes())}; '
                                 + ' | '.join(line for name in graph.dead_nodes() for line in graph.output(name)[-5:]))
            present = set(probe.get_node_names_and_namespaces())
            missing = [f'{ns.rstrip("/")}/{name}' for ns, name in expected if (name, ns) not in present]
            snapshot = None if missing else [read_node(probe, key) for key in expected]
            now = time.monotonic()
            if snapshot is None or snapshot != last:
                last, stable_since = snapshot, now
            elif now - stable_since >= settle_s:
                return snapshot
            if now > deadline:
                raise GraphError(f'graph not settled after {timeout_s:g} s; missing nodes: {missing or "none"}')
            time.sleep(0.2)
