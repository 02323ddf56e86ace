"""A simulated spreader-roll PLC: the register map of config/plc_registers.yaml over Modbus TCP, and the line model
run on the PLC's own tick.

`PlcLogic` is the PLC (plain Python, testable without a socket): it takes register writes as a PLC would (clamps
setpoints to its own limits, records every write as received, rejects writes to its read-only registers or that
split a value), watches the controller's heartbeat and holds the running frequencies when it stops changing, and
keeps the measured edges and drive state in its registers. `PlcServer` serves it with pymodbus on an asyncio loop
in a thread of its own, so a ROS node around it stays a thin adapter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
import json
import math
import threading
import time
from typing import IO

from fracturescope_common.register_map import (
    ALARM_CLAMPED,
    ALARM_ESTOP,
    ALARM_HEARTBEAT_LOST,
    PLC_FOLLOWING,
    PLC_HOLDING,
    RegisterMap,
)
from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from fracturescope_sim.line_model import LineModel, LineState

SETPOINTS = ('f_left_setpoint_hz', 'f_right_setpoint_hz')
MEASURED = ('left_edge_mm', 'right_edge_mm', 'f_left_running_hz', 'f_right_running_hz', 'plc_state', 'alarms',
            'writes_clamped')
MODE_ESTOP = 2  # RollCommand.MODE_ESTOP


@dataclass(frozen=True)
class PlcSnapshot:
    line: LineState
    holding: bool                # heartbeat lost: frequencies held
    setpoints_hz: tuple[float, float]
    writes: int                  # setpoint writes received
    writes_clamped: int
    writes_rejected: int
    heartbeat_losses: int


class PlcLogic:
    """The PLC. `clock` is monotonic seconds; every method is called from one thread (the server's loop)."""

    def __init__(self, register_map: RegisterMap, line: LineModel, f_min_hz: float, f_max_hz: float,
                 heartbeat_timeout_s: float, clock: Callable[[], float] = time.monotonic,
                 write_log: IO[str] | None = None) -> None:
        self.map = register_map
        self.line = line
        self.f_min_hz, self.f_max_hz = f_min_hz, f_max_hz
        self.heartbeat_timeout_s = heartbeat_timeout_s
        self._clock = clock
        self._write_log = write_log
        self._lock = threading.Lock()  # the ROS side reads snapshots from another thread
        size = max(r.address + r.width for r in register_map.registers.values())
        self.registers = [0] * size
        nominal = line.params.f_nominal_hz
        self._setpoints = (nominal, nominal)
        self._write_values({'f_left_setpoint_hz': nominal, 'f_right_setpoint_hz': nominal})
        self._last_heartbeat: int | None = None
        self._heartbeat_at = -math.inf        # no controller yet: hold the nominal frequencies
        self._holding = True
        self._clamped_alarm = False
        self.writes = self.writes_clamped = self.writes_rejected = self.heartbeat_losses = 0
        self._publish_state(line.state)

    # Modbus side ---------------------------------------------------------------------------------------------
    def read(self, address: int, count: int) -> list[int] | None:
        if address < 0 or count < 1 or address + count > len(self.registers):
            return None
        return self.registers[address:address + count]

    def write(self, address: int, words: list[int]) -> bool:
        """A write request; False (illegal address) when it touches a read-only register or splits a value."""
        values = self._decode_write(address, words)
        if values is None:
            self.writes_rejected += 1
            return False
        now = self._clock()
        if 'heartbeat' in values and values['heartbeat'] != self._last_heartbeat:
            self._last_heartbeat = int(values['heartbeat'])
            self._heartbeat_at = now
        if any(name in values for name in SETPOINTS):
            self._take_setpoints(values, now)
        self._write_values({k: v for k, v in values.items() if k not in SETPOINTS})
        return True

    def _decode_write(self, address: int, words: list[int]) -> dict[str, float | int] | None:
        values: dict[str, float | int] = {}
        position = address
        while position < address + len(words):
            register = self.map.at(position)
            if register is None or not register.writable or position + register.width > address + len(words):
                return None
            offset = position - address
            values[register.name] = self.map.decode(position, words[offset:offset + register.width], [register.name])[
                register.name]
            position += register.width
        return values

    def _take_setpoints(self, values: dict[str, float | int], now: float) -> None:
        raw = (float(values.get('f_left_setpoint_hz', self._setpoints[0])),
               float(values.get('f_right_setpoint_hz', self._setpoints[1])))
        clamped = tuple(min(max(f, self.f_min_hz), self.f_max_hz) if math.isfinite(f) else held
                        for f, held in zip(raw, self._setpoints, strict=True))
        in_limits = clamped == raw
        self.writes += 1
        if not in_limits:
            self.writes_clamped += 1
            self._clamped_alarm = True
        with self._lock:
            self._setpoints = clamped  # type: ignore[assignment]
        self._write_values({'f_left_setpoint_hz': clamped[0], 'f_right_setpoint_hz': clamped[1]})
        # The record of every write as received, before clamping: t on this PLC's clock, wall in UTC seconds (the
        # clock of ROS stamps, so a write can be traced to the camera frame it answers).
        if self._write_log is not None:
            self._write_log.write(json.dumps({
                't': now, 'wall': time.time(), 'f_left_hz': raw[0], 'f_right_hz': raw[1],
                'mode': values.get('controller_mode'), 'heartbeat': values.get('heartbeat'),
                'in_limits': in_limits}) + '\n')
            self._write_log.flush()

    # PLC cycle -----------------------------------------------------------------------------------------------
    def tick(self, dt_s: float) -> LineState:
        """One PLC cycle: heartbeat watch, drive the line, refresh the read-only registers."""
        holding = self._clock() - self._heartbeat_at > self.heartbeat_timeout_s
        if holding and not self._holding:
            self.heartbeat_losses += 1
        with self._lock:
            self._holding = holding
        if not holding:
            self.line.command(*self._setpoints)
        else:  # hold what runs now, whatever the registers say
            running = self.line.state
            self.line.command(running.f_left_hz, running.f_right_hz)
        state = self.line.step(dt_s)
        self._publish_state(state)
        return state

    def _publish_state(self, state: LineState) -> None:
        mode = self.registers[self.map.registers['controller_mode'].address]
        alarms = ((ALARM_HEARTBEAT_LOST if self._holding else 0) | (ALARM_CLAMPED if self._clamped_alarm else 0)
                  | (ALARM_ESTOP if mode == MODE_ESTOP else 0))
        self._write_values({
            'left_edge_mm': state.left_mm, 'right_edge_mm': state.right_mm,
            'f_left_running_hz': state.f_left_hz, 'f_right_running_hz': state.f_right_hz,
            'plc_state': PLC_HOLDING if self._holding else PLC_FOLLOWING, 'alarms': alarms,
            'writes_clamped': self.writes_clamped})
        with self._lock:
            self._state = state

    def _write_values(self, values: dict[str, float | int]) -> None:
        for name, value in values.items():
            register = self.map.registers[name]
            start, words = self.map.encode({name: value})
            self.registers[start:start + register.width] = words

    def snapshot(self) -> PlcSnapshot:
        """Thread-safe view for the ROS side."""
        with self._lock:
            return PlcSnapshot(self._state, self._holding, self._setpoints, self.writes, self.writes_clamped,
                               self.writes_rejected, self.heartbeat_losses)


class PlcServer:
    """Serves a PlcLogic over Modbus TCP and runs its cycle every `tick_s`, on an asyncio loop in its own thread."""

    def __init__(self, logic: PlcLogic, host: str, port: int, tick_s: float) -> None:
        self.logic, self.host, self.port, self.tick_s = logic, host, port, tick_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name='plc-server', daemon=True)

    def start(self, timeout_s: float = 10.0) -> None:
        """Return once the server listens; raises OSError when the port cannot be bound."""
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise TimeoutError('PLC server did not start')
        if self._error is not None:
            raise OSError(f'PLC server cannot listen on {self.host}:{self.port}: {self._error}') from self._error

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout=5.0)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # reported to start(); the thread ends
            self._error = error
            self._ready.set()

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        size = len(self.logic.registers)
        device = SimDevice(id=self.logic.map.device_id, action=self._action,
                           simdata=[SimData(address=0, count=size, datatype=DataType.REGISTERS)])
        server = ModbusTcpServer(device, address=(self.host, self.port))
        await server.serve_forever(background=True)
        if not server.transport:
            raise OSError('listen failed (port in use?)')
        self._ready.set()
        ticker = asyncio.create_task(self._tick_forever())
        try:
            await self._stop.wait()
        finally:
            ticker.cancel()
            await server.shutdown()

    async def _tick_forever(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(self.tick_s)
            now = time.monotonic()
            self.logic.tick(now - last)  # real elapsed time: a late cycle advances the line by as much
            last = now

    async def _action(self, function_code: int, start_address: int, address: int, count: int,
                      current_registers: list[int], set_values: list[int] | list[bool] | None) -> ExcCodes | None:
        """Every request goes through the PlcLogic; pymodbus' own copy of the registers just mirrors it."""
        if set_values is not None:
            words = [int(v) for v in set_values]
            if not self.logic.write(address, words):
                return ExcCodes.ILLEGAL_ADDRESS
            set_values[:] = self.logic.read(address, count)  # what the PLC kept (clamped)
            return None
        words = self.logic.read(address, count)
        if words is None:
            return ExcCodes.ILLEGAL_ADDRESS
        offset = address - start_address
        current_registers[offset:offset + count] = words
        return None
