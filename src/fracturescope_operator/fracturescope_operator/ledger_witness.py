"""The centre as a witness of each robot's ledger: every checkpoint alert is checked against the robot's registered
ledger key, and must extend the last checkpoint this centre accepted from it, append-only (the RFC 9162 consistency
proof the uplink sends with it). A robot whose ledger was rewritten (a block changed, removed or reordered under
an already witnessed tree) is flagged at its next checkpoint, and stays flagged: a later, self-consistent history
does not clear it (an operator re-registers the robot after looking).

States: ok (extends what was witnessed, or the first one seen), gap (signed by the right key, but the extension
from the witnessed size cannot be checked: the proof is missing or starts elsewhere; the new checkpoint becomes the
witnessed one), stale (smaller than the witnessed one: an alert that was delayed behind a newer checkpoint seen in
the robot's status; nothing changes, and a ledger that really lost blocks fails its next proof), rewritten,
bad_signature, wrong_key, unknown_robot, malformed. Plain Python: no ROS, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fracturescope_ledger.checkpoint import Checkpoint
from fracturescope_ledger.merkle import verify_consistency

OK, GAP, STALE, REWRITTEN, BAD_SIGNATURE, WRONG_KEY, UNKNOWN_ROBOT, MALFORMED = (
    'ok', 'gap', 'stale', 'rewritten', 'bad_signature', 'wrong_key', 'unknown_robot', 'malformed')
ALARMS = frozenset({REWRITTEN, BAD_SIGNATURE, WRONG_KEY})   # what an operator must look at
STICKY = frozenset({REWRITTEN})


@dataclass(frozen=True)
class Witnessed:
    """The last checkpoint accepted from a robot (size 0: none yet)."""

    tree_size: int = 0
    root_hash: str = ''


@dataclass(frozen=True)
class Verdict:
    state: str
    detail: str
    witnessed: Witnessed | None = None   # the new witnessed checkpoint, when this one is accepted


class LedgerWitness:
    def __init__(self, ledger_keys: Mapping[str, bytes]) -> None:
        """`ledger_keys`: robot id -> the raw Ed25519 public key of its ledger (registered at the centre)."""
        self._keys = dict(ledger_keys)

    @property
    def robots(self) -> list[str]:
        return sorted(self._keys)

    def check(self, robot_id: str, details: Mapping[str, Any], witnessed: Witnessed) -> Verdict:
        """The verdict on one checkpoint alert's details (alert_schema: tree_size, root_hash, timestamp_ns,
        public_key, signature, consistency)."""
        key = self._keys.get(robot_id)
        if key is None:
            return Verdict(UNKNOWN_ROBOT, f'{robot_id} is not registered at this centre: its checkpoints are not '
                           'witnessed')
        try:
            checkpoint = Checkpoint.from_json(dict(details))
        except ValueError as error:
            return Verdict(MALFORMED, f'checkpoint alert not readable: {error}')
        if checkpoint.public_key != key:
            return Verdict(WRONG_KEY, f'checkpoint {checkpoint.tree_size} is signed by key {checkpoint.key_id}, not '
                           f'the ledger key registered for {robot_id}')
        if not checkpoint.verify(key):
            return Verdict(BAD_SIGNATURE, f'checkpoint {checkpoint.tree_size}: the signature does not verify')
        size, root = checkpoint.tree_size, checkpoint.root_hash.hex()
        accepted = Witnessed(size, root)
        if witnessed.tree_size == 0:
            return Verdict(OK, f'first checkpoint witnessed: {size} blocks', accepted)
        if size < witnessed.tree_size:
            return Verdict(STALE, f'checkpoint of {size} blocks, older than the {witnessed.tree_size} witnessed')
        if size == witnessed.tree_size:
            if root != witnessed.root_hash:
                return Verdict(REWRITTEN, f'checkpoint of {size} blocks with another root than the one witnessed '
                               'at that size: blocks were changed')
            return Verdict(OK, f'{size} blocks, as witnessed', accepted)
        return self._extension(checkpoint, details.get('consistency'), witnessed, accepted)

    @staticmethod
    def _extension(checkpoint: Checkpoint, consistency: Any, witnessed: Witnessed, accepted: Witnessed) -> Verdict:
        size = checkpoint.tree_size
        if not isinstance(consistency, Mapping) or consistency.get('first_size') != witnessed.tree_size:
            start = consistency.get('first_size') if isinstance(consistency, Mapping) else None
            return Verdict(GAP, f'checkpoint {size}: no proof from the witnessed {witnessed.tree_size} blocks '
                           f'(proof from {start}); witnessing goes on from {size}', accepted)
        try:
            proof = [bytes.fromhex(node) for node in consistency['proof']]
            first_root = bytes.fromhex(consistency['first_root_hash'])
        except (KeyError, TypeError, ValueError):
            return Verdict(MALFORMED, f'checkpoint {size}: consistency proof not readable')
        if first_root.hex() != witnessed.root_hash:
            return Verdict(REWRITTEN, f'the robot now gives the first {witnessed.tree_size} blocks another root '
                           'than the one witnessed: blocks were changed')
        if not verify_consistency(witnessed.tree_size, size, first_root, checkpoint.root_hash, proof):
            return Verdict(REWRITTEN, f'checkpoint {size} does not extend the witnessed {witnessed.tree_size} '
                           'blocks (RFC 9162 consistency proof fails)')
        return Verdict(OK, f'{size} blocks, extending the witnessed {witnessed.tree_size} (proof checked)', accepted)
