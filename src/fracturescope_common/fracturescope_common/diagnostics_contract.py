"""/diagnostics as a contract: every key a node publishes and its type, declared once, up front.

A node fills its status through its NodeContract (a key left out, or one not declared, is an error at the node);
observers read it back through the same contract (a key missing or unparsable is an error at the reader, never 0).
Counters that have not happened yet are published as 0, so a missing key always means a broken contract: renaming
a key makes its readers fail instead of quietly reading nothing. Each package spells its nodes' keys in its own
`diagnostics_contract` module; key families (`hold_<reason>`) are built here, from the vocabulary of the reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from diagnostic_msgs.msg import DiagnosticStatus, KeyValue

T = TypeVar('T')


class ContractError(LookupError):
    """A status that breaks its node's contract: a key missing, undeclared or unparsable, or no status at all."""


def _flag(text: str) -> bool:
    if text not in ('True', 'False'):
        raise ValueError(f'{text!r} is neither True nor False')
    return text == 'True'


def _optional_int(text: str) -> int | None:
    return int(text) if text else None


@dataclass(frozen=True)
class Key(Generic[T]):
    """One value of a status: its key, how its text is read back and how the value is written (format spec)."""

    name: str
    parse: Callable[[str], T]
    fmt: str = ''

    def render(self, value: T) -> str:
        if value is None:
            return ''
        return format(value, self.fmt) if self.fmt else str(value)


def count(name: str) -> Key[int]:
    return Key(name, int)


def number(name: str, fmt: str = '') -> Key[float]:
    return Key(name, float, fmt)


def text(name: str) -> Key[str]:
    return Key(name, str)


def flag(name: str) -> Key[bool]:
    return Key(name, _flag)


def optional_count(name: str) -> Key[int | None]:
    """An integer that may not be known yet (written empty until then)."""
    return Key(name, _optional_int)


@dataclass(frozen=True)
class Family:
    """Counters `<prefix><member>`, one per member of a vocabulary (a StrEnum, a tuple of names): the one place
    such a key is spelled. `members` None: the vocabulary is known only to the running node (a model card's
    classes); readers then take every key with the prefix, and at least one must be there."""

    prefix: str
    members: tuple[str, ...] | None = None

    def of(self, members: Iterable[str]) -> Family:
        """This family bound to the vocabulary a node found at start."""
        return Family(self.prefix, tuple(members))

    def __getitem__(self, member: str) -> Key[int]:
        if self.members is None or member not in self.members:
            raise ContractError(f'{member!r} is not among {self.prefix}<{"|".join(self.members or ("?",))}>')
        return count(f'{self.prefix}{member}')

    @property
    def keys(self) -> tuple[Key[int], ...]:
        if self.members is None:
            raise ContractError(f'family {self.prefix}<...> has no vocabulary bound (Family.of)')
        return tuple(self[m] for m in self.members)


def status_name(node: str, namespace: str = '/') -> str:
    """The status name of `node` in `namespace`: its fully qualified name, so two robots can be told apart."""
    return f'{namespace.rstrip("/")}/{node}'


@dataclass(frozen=True)
class NodeContract:
    """Everything one node publishes: values it computes per report, counters its Health keeps (all present from
    the start, 0 until they happen), and families read as a whole."""

    node: str
    values: tuple[Key, ...]
    counters: tuple[Key[int], ...]

    def __post_init__(self) -> None:
        names = [key.name for key in self.keys]
        repeated = {n for n in names if names.count(n) > 1}
        if repeated:
            raise ContractError(f'{self.node}: keys declared twice: {sorted(repeated)}')

    @property
    def keys(self) -> tuple[Key, ...]:
        return self.values + self.counters

    def status(self, name: str, level: int, message: str, values: Mapping[Key, object],
               counters: Mapping[str, int], hardware_id: str = 'fracturescope') -> DiagnosticStatus:
        """The status to publish; ContractError when `values` or `counters` are not exactly the declared keys."""
        _same(f'{self.node} values', {k.name for k in values}, {k.name for k in self.values})
        _same(f'{self.node} counters', set(counters), {k.name for k in self.counters})
        pairs = [(key.name, key.render(value)) for key, value in values.items()]
        pairs += [(key.name, str(counters[key.name])) for key in self.counters]
        return DiagnosticStatus(level=bytes([level]), name=name, message=message, hardware_id=hardware_id,
                                values=[KeyValue(key=k, value=v) for k, v in pairs])

    def read(self, status: DiagnosticStatus) -> Reading:
        """The status parsed; ContractError when a declared key is missing or unparsable."""
        reading = Reading(status.name, status.level[0], status.message, {kv.key: kv.value for kv in status.values})
        for key in self.keys:
            reading[key]
        return reading


def _same(what: str, given: set[str], declared: set[str]) -> None:
    if given != declared:
        raise ContractError(f'{what}: missing {sorted(declared - given)}, undeclared {sorted(given - declared)}')


@dataclass(frozen=True)
class Reading:
    """One status as an observer received it, read key by key through the contract."""

    name: str
    level: int
    message: str
    raw: dict[str, str]

    def __getitem__(self, key: Key[T]) -> T:
        if key.name not in self.raw:
            raise ContractError(f'{self.name}: no key {key.name!r} on /diagnostics (has {sorted(self.raw)})')
        try:
            return key.parse(self.raw[key.name])
        except ValueError as error:
            raise ContractError(f'{self.name}: {key.name}={self.raw[key.name]!r} does not parse: {error}') from error

    def family(self, family: Family) -> dict[str, int]:
        """Every counter of `family` by member; ContractError when one is missing (or, for a family whose
        vocabulary only the node knows, when none is there)."""
        if family.members is not None:
            return {member: self[family[member]] for member in family.members}
        members = [name.removeprefix(family.prefix) for name in self.raw if name.startswith(family.prefix)]
        if not members:
            raise ContractError(f'{self.name}: no {family.prefix}<...> key on /diagnostics')
        return {member: self[count(family.prefix + member)] for member in members}
