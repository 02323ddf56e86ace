"""amqtt's MQTT broker on an asyncio event loop of its own thread (fracturescope_common.event_loop), for a node or
any Python program: `start()` returns once it listens, `stop()` closes every connection and the listener.

amqtt 0.12 speaks MQTT 3.1.1 only (an MQTT 5 CONNECT is refused with "unacceptable protocol version"), and keeps
sessions in memory: messages queued for an absent persistent session (clean_session=False, QoS 1) wait while the
broker runs, not across a restart of it. A session is kept only for a client that logged in with a user name:
with allow_anonymous, amqtt marks every session anonymous and drops it when its client disconnects.
"""

from __future__ import annotations

from collections.abc import Callable
import logging
from pathlib import Path
import shutil
import tempfile

from amqtt.broker import Broker
from amqtt.errors import BrokerError, PluginError, PluginLoadError
from fracturescope_common.event_loop import EventLoopThread

from fracturescope_broker.broker_config import BrokerSettings, amqtt_config
from fracturescope_broker.password_file import write_password_file
from fracturescope_broker.traffic import Traffic, TrafficCounter

TRAFFIC_PLUGIN = f'{TrafficCounter.__module__}.{TrafficCounter.__name__}'
AMQTT_LOGGER = 'amqtt'


class LogForwarder(logging.Handler):
    """amqtt's Python log records (WARNING and above) to `sink(level, text)`, each on one line: an exception's
    message instead of its traceback."""

    def __init__(self, sink: Callable[[int, str], None]) -> None:
        super().__init__(logging.WARNING)
        self._sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f': {record.exc_info[1]}'
        self._sink(record.levelno, f'{record.name}: {text}')


class EmbeddedBroker:
    """`on_refused(description)`: each refused connection, on the broker's thread. `on_log(level, text)`: amqtt's
    warnings and errors, instead of Python's logging (which would print tracebacks to stderr)."""

    def __init__(self, settings: BrokerSettings, on_refused: Callable[[str], None] | None = None,
                 on_log: Callable[[int, str], None] | None = None) -> None:
        self.settings = settings
        self._on_refused = on_refused
        self._log_forwarder = LogForwarder(on_log) if on_log is not None else None
        self._loop_thread: EventLoopThread | None = None
        self._broker: Broker | None = None
        self._counter: TrafficCounter | None = None
        self._private_dir: Path | None = None
        self._propagated = True
        self.port: int | None = None        # the port it listens on (settings.port, or the one the OS gave for 0)

    @property
    def url(self) -> str:
        return f'{"mqtts" if self.settings.tls else "mqtt"}://{self.settings.host}:{self.port}'

    def start(self, timeout_s: float = 10.0) -> None:
        """Check the settings, write the users' hashes where only this process reads them, start listening.
        ValueError / OSError (the port is taken, a file is missing) when it cannot."""
        self.settings.check()
        users = self.settings.users()
        password_file = None
        if users:
            self._private_dir = Path(tempfile.mkdtemp(prefix='fracturescope_broker_'))   # mode 0700
            password_file = self._private_dir / 'passwd'
            write_password_file(password_file, users)
        config = amqtt_config(self.settings, password_file, {TRAFFIC_PLUGIN: {}})
        if self._log_forwarder is not None:
            amqtt_logger = logging.getLogger(AMQTT_LOGGER)
            self._propagated = amqtt_logger.propagate
            amqtt_logger.addHandler(self._log_forwarder)
            amqtt_logger.propagate = False
        self._loop_thread = EventLoopThread('embedded_broker')
        self._loop_thread.start()
        try:
            self._loop_thread.submit(self._start(config)).result(timeout_s)
        except BrokerError as error:   # the listener could not open (its cause says why)
            self.stop()
            raise OSError(f'cannot serve {self.settings.url}: {error.__cause__ or error}') from error
        except (PluginError, PluginLoadError) as error:   # an authentication plugin refused its configuration
            self.stop()
            raise ValueError(f'amqtt refused the configuration: {error.__cause__ or error}') from error
        except BaseException:
            self.stop()
            raise

    async def _start(self, config: dict) -> None:
        self._broker = Broker(config)
        self._counter = self._broker.plugins_manager.get_plugin(TrafficCounter.__name__)
        self._counter.on_refused = self._on_refused
        await self._broker.start()
        # amqtt keeps its asyncio servers by listener name; the socket says which port port 0 became
        server = self._broker._servers['default'].instance   # (no public accessor in amqtt 0.12)
        self.port = server.sockets[0].getsockname()[1]

    def traffic(self) -> Traffic:
        return self._counter.snapshot() if self._counter is not None else Traffic(0, 0, 0, 0, 0)

    def stop(self, timeout_s: float = 10.0) -> None:
        """Disconnect every client, close the listener, end the loop thread. Safe to call twice."""
        if self._loop_thread is not None:
            if self._broker is not None and self._broker.transitions.is_started():
                try:
                    self._loop_thread.submit(self._broker.shutdown()).result(timeout_s)
                except (BrokerError, TimeoutError):
                    pass   # the loop's end below cancels what is left
            self._loop_thread.stop(timeout_s)
            self._loop_thread = None
        self._broker = None
        if self._private_dir is not None:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None
        if self._log_forwarder is not None and self._log_forwarder in logging.getLogger(AMQTT_LOGGER).handlers:
            logging.getLogger(AMQTT_LOGGER).removeHandler(self._log_forwarder)
            logging.getLogger(AMQTT_LOGGER).propagate = self._propagated
