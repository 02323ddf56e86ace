"""First start of a robot: the keys its graph needs, in its data folder (the container's volume), made once.

- `ledger_key.pem` (+ `.pub`): signs the ledger's checkpoints; never leaves the robot.
- `operator_key.pem.pub`: the public key of the operator whose signed commands the control node obeys. Given with
  --operator-public-key (64 hex digits, a .pub file or a PEM), it is written as is. Without one, a key pair is made
  and its private half left in `operator/operator_key.pem` for the operator to take to the operator station (and
  delete here): a robot with no operator key refuses every command, including stop.

    fracturescope-provision-keys /var/lib/fracturescope [--operator-public-key KEY]

Existing keys are never replaced: a second start changes nothing.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
import os
from pathlib import Path
import sys

from fracturescope_common.keys import (
    key_id,
    load_or_create_private_key,
    load_public_key,
    public_key_from_hex,
    raw_public_key,
    write_new_public_key,
)

LEDGER_KEY = 'ledger_key.pem'
OPERATOR_PUBLIC_KEY = 'operator_key.pem.pub'
GENERATED_OPERATOR_KEY = Path('operator') / 'operator_key.pem'


@dataclass(frozen=True)
class Provisioned:
    ledger_key_id: str
    operator_key_id: str
    made: tuple[str, ...]           # files written by this call (empty on a second start)


def provision_keys(data_dir: str | os.PathLike[str], operator_public_key: str | None = None) -> Provisioned:
    """Make whatever key of the robot is missing in `data_dir`; keep every key already there."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    made: list[str] = []
    ledger_path = data_dir / LEDGER_KEY
    if not ledger_path.exists():
        made.append(str(ledger_path))
    ledger = load_or_create_private_key(ledger_path)
    operator_path = data_dir / OPERATOR_PUBLIC_KEY
    if not operator_path.exists():
        if operator_public_key:
            public = _public_key(operator_public_key)
        else:
            generated = data_dir / GENERATED_OPERATOR_KEY
            generated.parent.mkdir(mode=0o700, exist_ok=True)
            public = raw_public_key(load_or_create_private_key(generated))
            made.append(str(generated))
        if write_new_public_key(operator_path, public):  # else another container wrote it first: keep that one
            made.append(str(operator_path))
    return Provisioned(key_id(raw_public_key(ledger)), key_id(load_public_key(operator_path)), tuple(made))


def _public_key(given: str) -> bytes:
    """An operator public key from 64 hex digits or from a file (.pub or PEM)."""
    path = Path(given)
    return load_public_key(path) if path.is_file() else public_key_from_hex(given.strip(), 'operator public key')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description='Make the keys a robot needs in its data folder, once.')
    parser.add_argument('data_dir', type=Path, help='the robot data folder (ledger, keys)')
    parser.add_argument('--operator-public-key', default=os.environ.get('FRACTURESCOPE_OPERATOR_PUBLIC_KEY'),
                        help='the operator\'s Ed25519 public key: 64 hex digits, a .pub file or a PEM '
                             '(default: $FRACTURESCOPE_OPERATOR_PUBLIC_KEY; none: a key pair is made)')
    args = parser.parse_args(argv)
    try:
        done = provision_keys(args.data_dir, args.operator_public_key)
    except (OSError, ValueError) as error:
        print(f'fracturescope-provision-keys: {error}', file=sys.stderr)
        return 2
    for path in done.made:
        print(f'made {path}')
    print(f'ledger key {done.ledger_key_id}, trusted operator key {done.operator_key_id}')
    if str(args.data_dir / GENERATED_OPERATOR_KEY) in done.made:
        print(f'the operator\'s private key is {args.data_dir / GENERATED_OPERATOR_KEY}: move it to the operator '
              'station and delete it here', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
