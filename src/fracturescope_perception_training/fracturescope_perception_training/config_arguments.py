"""Command-line options from a configuration dataclass: one option per field, named and defaulted by it."""

import argparse
from dataclasses import asdict


def add_config_arguments(parser: argparse.ArgumentParser, defaults: object) -> None:
    """--field-name for each field of the dataclass instance `defaults` (booleans as --x / --no-x), plus --threads."""
    for name, value in asdict(defaults).items():
        flag = '--' + name.replace('_', '-')
        if isinstance(value, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value)
        else:
            parser.add_argument(flag, type=type(value), default=value)
    parser.add_argument('--threads', type=int, default=2, help='torch intra-op threads')
