"""The PLC simulator: its logic directly, then over a real pymodbus server on a free loopback port."""

import asyncio
from dataclasses import replace
import io
import json
from pathlib import Path
import socket

from fracturescope_common.register_map import (
    ALARM_CLAMPED,
    ALARM_HEARTBEAT_LOST,
    PLC_FOLLOWING,
    PLC_HOLDING,
    RegisterMap,
)
from fracturescope_sim.line_model import LineModel, LineParameters
from fracturescope_sim.plc_simulator import PlcLogic, PlcServer
from pymodbus.client import AsyncModbusTcpClient
import pytest

REGISTERS = RegisterMap.from_yaml(Path(__file__).resolve().parents[3] / 'config' / 'plc_registers.yaml')
LINE = LineParameters(
    alpha=1.0, beta=1.0, gamma=0.05, gamma_scale=1.0, factor_speed_sensitivity=(0.0, 0.0, 0.0), conveyor_speed=1.2,
    speed_variation=0.0, speed_period_s=40.0, f_nominal_hz=30.0, f_min_hz=5.0, f_max_hz=50.0, slew_hz_per_s=50.0,
    transport_delay_s=0.0, lag_s=0.01, width_mm=1500.0, start_centre_mm=1000.0, rest_centre_mm=1000.0,
    disturbance='none', disturbance_speed_mm_s=20.0, gaussian_correlation_s=2.0, gaussian_leak_s=10.0,
    sine_period_s=8.0, step_period_s=6.0, step_size=1.0, seed=3)


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def words(values):
    return REGISTERS.encode(values)


def logic(clock, log=None):
    return PlcLogic(REGISTERS, LineModel(LINE), 10.0, 45.0, heartbeat_timeout_s=0.5, clock=clock, write_log=log)


def status(plc):
    start, count = REGISTERS.span(['left_edge_mm', 'writes_clamped'])
    return REGISTERS.decode(start, plc.read(start, count), ['left_edge_mm', 'right_edge_mm', 'f_left_running_hz',
                                                             'plc_state', 'alarms', 'writes_clamped'])


def test_follows_setpoints_while_the_heartbeat_changes_then_holds():
    clock, log = Clock(), io.StringIO()
    plc = logic(clock, log)
    assert status(plc)['plc_state'] == PLC_HOLDING          # no controller yet
    for beat in range(1, 11):
        assert plc.write(*words({'f_left_setpoint_hz': 31.0, 'f_right_setpoint_hz': 29.0, 'controller_mode': 0,
                                 'heartbeat': beat}))
        clock.t += 0.1
        plc.tick(0.1)
    now = status(plc)
    assert now['plc_state'] == PLC_FOLLOWING and now['f_left_running_hz'] == pytest.approx(31.0)
    assert now['left_edge_mm'] == pytest.approx(1040.0 - 750.0, abs=0.5)
    # The controller goes quiet, then writes new setpoints with a heartbeat that no longer changes: held.
    clock.t += 0.6
    plc.tick(0.1)
    plc.write(*words({'f_left_setpoint_hz': 44.0, 'f_right_setpoint_hz': 29.0, 'controller_mode': 0, 'heartbeat': 10}))
    for _ in range(5):
        clock.t += 0.1
        plc.tick(0.1)
    held = status(plc)
    assert held['plc_state'] == PLC_HOLDING and held['alarms'] & ALARM_HEARTBEAT_LOST
    assert held['f_left_running_hz'] == pytest.approx(31.0)
    assert plc.snapshot().heartbeat_losses == 1
    # Heartbeat back: follows the latest setpoint again.
    plc.write(*words({'f_left_setpoint_hz': 44.0, 'f_right_setpoint_hz': 29.0, 'controller_mode': 0, 'heartbeat': 11}))
    for _ in range(3):                                        # slew 50 Hz/s: 13 Hz in 0.3 s
        clock.t += 0.1
        plc.tick(0.1)
    assert status(plc)['plc_state'] == PLC_FOLLOWING and status(plc)['f_left_running_hz'] == pytest.approx(44.0)
    records = [json.loads(line) for line in log.getvalue().splitlines()]
    assert len(records) == 12 and all(r['in_limits'] for r in records)


def test_clamps_and_records_out_of_range_writes_and_rejects_bad_ones():
    clock, log = Clock(), io.StringIO()
    plc = logic(clock, log)
    assert plc.write(*words({'f_left_setpoint_hz': 80.0, 'f_right_setpoint_hz': float('nan'), 'controller_mode': 0,
                             'heartbeat': 1}))
    assert plc.snapshot().setpoints_hz == (45.0, 30.0)        # clamped; NaN keeps the previous setpoint
    clock.t += 0.1
    plc.tick(0.1)                                              # status registers refresh on the PLC cycle
    assert status(plc)['writes_clamped'] == 1 and status(plc)['alarms'] & ALARM_CLAMPED
    record = json.loads(log.getvalue())
    assert record['f_left_hz'] == 80.0 and not record['in_limits']
    start = REGISTERS.registers['left_edge_mm'].address
    assert not plc.write(start, [0, 0])                        # read-only register
    assert not plc.write(1, [0])                               # half of a float32
    assert not plc.write(200, [0])                             # no such register
    assert plc.read(0, 1000) is None
    assert plc.snapshot().writes_rejected == 3


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_served_over_modbus_tcp():
    plc = PlcLogic(REGISTERS, LineModel(replace(LINE, disturbance='none')), 10.0, 45.0, heartbeat_timeout_s=0.5)
    port = free_port()
    server = PlcServer(plc, '127.0.0.1', port, tick_s=0.02)
    server.start()

    async def talk():
        client = AsyncModbusTcpClient('127.0.0.1', port=port, timeout=2.0, retries=0, reconnect_delay=0)
        assert await client.connect()
        try:
            start, values = words({'f_left_setpoint_hz': 99.0, 'f_right_setpoint_hz': 29.0, 'controller_mode': 0,
                                   'heartbeat': 1})
            assert not (await client.write_registers(start, values, device_id=REGISTERS.device_id)).isError()
            back = await client.read_holding_registers(0, count=6, device_id=REGISTERS.device_id)
            assert REGISTERS.decode(0, back.registers, ['f_left_setpoint_hz'])['f_left_setpoint_hz'] == 45.0
            refused = await client.write_registers(16, [0, 0], device_id=REGISTERS.device_id)
            assert refused.isError()
            for _ in range(50):                                # the PLC cycle runs on its own
                await asyncio.sleep(0.02)
                start, count = REGISTERS.span(['left_edge_mm', 'writes_clamped'])
                read = await client.read_holding_registers(start, count=count, device_id=REGISTERS.device_id)
                running = REGISTERS.decode(start, read.registers, ['f_left_running_hz'])['f_left_running_hz']
                if running == pytest.approx(45.0):
                    return True
            return False
        finally:
            client.close()

    try:
        assert asyncio.run(talk())
    finally:
        server.stop()
    busy = PlcServer(plc, '127.0.0.1', port, tick_s=0.02)
    with socket.socket() as holder:
        holder.bind(('127.0.0.1', port))
        holder.listen()
        with pytest.raises(OSError):
            busy.start()
