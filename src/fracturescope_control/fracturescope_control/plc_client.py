"""Modbus TCP client of the spreader-roll PLC (pymodbus, asyncio).

One connection, kept up by `run()`: connect, and after a failure wait an exponentially growing delay
(backoff_min_s, doubled per failed try, at most backoff_max_s) before the next try. A connection the PLC accepted
but never answered on counts as a failed try: a PLC whose TCP stack is up but whose program is not is not hammered
with a new connection per request. Every exchange is one write of
the controller group (setpoints, mode, heartbeat: a single function-16 request, so the PLC never sees a new left
setpoint with an old right one) followed by one grouped read of the PLC's status registers. Requests are serialised
by a lock, so an e-stop write submitted after a tick's write reaches the PLC after it.

Limits are checked once more here, on the exact float32 values about to be encoded, however the caller got them:
a value outside [f_min, f_max] (or not finite) is never sent; the exchange is refused and counted.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
import struct
import time

from fracturescope_common.register_map import RegisterMap
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from fracturescope_control.output_limits import OutputLimits

WRITE_GROUP = ('f_left_setpoint_hz', 'f_right_setpoint_hz', 'controller_mode', 'heartbeat')
STATUS_GROUP = ('left_edge_mm', 'right_edge_mm', 'f_left_running_hz', 'f_right_running_hz', 'plc_state', 'alarms',
                'writes_clamped')


class OutOfRangeError(ValueError):
    """A setpoint outside the limits reached the client: refused, never written."""


def float32_within(value: float, limits: OutputLimits) -> float:
    """`value` as the float32 the PLC will receive, moved inside the limits when rounding pushed it out
    (a limit such as 49.9 Hz has no exact float32). Raises OutOfRangeError for a value outside the limits."""
    if not limits.contains(value):
        raise OutOfRangeError(f'setpoint {value!r} Hz outside [{limits.f_min_hz}, {limits.f_max_hz}] Hz')
    as32 = struct.unpack('>f', struct.pack('>f', value))[0]
    bits = struct.unpack('>i', struct.pack('>f', as32))[0]
    while as32 > limits.f_max_hz or as32 < limits.f_min_hz:  # one float32 step toward the inside
        bits += -1 if (as32 > limits.f_max_hz) == (as32 > 0) else 1
        as32 = struct.unpack('>f', struct.pack('>i', bits))[0]
    return as32


@dataclass
class PlcStatus:
    left_edge_mm: float
    right_edge_mm: float
    f_left_running_hz: float
    f_right_running_hz: float
    plc_state: int
    alarms: int
    writes_clamped: int


@dataclass
class ClientCounters:
    connects: int = 0
    connect_failures: int = 0
    writes: int = 0
    write_failures: int = 0
    refused_out_of_range: int = 0


class PlcClient:
    RATE_WINDOW_S = 5.0

    def __init__(self, register_map: RegisterMap, host: str, port: int, limits: OutputLimits, timeout_s: float,
                 backoff_min_s: float, backoff_max_s: float) -> None:
        if not 0 < backoff_min_s <= backoff_max_s:
            raise ValueError('backoff must satisfy 0 < min <= max')
        self.map, self.host, self.port, self.limits = register_map, host, port, limits
        self.timeout_s, self.backoff_min_s, self.backoff_max_s = timeout_s, backoff_min_s, backoff_max_s
        self.counters = ClientCounters()
        self.last_error = ''
        self.next_backoff_s = backoff_min_s
        self._client: AsyncModbusTcpClient | None = None
        self._lost = asyncio.Event()
        self._lock = asyncio.Lock()
        self._heartbeat = 0
        self._answered = False   # the PLC answered on the current connection
        self._write_times: deque[float] = deque()  # monotonic s of the writes of the last RATE_WINDOW_S
        self.status: PlcStatus | None = None         # the PLC's status registers at the last exchange
        self._write_start, _ = register_map.span(WRITE_GROUP)
        self._status_span = register_map.span(STATUS_GROUP)

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.connected

    async def run(self) -> None:
        """Keep the connection up until cancelled."""
        try:
            while True:
                if await self._connect():
                    self._lost.clear()
                    await self._lost.wait()
                    if self._answered:
                        continue  # reconnect at once after a connection that worked; back off if that fails
                await asyncio.sleep(self.next_backoff_s)
                self.next_backoff_s = min(self.next_backoff_s * 2, self.backoff_max_s)
        finally:
            self._drop()

    async def exchange(self, f_left_hz: float, f_right_hz: float, mode: int) -> PlcStatus | None:
        """Write the controller group, read the status group. None when not written (no connection, a failed
        request, or a setpoint out of range, which is never sent)."""
        try:
            values = {'f_left_setpoint_hz': float32_within(f_left_hz, self.limits),
                      'f_right_setpoint_hz': float32_within(f_right_hz, self.limits),
                      'controller_mode': mode, 'heartbeat': (self._heartbeat + 1) & 0xFFFF}
        except OutOfRangeError as error:
            self.counters.refused_out_of_range += 1
            self.last_error = str(error)
            return None
        async with self._lock:
            client = self._client
            if client is None:
                return None
            if not client.connected:  # the PLC closed the connection since the last exchange
                self.last_error = 'connection closed by the PLC'
                self._drop()
                self._lost.set()
                return None
            try:
                start, words = self.map.encode(values)
                written = await client.write_registers(start, words, device_id=self.map.device_id)
                if written.isError():
                    raise ModbusException(f'PLC refused the write: {written}')
                self._heartbeat = values['heartbeat']
                self.counters.writes += 1
                self._count_write(time.monotonic())
                status_start, count = self._status_span
                read = await client.read_holding_registers(status_start, count=count, device_id=self.map.device_id)
                if read.isError():
                    raise ModbusException(f'PLC refused the read: {read}')
                self.status = PlcStatus(**self.map.decode(status_start, list(read.registers), STATUS_GROUP))
                self._answered = True
                self.next_backoff_s = self.backoff_min_s
                return self.status
            except (TimeoutError, ModbusException, OSError) as error:
                self.counters.write_failures += 1
                self.last_error = f'{type(error).__name__}: {error}'
                self._drop()
                self._lost.set()
                return None

    def write_rate_hz(self) -> float:
        """Writes per second over the last RATE_WINDOW_S."""
        times = self._write_times
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        return (len(times) - 1) / span if span > 0 else 0.0

    def _count_write(self, now: float) -> None:
        self._write_times.append(now)
        while self._write_times[0] < now - self.RATE_WINDOW_S:
            self._write_times.popleft()

    async def _connect(self) -> bool:
        # pymodbus' own reconnect is off (reconnect_delay=0): run() owns the backoff and the counters.
        client = AsyncModbusTcpClient(self.host, port=self.port, timeout=self.timeout_s, retries=0,
                                      reconnect_delay=0)
        reason = f'cannot connect to {self.host}:{self.port}'
        try:
            ok = await client.connect()
        except (ModbusException, OSError) as error:
            ok, reason = False, f'{reason}: {error}'
        if not ok:
            client.close()
            self.counters.connect_failures += 1
            self.last_error = reason
            return False
        self._client = client
        self._answered = False
        self.counters.connects += 1
        self.last_error = ''
        return True

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

