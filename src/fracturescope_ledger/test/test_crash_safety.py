from fracturescope_ledger.crash_drill import _acknowledged, run_kill_drill


def test_sigkill_never_loses_an_acknowledged_block(tmp_path):
    result = run_kill_drill(tmp_path, kills=25, seed=7, kills_per_ledger=13, max_delay_s=0.5)
    assert result.problems == []
    assert result.kills == 25
    assert result.acknowledged > 0
    assert (result.losses, result.verify_failures, result.writer_failures) == (0, 0, 0)


def test_a_line_cut_by_the_kill_is_not_acknowledged():
    assert _acknowledged(f"0 {'ab' * 32}\n1 {'cd' * 16}") == {0: bytes.fromhex("ab" * 32)}
