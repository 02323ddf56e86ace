"""The dashboard over real HTTP (aiohttp's server on a loopback port, an HTTP client with a cookie jar): nothing
without a login, no command without the session's CSRF token, a command signed, logged with the operator's name
and published; alerts and robots in /api/state."""

import asyncio
import json

import aiohttp
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fracturescope_common.operator_commands import CommandSigner
from fracturescope_operator.centre import OperatorCentre
from fracturescope_operator.dashboard import make_app
from fracturescope_operator.fleet_store import open_fleet_store
from fracturescope_operator.ledger_witness import LedgerWitness
from fracturescope_operator.operator_accounts import Sessions, hash_password
from fracturescope_uplink.alert_schema import encode, new_alert
from fracturescope_uplink.command_gateway import decode_command
from fracturescope_uplink.telemetry import TelemetryWindow, encode_telemetry
import pytest

PASSWORD = 'correct horse battery'


@pytest.fixture
def centre(tmp_path):
    sent = []
    made = OperatorCentre(open_fleet_store(tmp_path / 'centre.db'), LedgerWitness({'robot-1': bytes(32)}),
                          CommandSigner(Ed25519PrivateKey.generate(), 'centre'),
                          lambda topic, payload: sent.append((topic, payload)))
    made.sent = sent
    yield made
    made.store.close()


def serve(centre, scenario):
    async def run():
        server = TestServer(make_app(centre, Sessions({'alice': hash_password(PASSWORD)}), on_command=lambda _: None))
        await server.start_server()
        try:
            # unsafe: accept cookies from an IP address host (127.0.0.1), as browsers do
            async with aiohttp.ClientSession(base_url=str(server.make_url('/')),
                                             cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
                return await scenario(client)
        finally:
            await server.close()
    return asyncio.run(run())


async def log_in(client):
    async with client.post('/login', data={'user': 'alice', 'password': PASSWORD}) as response:
        assert response.status == 200 and response.url.path == '/'     # redirected to the dashboard
        page = await response.text()
    return page.split('name="csrf-token" content="')[1].split('"')[0]


def test_nothing_without_logging_in(centre):
    async def scenario(client):
        async with client.get('/', allow_redirects=False) as response:
            assert response.status == 303 and response.headers['Location'] == '/login'
        async with client.get('/api/state') as response:
            assert response.status == 401
        async with client.post('/api/command', json={'robot_id': 'robot-1', 'command': 'stop'}) as response:
            assert response.status == 401
        async with client.post('/login', data={'user': 'alice', 'password': 'wrong'}) as response:
            assert response.status == 401 and 'Wrong user name or password' in await response.text()
    serve(centre, scenario)
    assert centre.sent == [] and centre.store.commands() == []


def test_a_logged_in_operator_sees_alerts_and_sends_signed_logged_commands_with_the_csrf_token(centre):
    alert = new_alert('robot-1', 'defect', 7, 'crack', 0.9, {'location': 'pier-3'})
    centre.handle('fracturescope/robot-1/alerts/defect', encode(alert))

    async def scenario(client):
        token = await log_in(client)
        async with client.get('/api/state') as response:
            state = await response.json()
            assert response.headers['Content-Security-Policy'].startswith("default-src 'self'")
        assert [a['alert_id'] for a in state['alerts']] == [alert['alert_id']] and state['user'] == 'alice'
        assert state['robots'][0]['robot_id'] == 'robot-1' and state['robots'][0]['registered']
        async with client.get(f'/api/state?after={state["alerts"][0]["seq"]}') as response:
            assert (await response.json())['alerts'] == []
        async with client.post('/api/command', json={'robot_id': 'robot-1', 'command': 'stop'}) as response:
            assert response.status == 403                                # no CSRF token
        async with client.post('/api/command', json={'robot_id': 'robot-1', 'command': 'stop'},
                               headers={'X-CSRF-Token': 'guessed'}) as response:
            assert response.status == 403
        async with client.post('/api/command', json={'robot_id': 'robot-1', 'command': 'manual'},
                               headers={'X-CSRF-Token': token}) as response:
            assert response.status == 400                                # not a dashboard button
        async with client.post('/api/command', json={'robot_id': 'robot-1', 'command': 'inspect_again'},
                               headers={'X-CSRF-Token': token}) as response:
            assert response.status == 200
            return json.loads(await response.text())['nonce']
    nonce = serve(centre, scenario)
    ((topic, payload),) = centre.sent
    command = decode_command(payload)
    assert topic == 'fracturescope/robot-1/commands' and str(command.nonce) == nonce
    assert command.target == 'perception' and command.issuer == 'centre' and command.signature
    (logged,) = centre.store.commands()
    assert (logged.operator, logged.command) == ('alice', 'inspect_again')


def test_the_alignment_plot_and_thermal_states_come_from_the_robots_telemetry(centre):
    window = TelemetryWindow('robot-1')
    for mean_left_mm in (2.0, -3.0):
        window.roll_command('AUTO', mean_left_mm, 0.5, 25.0, 25.0, stamp_ns=1)
        window.thermal('thermal/image', 'boiler-room', 'hot', 0.03, 81.0, 0, False, stamp_ns=1)
        centre.handle('fracturescope/robot-1/telemetry', encode_telemetry(window.take(2.0)))
    window.edge_status('no_material')      # no control output in this period: no point on the plot
    centre.handle('fracturescope/robot-1/telemetry', encode_telemetry(window.take(2.0)))

    async def scenario(client):
        async with client.get('/api/telemetry?robot_id=robot-1') as response:
            assert response.status == 401
        await log_in(client)
        async with client.get('/api/telemetry?robot_id=robot-1&window_s=600') as response:
            plot = await response.json()
        async with client.get(f'/api/telemetry?robot_id=robot-1&after={plot["last_seq"]}') as response:
            later = await response.json()
        async with client.get('/api/telemetry?robot_id=robot-1&after=x') as response:
            assert response.status == 400
        async with client.get('/api/state') as response:
            return plot, later, (await response.json())['robots']
    plot, later, robots = serve(centre, scenario)
    assert [p['mean_left_mm'] for p in plot['points']] == [2.0, -3.0] and plot['points'][0]['mode'] == 'AUTO'
    assert later['points'] == [] and later['last_seq'] == plot['last_seq']
    (thermal,) = robots[0]['thermal']
    assert (thermal['installation_id'], thermal['label'], thermal['max_temperature_c']) == ('boiler-room', 'hot', 81.0)


def test_the_session_cookie_is_http_only_and_same_site_strict(centre):
    async def scenario(client):
        async with client.post('/login', data={'user': 'alice', 'password': PASSWORD},
                               allow_redirects=False) as response:
            return response.headers['Set-Cookie']
    cookie = serve(centre, scenario)
    assert 'HttpOnly' in cookie and 'SameSite=Strict' in cookie
