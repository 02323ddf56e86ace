"""The byte budget of a metered link."""

from fracturescope_uplink.bandwidth import ByteBudget


def test_the_budget_refills_at_its_rate_up_to_its_burst():
    budget = ByteBudget(bytes_per_s=1000, burst_s=2.0, now_s=0.0)
    budget.spend(1, 0.0)
    assert budget.affords(1999, 0.0) and not budget.affords(2000, 0.0)
    budget.spend(1999, 0.0)
    assert not budget.affords(500, 0.4) and budget.affords(500, 0.5)
    assert budget.available(100.0) == 2000          # never more than the burst


def test_a_message_larger_than_the_bucket_waits_for_a_full_bucket_and_then_goes_into_debt():
    budget = ByteBudget(bytes_per_s=100, burst_s=1.0, now_s=0.0)
    budget.spend(50, 0.0)
    assert not budget.affords(500, 0.0) and budget.affords(500, 0.5)
    budget.spend(500, 0.5)
    assert not budget.affords(1, 4.5) and budget.affords(1, 4.52)   # 400 bytes of debt paid back first (4 s)


def test_no_budget_means_no_limit():
    budget = ByteBudget(bytes_per_s=0, burst_s=1.0, now_s=0.0)
    assert budget.affords(10**9, 0.0)
    budget.spend(10**9, 0.0)
    assert budget.spent == 10**9
