"""The centre's web dashboard (aiohttp): live alerts with thumbnails and their ledger status, each robot's health
(last seen, link, outbox backlog, ledger witness), the commands sent and their acks, and stop / resume / inspect
again / e-stop buttons. Every page and API call needs a logged-in operator (operator_accounts.py); a command also
needs the session's CSRF token in the X-CSRF-Token header (a cross-site form cannot set it, and the SameSite=Strict
cookie is not sent cross-site anyway), and is signed by the centre, logged with the operator's name, then sent.

    GET  /login, POST /login (form user, password), POST /logout (header X-CSRF-Token)
    GET  /                      the dashboard (web/dashboard.html + dashboard.js: polls /api/state every second)
    GET  /api/state?after=SEQ   {alerts: stored after SEQ, robots (with their newest thermal states), commands, user}
    GET  /api/telemetry?robot_id=ID&after=SEQ&window_s=S
                                {points: the robot's edge alignment over the last S seconds (after SEQ)}
    POST /api/command           {robot_id, command: stop | resume | inspect_again | estop} -> {nonce}
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from fracturescope_common.event_loop import EventLoopThread

from fracturescope_operator.centre import CentreError, OperatorCentre
from fracturescope_operator.operator_accounts import Sessions

WEB = Path(__file__).parent / 'web'
COOKIE = 'fracturescope_session'
# What the dashboard's buttons send, and to which subsystem.
BUTTONS = {'stop': 'control', 'resume': 'control', 'estop': 'control', 'inspect_again': 'perception'}
MAX_PLOT_WINDOW_S = 3600.0   # the page plots up to an hour: 1,800 points at a 2 s telemetry period
MAX_PLOT_POINTS = 2000
ALIGNMENT_FIELDS = ('mean_left_mm', 'mean_right_mm', 'max_abs_left_mm', 'max_abs_right_mm', 'mode', 'measured',
                    'samples')   # of a telemetry message's alignment, per plot point (fracturescope_uplink.telemetry)
SECURITY_HEADERS = {
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'Cache-Control': 'no-store'}


def make_app(centre: OperatorCentre, sessions: Sessions, secure_cookie: bool = False,
             on_command: Callable[[str], None] = print) -> web.Application:
    """The dashboard over `centre`; `secure_cookie`: the site is served over HTTPS (behind a TLS proxy)."""

    @web.middleware
    async def security(request: web.Request, handler: Callable) -> web.StreamResponse:
        response = await handler(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    def session_of(request: web.Request):
        return sessions.session(request.cookies.get(COOKIE))

    async def login_page(request: web.Request) -> web.Response:
        return web.Response(text=(WEB / 'login.html').read_text(), content_type='text/html')

    async def log_in(request: web.Request) -> web.Response:
        form = await request.post()
        made = sessions.log_in(str(form.get('user', '')), str(form.get('password', '')))
        if made is None:
            page = (WEB / 'login.html').read_text().replace('<!--message-->', '<p class="error">Wrong user name or '
                                                            'password (or too many tries: wait a minute).</p>')
            return web.Response(text=page, content_type='text/html', status=401)
        response = web.HTTPSeeOther('/')
        response.set_cookie(COOKIE, made[0], httponly=True, samesite='Strict', secure=secure_cookie, path='/')
        raise response

    async def log_out(request: web.Request) -> web.Response:
        session = session_of(request)
        if session is None or request.headers.get('X-CSRF-Token') != session.csrf_token:
            raise web.HTTPForbidden(text='not logged in, or no CSRF token')
        sessions.log_out(request.cookies.get(COOKIE))
        response = web.json_response({'logged_out': True})
        response.del_cookie(COOKIE, path='/')
        return response

    async def dashboard(request: web.Request) -> web.Response:
        session = session_of(request)
        if session is None:
            raise web.HTTPSeeOther('/login')
        page = (WEB / 'dashboard.html').read_text().replace('{{csrf_token}}', session.csrf_token)
        return web.Response(text=page.replace('{{user}}', web_escape(session.user)), content_type='text/html')

    async def script(request: web.Request) -> web.Response:
        return web.Response(text=(WEB / 'dashboard.js').read_text(), content_type='application/javascript')

    async def stylesheet(request: web.Request) -> web.Response:
        return web.Response(text=(WEB / 'centre.css').read_text(), content_type='text/css')

    async def state(request: web.Request) -> web.Response:
        session = session_of(request)
        if session is None:
            raise web.HTTPUnauthorized(text='log in first')
        try:
            after = int(request.query.get('after', '0'))
        except ValueError:
            raise web.HTTPBadRequest(text='after: a number') from None
        return web.json_response(state_of(centre, after, session.user))

    async def telemetry(request: web.Request) -> web.Response:
        if session_of(request) is None:
            raise web.HTTPUnauthorized(text='log in first')
        try:
            after = int(request.query.get('after', '0'))
            window_s = min(float(request.query.get('window_s', '600')), MAX_PLOT_WINDOW_S)
        except ValueError:
            raise web.HTTPBadRequest(text='after, window_s: numbers') from None
        return web.json_response(alignment_of(centre, request.query.get('robot_id', ''), after, window_s))

    async def command(request: web.Request) -> web.Response:
        session = session_of(request)
        if session is None:
            raise web.HTTPUnauthorized(text='log in first')
        if request.headers.get('X-CSRF-Token') != session.csrf_token:
            raise web.HTTPForbidden(text='missing or wrong CSRF token')
        try:
            body = await request.json()
            robot_id, name = str(body['robot_id']), str(body['command'])
        except (ValueError, KeyError, TypeError):
            raise web.HTTPBadRequest(text='{robot_id, command} expected') from None
        if name not in BUTTONS:
            raise web.HTTPBadRequest(text=f'the dashboard sends only {", ".join(BUTTONS)}')
        try:
            nonce = centre.send_command(robot_id, session.user, name, target=BUTTONS[name])
        except CentreError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        on_command(f'{session.user}: {name} -> {robot_id} (nonce {nonce})')
        return web.json_response({'nonce': str(nonce)})

    app = web.Application(middlewares=[security], client_max_size=64 * 1024)
    app.add_routes([web.get('/login', login_page), web.post('/login', log_in), web.post('/logout', log_out),
                    web.get('/', dashboard), web.get('/dashboard.js', script),
                    web.get('/centre.css', stylesheet), web.get('/api/state', state),
                    web.get('/api/telemetry', telemetry), web.post('/api/command', command)])
    return app


def web_escape(text: str) -> str:
    return text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('"', '&quot;')


def state_of(centre: OperatorCentre, after: int, user: str, limit: int = 200) -> dict[str, Any]:
    """What the page shows: alerts stored after `after` (the newest `limit` on the first call), robots, commands."""
    stored = centre.store.alerts(after_seq=after, limit=limit) if after else centre.store.latest_alerts(limit)
    telemetry = centre.store.latest_telemetry()
    robots = [{'robot_id': r.robot_id, 'last_seen_ns': r.last_seen_ns, 'status': r.status,
               'witness_state': r.witness_state, 'witness_detail': r.witness_detail,
               'witnessed_size': r.witnessed_size, 'registered': r.robot_id in centre.witness.robots,
               'thermal': telemetry[r.robot_id].telemetry['thermal'] if r.robot_id in telemetry else []}
              for r in centre.store.robots()]
    commands = [{'robot_id': c.robot_id, 'operator': c.operator, 'command': c.command, 'nonce': c.nonce,
                 'sent_ns': c.sent_ns, 'ack': c.ack} for c in centre.store.commands(limit=50)]
    return {'user': user, 'alerts': [{'seq': s.seq, 'received_ns': s.received_ns, **s.alert} for s in stored],
            'robots': robots, 'commands': commands, 'registered': centre.witness.robots}


def alignment_of(centre: OperatorCentre, robot_id: str, after: int, window_s: float) -> dict[str, Any]:
    """The robot's sheet-edge alignment over the last `window_s` (telemetry after `after`): one point per telemetry
    message with control samples."""
    since_ns = centre.clock_ns() - int(window_s * 1e9)
    stored = centre.store.telemetry(robot_id, since_ns=since_ns, after_seq=after, limit=MAX_PLOT_POINTS)
    points = [{'seq': s.seq, 'received_ns': s.received_ns, 'stamp_ns': s.telemetry['stamp_ns'],
               **{key: a.get(key) for key in ALIGNMENT_FIELDS}}
              for s in stored if isinstance(a := s.telemetry.get('alignment'), dict)]
    return {'robot_id': robot_id, 'window_s': window_s, 'now_ns': centre.clock_ns(),
            'last_seq': stored[-1].seq if stored else after, 'points': points}



class DashboardServer:
    """The dashboard served from a thread of its own (the MQTT link has paho's), on host:port; port 0: any free."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._app, self.host, self.port = app, host, port
        self._loop = EventLoopThread('dashboard')
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f'http://{self.host}:{self.port}/'

    def start(self) -> None:
        self._loop.start()
        self._loop.submit(self._start()).result(10.0)

    def stop(self) -> None:
        if self._runner is not None:
            self._loop.submit(self._runner.cleanup()).result(10.0)
        self._loop.stop()

    async def _start(self) -> None:
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]   # the port 0 became (no public accessor)
