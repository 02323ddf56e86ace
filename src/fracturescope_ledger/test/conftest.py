"""Shared fixtures: a signing key, generated records and small ledgers on disk."""

from pathlib import Path
import sys

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PACKAGE_ROOT))

from fracturescope_ledger.checkpoint import CheckpointSigner  # noqa: E402
from fracturescope_ledger.crash_drill import drill_record  # noqa: E402
from fracturescope_ledger.store import LedgerStore  # noqa: E402

from fracturescope_ledger import tamper_drill  # noqa: E402


@pytest.fixture(scope="session")
def signer(tmp_path_factory):
    return CheckpointSigner.from_key_file(tmp_path_factory.mktemp("keys") / "ledger.pem")


@pytest.fixture(scope="session")
def other_signer(tmp_path_factory):
    return CheckpointSigner.from_key_file(tmp_path_factory.mktemp("keys") / "intruder.pem")


@pytest.fixture(scope="session")
def build_ledger():
    return _build_ledger


def _build_ledger(path, signer, count, *, batch=16, milestone_every=64):
    """A ledger of ``count`` generated blocks committed in batches of ``batch``."""
    with LedgerStore(path, signer, milestone_every=milestone_every) as store:
        for start in range(0, count, batch):
            futures = [store.append(drill_record(seq)) for seq in range(start, min(count, start + batch))]
            for future in futures:
                future.result()
    return path


@pytest.fixture(scope="session")
def rewrite_chain_from():
    return tamper_drill.rewrite_chain_from


@pytest.fixture
def record():
    return drill_record(7)
