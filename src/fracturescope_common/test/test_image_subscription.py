"""When an image subscription is made anew after oversized images (the renewal itself, over DDS, is tested with the
defect detector in tests/perception/test_defect_detector_graph.py; the memory it gives back is measured by
benchmarks/large_image_memory_benchmark.py)."""

from fracturescope_common.image_subscription import RenewalPolicy
import pytest


def test_renewed_only_after_an_oversized_image_and_a_quiet_time():
    policy = RenewalPolicy(max_bytes=1000, quiet_s=2.0, min_interval_s=10.0)
    assert not policy.received(1000, now_s=0.0) and not policy.due(100.0)   # within the limit: never
    assert policy.received(1001, now_s=1.0)
    assert not policy.due(2.5)                                               # the flood may go on
    assert policy.received(5000, now_s=2.5) and not policy.due(4.0)          # it did: wait again
    assert policy.due(4.5)
    policy.renewed(4.5)
    assert not policy.due(60.0)                                              # nothing oversized since


def test_a_sustained_flood_renews_at_most_once_per_interval():
    policy = RenewalPolicy(max_bytes=1000, quiet_s=2.0, min_interval_s=10.0)
    policy.received(2000, now_s=0.0)
    policy.renewed(2.0)
    policy.received(2000, now_s=3.0)
    assert not policy.due(6.0) and not policy.due(11.9)                      # quiet, but renewed 4 s ago
    assert policy.due(12.0)


def test_limits_must_make_sense():
    for max_bytes, quiet_s, interval_s in ((0, 1.0, 1.0), (10, 0.0, 1.0), (10, 1.0, -1.0)):
        with pytest.raises(ValueError):
            RenewalPolicy(max_bytes, quiet_s, interval_s)
