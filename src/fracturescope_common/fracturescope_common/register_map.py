"""The PLC's Modbus register map (config/plc_registers.yaml), shared by the control node's client and the PLC
simulator: names to addresses, and values to 16-bit registers and back (no Modbus library needed here)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
import os
from pathlib import Path
import struct

import yaml

WIDTH = {'float32': 2, 'uint16': 1}

# plc_state values and alarm bits (config/plc_registers.yaml)
PLC_FOLLOWING, PLC_HOLDING = 0, 1
ALARM_HEARTBEAT_LOST, ALARM_CLAMPED, ALARM_ESTOP = 1, 2, 4


@dataclass(frozen=True)
class Register:
    name: str
    address: int
    type: str            # float32 | uint16
    writable: bool       # written by the controller (else kept by the PLC)
    description: str

    @property
    def width(self) -> int:
        return WIDTH[self.type]


class RegisterMap:
    def __init__(self, device_id: int, registers: Iterable[Register]) -> None:
        self.device_id = device_id
        self.registers = {r.name: r for r in registers}
        taken: dict[int, str] = {}
        for r in self.registers.values():
            if r.type not in WIDTH or r.address < 0:
                raise ValueError(f'register {r.name}: bad type {r.type!r} or address {r.address}')
            for address in range(r.address, r.address + r.width):
                if address in taken:
                    raise ValueError(f'registers {taken[address]} and {r.name} overlap at address {address}')
                taken[address] = r.name

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> RegisterMap:
        data = yaml.safe_load(Path(path).read_text())
        try:
            return cls(int(data['device_id']), (
                Register(name, int(spec['address']), str(spec['type']), spec['access'] == 'write',
                         str(spec.get('description', ''))) for name, spec in data['registers'].items()))
        except (KeyError, TypeError) as error:
            raise ValueError(f'{path}: not a register map ({error!r})') from error

    def span(self, names: Iterable[str]) -> tuple[int, int]:
        """(first address, register count) of the contiguous block covering `names`: one request for the group."""
        regs = [self.registers[n] for n in names]
        start = min(r.address for r in regs)
        return start, max(r.address + r.width for r in regs) - start

    def encode(self, values: Mapping[str, float | int]) -> tuple[int, list[int]]:
        """Registers for `values` as one contiguous write; every address in the span must be given a value."""
        start, count = self.span(values)
        words: list[int | None] = [None] * count
        for name, value in values.items():
            r = self.registers[name]
            words[r.address - start:r.address - start + r.width] = encode_value(r.type, value)
        if any(w is None for w in words):
            raise ValueError(f'{sorted(values)} leave a gap in registers {start}..{start + count - 1}')
        return start, [int(w) for w in words]

    def decode(self, start: int, words: list[int], names: Iterable[str]) -> dict[str, float | int]:
        """Values of `names` out of registers read from `start`."""
        out: dict[str, float | int] = {}
        for name in names:
            r = self.registers[name]
            offset = r.address - start
            if offset < 0 or offset + r.width > len(words):
                raise ValueError(f'register {name} is not within the {len(words)} registers read from {start}')
            out[name] = decode_value(r.type, words[offset:offset + r.width])
        return out

    def at(self, address: int) -> Register | None:
        """The register starting at `address`."""
        return next((r for r in self.registers.values() if r.address == address), None)


def encode_value(kind: str, value: float | int) -> list[int]:
    if kind == 'float32':
        high, low = struct.unpack('>HH', struct.pack('>f', value))
        return [high, low]
    return [int(value) & 0xFFFF]


def decode_value(kind: str, words: list[int]) -> float | int:
    if kind == 'float32':
        return struct.unpack('>f', struct.pack('>HH', *words))[0]
    return int(words[0])
