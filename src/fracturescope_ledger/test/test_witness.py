import errno
import json
import os

from fracturescope_ledger.witness import CheckpointWitness, read_checkpoints
import pytest


def checkpoints(signer, count):
    return [signer.sign(size, bytes([size % 256]) * 32, size) for size in range(1, count + 1)]


def test_appended_lines_read_back_newest_and_all(tmp_path, signer):
    witness = CheckpointWitness(tmp_path / "w.jsonl")
    assert witness.newest() is None
    signed = checkpoints(signer, 300)  # ~100 kB: newest() reads back over more than one chunk
    for checkpoint in signed:
        witness.append(checkpoint)
    witness.close()
    assert witness.newest() == signed[-1]
    assert read_checkpoints(witness.path) == signed


def test_a_line_cut_short_is_skipped_and_the_next_append_starts_a_fresh_line(tmp_path, signer, monkeypatch):
    first, second, third, fourth = checkpoints(signer, 4)
    path = tmp_path / "w.jsonl"
    CheckpointWitness(path).append(first)
    with path.open("ab") as file:  # what a crash in the middle of a write leaves
        file.write(json.dumps(second.to_json()).encode()[:50])
    witness = CheckpointWitness(path)
    assert witness.newest() == first
    witness.append(second)
    real_write = os.write

    def disk_full(fd, data):
        real_write(fd, data[:40])
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "write", disk_full)
    with pytest.raises(OSError, match="No space"):
        witness.append(third)
    monkeypatch.setattr(os, "write", real_write)
    assert witness.newest() == second
    witness.append(fourth)
    witness.close()
    assert witness.newest() == fourth
    assert read_checkpoints(path) == [first, second, fourth]


def test_a_single_published_checkpoint_file(tmp_path, signer):
    (checkpoint,) = checkpoints(signer, 1)
    (tmp_path / "cp.json").write_text(json.dumps(checkpoint.to_json(), indent=2))
    assert read_checkpoints(tmp_path / "cp.json") == [checkpoint]
    (tmp_path / "junk.json").write_text("{}\n")
    with pytest.raises(ValueError, match="holds no checkpoint"):
        read_checkpoints(tmp_path / "junk.json")
