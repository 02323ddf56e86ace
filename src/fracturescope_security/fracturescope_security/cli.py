"""fracturescope-keystore: write and check the SROS2 keystore of the robot's graph.

    fracturescope-keystore build KEYSTORE [--namespace robot1] --launch launch/robot.launch.xml [NAME:=VALUE ...]
    fracturescope-keystore build KEYSTORE --graph graph.yaml
    fracturescope-keystore verify KEYSTORE
    fracturescope-keystore enclave NAMESPACE NODE
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import sys

from fracturescope_security.graph import GraphError, introspect_launch, load_graph, save_graph
from fracturescope_security.keystore import Keystore, write_keystore
from fracturescope_security.policy import NodeGraph, enclave_of
from fracturescope_security.verify import verify_keystore


def _launch_args(pairs: list[str]) -> dict[str, str]:
    args = {}
    for pair in pairs:
        name, sep, value = pair.partition(':=')
        if not sep or not name:
            raise SystemExit(f'launch arguments are NAME:=VALUE, not {pair!r}')
        args[name] = value
    return args


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='fracturescope-keystore', description=__doc__.split('\n\n')[0])
    verbs = parser.add_subparsers(dest='verb', required=True)
    build = verbs.add_parser('build', help='create or update a keystore: CA, governance, one enclave per node')
    build.add_argument('keystore', type=Path)
    source = build.add_mutually_exclusive_group(required=True)
    source.add_argument('--launch', nargs='+', metavar=('FILE', 'NAME:=VALUE'),
                        help='launch file whose nodes are started and introspected, then its arguments')
    source.add_argument('--graph', type=Path, help='graph file (as saved in a keystore) instead of launching')
    build.add_argument('--namespace', default='/', help='ROS namespace pushed around the launch file')
    build.add_argument('--domain-id', type=int, default=int(os.environ.get('ROS_DOMAIN_ID', '0')),
                       help='ROS domain the robot runs on (default: ROS_DOMAIN_ID, else 0)')
    build.add_argument('--timeout', type=float, default=60.0, help='seconds for the graph to come up')
    build.add_argument('--settle', type=float, default=3.0, help='seconds the graph must stay unchanged')
    verify = verbs.add_parser('verify', help='check signatures, chains, key modes and permissions against the graph')
    verify.add_argument('keystore', type=Path)
    enclave = verbs.add_parser('enclave', help='print the enclave of a node (for --ros-args --enclave)')
    enclave.add_argument('namespace')
    enclave.add_argument('node')
    return parser


def _merged(keystore: Keystore, nodes: list[NodeGraph]) -> list[NodeGraph]:
    """The keystore's graph with `nodes` added or replaced: one keystore can serve several namespaces."""
    earlier = load_graph(keystore.graph) if keystore.graph.is_file() else []
    enclaves = {node.enclave for node in nodes}
    return [node for node in earlier if node.enclave not in enclaves] + nodes


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.verb == 'enclave':
        print(enclave_of(args.namespace, args.node))
        return 0
    if args.verb == 'verify':
        problems = verify_keystore(args.keystore)
        for problem in problems:
            print(f'PROBLEM: {problem}')
        print(f'{args.keystore}: {"OK" if not problems else f"{len(problems)} problems"}')
        return 1 if problems else 0
    keystore = Keystore(args.keystore)
    try:
        if args.launch is not None:
            nodes = introspect_launch(args.launch[0], _launch_args(args.launch[1:]), args.namespace,
                                      args.timeout, args.settle)
        elif args.namespace != '/':
            raise SystemExit('--namespace applies to --launch only')
        else:
            nodes = load_graph(args.graph)
        nodes = _merged(keystore, nodes)
    except GraphError as error:
        print(f'fracturescope-keystore: {error}', file=sys.stderr)
        return 1
    written = write_keystore(args.keystore, nodes, args.domain_id)
    source = ({'launch': args.launch[0], 'args': _launch_args(args.launch[1:]), 'namespace': args.namespace}
              if args.launch is not None else {'graph': str(args.graph)})
    save_graph(keystore.graph, nodes, source)
    for enclave in written:
        print(f'enclave {enclave}')
    print(f'{args.keystore}: {len(written)} enclaves, domain {args.domain_id}; graph in {keystore.graph}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
