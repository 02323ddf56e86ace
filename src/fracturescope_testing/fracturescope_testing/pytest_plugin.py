"""pytest fixtures of fracturescope_testing, registered for every test run in the workspace by the package's
`pytest11` entry point (setup.py): no conftest needs to import them (and none should list this module in
`pytest_plugins` as well: pytest would refuse the plugin registered twice).

- `mosquitto`: an anonymous mosquitto broker, started (fracturescope_testing.mqtt_broker.MosquittoBroker).
- `mosquitto_factory`: `mosquitto_factory(tls=True, users={'robot': 'pw'})` -> a started broker, as many as a test
  needs. Every broker these fixtures made is killed when the test ends.
- `postgres_url`: the URL of a real PostgreSQL server (a fresh cluster of the test's own, stopped at its end).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fracturescope_testing.mqtt_broker import MosquittoBroker
from fracturescope_testing.postgres_server import PostgresServer


@pytest.fixture
def mosquitto_factory(tmp_path: Path) -> Iterator[Callable[..., MosquittoBroker]]:
    made: list[MosquittoBroker] = []

    def make(**options: object) -> MosquittoBroker:
        broker = MosquittoBroker(tmp_path, **options)
        made.append(broker)
        broker.start()
        return broker

    yield make
    for broker in made:
        broker.close()


@pytest.fixture
def mosquitto(mosquitto_factory: Callable[..., MosquittoBroker]) -> MosquittoBroker:
    return mosquitto_factory()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with PostgresServer() as server:
        yield server.url
