"""The Modbus client against the real PLC simulator server on a free loopback port (no mock: both run here)."""

import asyncio
import math
from pathlib import Path
import socket
import struct

from fracturescope_common.register_map import RegisterMap
from fracturescope_control.diagnostics_contract import (
    PLC_CONNECTED,
    PLC_REFUSED_OUT_OF_RANGE,
    PLC_STATE,
    PLC_WRITE_RATE,
    PLC_WRITES,
    control_values,
)
from fracturescope_control.output_limits import OutputLimits
from fracturescope_control.plc_client import OutOfRangeError, PlcClient, float32_within
from fracturescope_sim.line_model import LineModel, LineParameters
from fracturescope_sim.plc_simulator import PlcLogic, PlcServer
import pytest

REGISTERS = RegisterMap.from_yaml(Path(__file__).resolve().parents[3] / 'config' / 'plc_registers.yaml')
LIMITS = OutputLimits(5.0, 49.9, 5.0)
LINE = LineParameters(
    alpha=1.0, beta=1.0, gamma=0.05, gamma_scale=1.0, factor_speed_sensitivity=(0.0, 0.0, 0.0), conveyor_speed=1.2,
    speed_variation=0.0, speed_period_s=40.0, f_nominal_hz=30.0, f_min_hz=5.0, f_max_hz=50.0, slew_hz_per_s=50.0,
    transport_delay_s=0.0, lag_s=0.01, width_mm=1500.0, start_centre_mm=1000.0, rest_centre_mm=1000.0,
    disturbance='none', disturbance_speed_mm_s=20.0, gaussian_correlation_s=2.0, gaussian_leak_s=10.0,
    sine_period_s=8.0, step_period_s=6.0, step_size=1.0, seed=3)


def test_float32_rounding_never_leaves_the_limits():
    # 49.9 has no exact float32; the nearest one is above it, so the client sends the one just below.
    assert struct.unpack('>f', struct.pack('>f', 49.9))[0] > 49.9
    assert float32_within(49.9, LIMITS) <= 49.9
    assert float32_within(30.0, LIMITS) == 30.0
    for bad in (49.91, 4.0, math.nan, math.inf):
        with pytest.raises(OutOfRangeError):
            float32_within(bad, LIMITS)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_plc(port, log=None):
    plc = PlcLogic(REGISTERS, LineModel(LINE), 5.0, 50.0, heartbeat_timeout_s=1.0, write_log=log)
    server = PlcServer(plc, '127.0.0.1', port, tick_s=0.02)
    server.start()
    return plc, server


async def until(condition, timeout_s):
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, 'timed out'
        await asyncio.sleep(0.01)


def test_writes_reads_refuses_out_of_range_and_reconnects_with_backoff():
    port = free_port()
    plc, server = start_plc(port)

    async def scenario():
        client = PlcClient(REGISTERS, '127.0.0.1', port, LIMITS, timeout_s=1.0, backoff_min_s=0.05,
                           backoff_max_s=0.4)
        runner = asyncio.create_task(client.run())
        try:
            await until(lambda: client.connected, 5.0)
            status = await client.exchange(31.0, 29.0, 0)
            assert status is not None and status.plc_state in (0, 1)
            assert plc.snapshot().setpoints_hz == (31.0, 29.0)
            assert await client.exchange(60.0, 29.0, 0) is None          # refused before encoding: never sent
            assert await client.exchange(math.nan, 29.0, 0) is None
            assert client.counters.refused_out_of_range == 2 and plc.snapshot().writes == 1
            await client.exchange(31.5, 29.0, 0)
            report = control_values('msnf', None, math.nan, client, [])
            assert (report[PLC_WRITES], report[PLC_REFUSED_OUT_OF_RANGE], report[PLC_CONNECTED]) == (2, 2, True)
            assert report[PLC_WRITE_RATE] > 0 and report[PLC_STATE] in (0, 1)  # PLC refreshes it per cycle
            nonlocal server
            server.stop()                                                  # the PLC goes away
            assert await client.exchange(32.0, 29.0, 0) is None
            await until(lambda: client.counters.connect_failures >= 3, 5.0)
            assert client.next_backoff_s > client.backoff_min_s            # backing off
            server = start_plc(port)[1]                                    # and comes back (fresh PLC)
            await until(lambda: client.connected, 5.0)
            assert await client.exchange(33.0, 28.0, 0) is not None
            assert client.next_backoff_s == client.backoff_min_s            # the PLC answered: no more backoff
            assert client.counters.connects == 2
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)

    try:
        asyncio.run(scenario())
    finally:
        server.stop()


def test_a_plc_that_accepts_connections_but_never_answers_is_retried_with_backoff():
    """Issue 17: the TCP connection opened, no answer came, and the client reconnected at once (51 in 30 s)."""
    async def scenario():
        accepted = []

        async def silent(reader, writer):
            accepted.append(writer)
            await reader.read()                                            # reads requests, answers none

        server = await asyncio.start_server(silent, '127.0.0.1', 0)
        port = server.sockets[0].getsockname()[1]
        client = PlcClient(REGISTERS, '127.0.0.1', port, LIMITS, timeout_s=0.1, backoff_min_s=0.2,
                           backoff_max_s=1.6)
        runner = asyncio.create_task(client.run())
        try:
            deadline = asyncio.get_running_loop().time() + 3.0
            while asyncio.get_running_loop().time() < deadline:                # a 20 Hz loop asking the PLC
                assert await client.exchange(31.0, 29.0, 0) is None
                await asyncio.sleep(0.05)
            # at once per timeout would be ~25 connections; backing off 0.2, 0.4, 0.8, 1.6 s leaves a handful
            assert 2 <= client.counters.connects <= 6, client.counters
            assert client.next_backoff_s > client.backoff_min_s and client.counters.write_failures >= 2
        finally:
            runner.cancel()
            await asyncio.gather(runner, return_exceptions=True)
            for writer in accepted:
                writer.close()
            server.close()

    asyncio.run(scenario())
