"""Statuses as a node would publish them, for tests of what reads /diagnostics: every key of the contract is
there (as the contract demands); those a test does not set are 0, empty or NaN."""

from collections.abc import Mapping
import math

from diagnostic_msgs.msg import DiagnosticStatus
from fracturescope_common.diagnostics_contract import Key, NodeContract, status_name


def _blank(key: Key) -> object:
    for blank in (0, math.nan, ''):
        try:
            key.parse(key.render(blank))
            return blank
        except ValueError:
            continue
    return False


def node_status(contract: NodeContract, values: Mapping[Key, object] | None = None,
                counters: Mapping[Key[int], int] | None = None, level: int = 0, message: str = 'ok',
                namespace: str = '/') -> DiagnosticStatus:
    values, counters = values or {}, counters or {}
    filled = {key: values.get(key, _blank(key)) for key in contract.values}
    counted = {key.name: counters.get(key, 0) for key in contract.counters}
    return contract.status(status_name(contract.node, namespace), level, message, filled, counted)
