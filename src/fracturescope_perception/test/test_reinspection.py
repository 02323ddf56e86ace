"""Operator inspect-again requests answered by the next pairs, in order."""

from fracturescope_perception.fusion.reinspection import ReinspectionQueue, Request
import pytest


def test_each_request_is_answered_by_its_own_next_pairs_in_order():
    queue = ReinspectionQueue(pairs_per_request=2)
    assert queue.next_pair() is None                       # a routine pair
    assert queue.request('op', 1) and queue.request('op', 2)
    answers = [queue.next_pair() for _ in range(5)]
    assert answers == [Request('op', 1), Request('op', 1), Request('op', 2), Request('op', 2), None]
    assert (queue.requested, queue.answered, queue.waiting) == (2, 2, 0)


def test_requests_beyond_the_waiting_limit_are_refused_and_counted():
    queue = ReinspectionQueue(pairs_per_request=1, max_waiting=2)
    assert queue.request('op', 1) and queue.request('op', 2)
    assert not queue.request('op', 3)
    assert (queue.requested, queue.refused, queue.waiting) == (2, 1, 2)
    assert [queue.next_pair().nonce, queue.next_pair().nonce] == [1, 2]


def test_a_request_covers_at_least_one_pair():
    with pytest.raises(ValueError):
        ReinspectionQueue(pairs_per_request=0)
