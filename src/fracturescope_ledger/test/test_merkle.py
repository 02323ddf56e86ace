import hashlib

from fracturescope_ledger.merkle import (
    EMPTY_ROOT,
    MerkleFrontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaves,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)
from hypothesis import given
from hypothesis import strategies as st
import pytest

MAX = 64
ENTRIES = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(MAX)]
LEAVES = [leaf_hash(e) for e in ENTRIES]


# Reference definitions, transcribed literally from RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1.
def ref_mth(d):
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < len(d):
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m, d):
    if len(d) == 1:
        return []
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m, d, b):
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def perfect_node(level, index):
    return root_from_leaves(LEAVES[index << level:(index + 1) << level])


def flips(proof):
    for i, node in enumerate(proof):
        for bit in (0, 77, 255):
            flipped = bytearray(node)
            flipped[bit // 8] ^= 1 << (bit % 8)
            yield proof[:i] + [bytes(flipped)] + proof[i + 1:]


def test_leaf_and_node_hashes_use_rfc_prefixes():
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()
    assert root_from_leaves([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("size", range(1, MAX + 1))
def test_roots_and_inclusion_proofs_match_the_reference(size):
    root = ref_mth(ENTRIES[:size])
    assert root_from_leaves(LEAVES[:size]) == root
    assert subtree_root(0, size, perfect_node) == root
    for index in range(size):
        proof = inclusion_proof(index, size, perfect_node)
        assert proof == ref_path(index, ENTRIES[:size])
        assert verify_inclusion(LEAVES[index], index, size, proof, root)
        for other in range(index + 1, MAX + 1):  # a proof for one tree size proves nothing about another
            other_root = ref_mth(ENTRIES[:other])
            assert verify_inclusion(LEAVES[index], index, other, proof, other_root) == (
                proof == ref_path(index, ENTRIES[:other]))
        assert not verify_inclusion(LEAVES[index], index, size, proof + [root], root)
        assert not verify_inclusion(LEAVES[(index + 1) % size], index, size, proof, root) or size == 1
        if size > 1:
            assert not verify_inclusion(LEAVES[index], (index + 1) % size, size, proof, root)
            assert not verify_inclusion(LEAVES[index], index, size, proof[:-1], root)
        assert not any(verify_inclusion(LEAVES[index], index, size, bad, root) for bad in flips(proof))


@pytest.mark.parametrize("second", range(1, MAX + 1))
def test_consistency_proofs_match_the_reference(second):
    second_root = ref_mth(ENTRIES[:second])
    for first in range(1, second + 1):
        first_root = ref_mth(ENTRIES[:first])
        proof = consistency_proof(first, second, perfect_node)
        assert proof == ref_subproof(first, ENTRIES[:second], True)
        assert verify_consistency(first, second, first_root, second_root, proof)
        assert not verify_consistency(first, second, second_root, first_root, proof) or first == second
        assert not any(verify_consistency(first, second, first_root, second_root, bad)
                       for bad in flips(proof))
        assert not verify_consistency(first, second, first_root, second_root, proof + [first_root])
        if proof:
            assert not verify_consistency(first, second, first_root, second_root, proof[:-1])
        if first < second:
            assert not verify_consistency(first + 1, second, first_root, second_root, proof)
            other_root = ref_mth(ENTRIES[:second - 1])
            assert verify_consistency(first, second - 1, first_root, other_root, proof) == (
                proof == ref_subproof(first, ENTRIES[:second - 1], True))
            assert not verify_consistency(first, second, ref_mth(ENTRIES[1:first + 1]), second_root, proof)


def test_invalid_arguments():
    assert not verify_consistency(0, 3, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(4, 3, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_inclusion(LEAVES[0], -1, 3, [], EMPTY_ROOT)
    assert not verify_inclusion(LEAVES[0], 0, 1, [], b"short")
    with pytest.raises(ValueError):
        inclusion_proof(3, 3, perfect_node)
    with pytest.raises(ValueError):
        consistency_proof(0, 3, perfect_node)


@pytest.mark.parametrize("size", range(MAX + 1))
def test_frontier_reports_every_completed_perfect_subtree(size):
    frontier = MerkleFrontier()
    stored = {}
    for leaf in LEAVES[:size]:
        for level, index, node in frontier.append(leaf):
            assert (level, index) not in stored
            stored[level, index] = node
    assert frontier.size == size
    assert frontier.root() == ref_mth(ENTRIES[:size])
    assert stored == {(level, index): perfect_node(level, index)
                      for level in range(7) for index in range(size >> level)}
    restored = MerkleFrontier.restore(size, lambda level, index: stored[level, index])
    assert restored.hashes == frontier.hashes
    if size < MAX:
        assert restored.append(LEAVES[size]) == frontier.copy().append(LEAVES[size])


def test_frontier_rejects_misaligned_subtrees():
    frontier = MerkleFrontier()
    frontier.append(LEAVES[0])
    with pytest.raises(ValueError, match="cannot start at leaf 1"):
        frontier.append_subtree(1, LEAVES[1])
    with pytest.raises(ValueError):
        MerkleFrontier(3, [LEAVES[0]])


@given(st.integers(0, MAX), st.integers(0, MAX))
def test_subtree_root_of_any_range(a, b):
    start, end = min(a, b), max(a, b)
    assert subtree_root(start, end, perfect_node) == ref_mth(ENTRIES[start:end])


@given(st.data())
def test_random_proofs_verify_and_random_garbage_does_not(data):
    size = data.draw(st.integers(1, MAX))
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(1, size))
    proof = inclusion_proof(index, size, perfect_node)
    root = ref_mth(ENTRIES[:size])
    assert verify_inclusion(LEAVES[index], index, size, proof, root)
    garbage = data.draw(st.lists(st.binary(min_size=32, max_size=32), max_size=8))
    assert verify_inclusion(LEAVES[index], index, size, garbage, root) == (garbage == proof)
    cproof = consistency_proof(first, size, perfect_node)
    first_root = ref_mth(ENTRIES[:first])
    assert verify_consistency(first, size, first_root, root, cproof)
    assert verify_consistency(first, size, first_root, root, garbage) == (garbage == cproof)
