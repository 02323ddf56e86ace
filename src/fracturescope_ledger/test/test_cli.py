import hashlib
import json
import os
from pathlib import Path
import sqlite3
import subprocess
import sys

from fracturescope_ledger.checkpoint import Checkpoint
from fracturescope_ledger.crash_drill import drill_record
from fracturescope_ledger.merkle import leaf_hash, verify_inclusion
from fracturescope_ledger.store import LedgerStore
from fracturescope_ledger.witness import CheckpointWitness
import pytest

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
COMMON_ROOT = PACKAGE_ROOT.parent / "fracturescope_common"


def cli(*args):
    # An auditor needs only the ledger and common packages (pure Python, no ROS).
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PACKAGE_ROOT), str(COMMON_ROOT)]))
    return subprocess.run([sys.executable, "-m", "fracturescope_ledger.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory, signer, build_ledger):
    return build_ledger(tmp_path_factory.mktemp("cli") / "ledger.db", signer, 40, batch=5)


def test_verify_ok_with_key_and_published_checkpoint(ledger, tmp_path, signer):
    key_file = tmp_path / "ledger.pub"
    key_file.write_text(signer.public_key.hex() + "\n")
    published = tmp_path / "checkpoint.json"
    result = cli("checkpoint", ledger)
    assert result.returncode == 0
    published.write_text(result.stdout)
    assert Checkpoint.from_json(json.loads(result.stdout)).verify(signer.public_key)
    result = cli("verify", ledger, "--public-key", key_file, "--checkpoint", published)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: 40 blocks verified")
    assert cli("verify", ledger, "--from", 10, "--to", 20).returncode == 0


def test_verify_tampered_names_the_block(ledger, tmp_path):
    copy = tmp_path / "tampered.db"
    copy.write_bytes(ledger.read_bytes())
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE blocks SET body = body || x'00' WHERE idx = 23")
    result = cli("verify", copy)
    assert result.returncode == 1
    assert "first bad block: 23" in result.stdout and "block 23:" in result.stdout


def test_verify_against_a_witness_file_names_the_first_rewritten_block(tmp_path, signer, rewrite_chain_from):
    witness = CheckpointWitness(tmp_path / "ledger.witness")
    with LedgerStore(tmp_path / "ledger.db", signer, milestone_every=16) as store:
        store.add_commit_listener(lambda blocks, checkpoint: witness.append(checkpoint))
        for seq in range(40):
            store.append_sync(drill_record(seq))
    witness.close()
    key_file = tmp_path / "ledger.pub"
    key_file.write_text(signer.public_key.hex() + "\n")
    assert cli("verify", tmp_path / "ledger.db", "--public-key", key_file, "--checkpoint", witness.path).returncode == 0
    rewrite_chain_from(tmp_path / "ledger.db", 35, merkle_too=True)
    with sqlite3.connect(tmp_path / "ledger.db") as conn:
        conn.execute("DELETE FROM checkpoints WHERE tree_size = 40")
    result = cli("verify", tmp_path / "ledger.db", "--public-key", key_file, "--checkpoint", witness.path)
    assert result.returncode == 1
    assert result.stdout.startswith("FAILED (first bad block: 35): block 35 was rewritten: the Merkle root of the "
                                    "first 36 blocks does not match the trusted checkpoint"), result.stdout


def test_show_and_export(ledger):
    shown = cli("show", ledger, 3)
    assert shown.returncode == 0 and shown.stdout.startswith("block 3 ")
    assert cli("show", ledger, "--last", 2).stdout.count("\nblock ") == 1
    exported = cli("export", ledger, "--from", 5, "--to", 7)
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [line["index"] for line in lines] == [5, 6, 7]
    assert all(hashlib.sha256(bytes.fromhex(line["canonical"])).hexdigest() == line["hash"] for line in lines)


def test_prove_inclusion_and_consistency(ledger):
    result = cli("prove", "inclusion", ledger, 11)
    assert result.returncode == 0, result.stderr
    proof = json.loads(result.stdout)
    assert proof["tree_size"] == 40 and proof["root_hash"] == proof["checkpoint"]["root_hash"]
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    leaf = leaf_hash(bytes.fromhex(proof["block_hash"]))
    assert verify_inclusion(leaf, 11, 40, path, bytes.fromhex(proof["root_hash"]))
    result = cli("prove", "consistency", ledger, 10, 40)
    assert result.returncode == 0 and json.loads(result.stdout)["second"] == 40


def test_proof_over_a_corrupted_cache_fails_with_3(ledger, tmp_path):
    copy = tmp_path / "cache.db"
    copy.write_bytes(ledger.read_bytes())
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE merkle_nodes SET hash = ? WHERE level = 0 AND idx = 10", (bytes(32),))
    assert cli("prove", "inclusion", copy, 11).returncode == 3


def test_usage_and_file_errors_exit_2(ledger, tmp_path):
    assert cli("verify", tmp_path / "absent.db").returncode == 2
    assert cli("show", ledger, 999).returncode == 2
    assert cli("prove", "inclusion", ledger, 5, "--tree-size", 99).returncode == 2
    assert cli("frobnicate").returncode == 2
