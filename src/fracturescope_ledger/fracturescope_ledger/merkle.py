"""Merkle tree hashing, proofs and proof verification per RFC 9162 §2.1.

Proof generation reads only the roots of perfect (aligned, power-of-two sized) subtrees through a
``node(level, index)`` accessor, where node(0, i) is leaf hash i and node(level, index) covers leaves
[index * 2**level, (index + 1) * 2**level). Every range the RFC recursion visits on its left side is such
a subtree, so a proof costs O(log n) lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
import hashlib

NodeAccessor = Callable[[int, int], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162 §2.1.1: MTH({}) = HASH()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(entry: bytes) -> bytes:
    """MTH of a single entry: SHA-256(0x00 || entry)."""
    return hashlib.sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def fold_root(frontier: Sequence[bytes]) -> bytes:
    """Tree root from the perfect-subtree roots of a compact range, left to right."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


def frontier_positions(size: int) -> list[tuple[int, int]]:
    """(level, index) of the perfect subtrees that make up a tree of ``size`` leaves, left to right."""
    positions = []
    offset = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            positions.append((level, offset >> level))
            offset += 1 << level
    return positions


class MerkleFrontier:
    """The right edge of an append-only Merkle tree: O(log n) state, O(1) amortised appends."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self._size = size
        self._hashes = list(hashes)
        if len(self._hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} frontier nodes, "
                             f"got {len(self._hashes)}")

    @classmethod
    def restore(cls, size: int, node: NodeAccessor) -> MerkleFrontier:
        """Rebuild from stored perfect-subtree roots."""
        return cls(size, [node(level, index) for level, index in frontier_positions(size)])

    @property
    def size(self) -> int:
        return self._size

    @property
    def hashes(self) -> list[bytes]:
        """Perfect-subtree roots, largest (leftmost) first."""
        return list(self._hashes)

    def copy(self) -> MerkleFrontier:
        return MerkleFrontier(self._size, self._hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return (level, index, hash) of every perfect subtree it completes."""
        return self.append_subtree(0, leaf)

    def append_subtree(self, level: int, subtree_root: bytes) -> list[tuple[int, int, bytes]]:
        """Add the root of a perfect subtree of 2**level leaves at the current (aligned) size."""
        if self._size & ((1 << level) - 1):
            raise ValueError(f"a level-{level} subtree cannot start at leaf {self._size}")
        index = self._size >> level
        completed = [(level, index, subtree_root)]
        node = subtree_root
        while index & 1:
            node = node_hash(self._hashes.pop(), node)
            level += 1
            index >>= 1
            completed.append((level, index, node))
        self._hashes.append(node)
        self._size += 1 << completed[0][0]
        return completed

    def root(self) -> bytes:
        return fold_root(self._hashes)


def root_from_leaves(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH of a list of leaf hashes."""
    frontier = MerkleFrontier()
    for leaf in leaf_hashes:
        frontier.append(leaf)
    return frontier.root()


def _split(n: int) -> int:
    """The largest power of two smaller than n (RFC 9162 §2.1.1's k), for n > 1."""
    return 1 << ((n - 1).bit_length() - 1)


def subtree_root(start: int, end: int, node: NodeAccessor) -> bytes:
    """MTH(D[start:end]) from perfect-subtree roots."""
    size = end - start
    if size <= 0:
        if size == 0:
            return EMPTY_ROOT
        raise ValueError(f"empty range {start}..{end}")
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return node(level, start >> level)
    k = _split(size)
    return node_hash(subtree_root(start, start + k, node), subtree_root(start + k, end, node))


def inclusion_proof(index: int, tree_size: int, node: NodeAccessor) -> list[bytes]:
    """PATH(index, D[0:tree_size]) of RFC 9162 §2.1.3.1, leaf side first."""
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf {index} is not in a tree of {tree_size} leaves")
    path = []
    start, end = 0, tree_size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(subtree_root(start + k, end, node))
            end = start + k
        else:
            path.append(subtree_root(start, start + k, node))
            start += k
    path.reverse()
    return path


def consistency_proof(first: int, second: int, node: NodeAccessor) -> list[bytes]:
    """PROOF(first, D[0:second]) of RFC 9162 §2.1.4.1."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second} leaves")
    path = []
    start, end, whole = 0, second, True
    m = first
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            path.append(subtree_root(start + k, end, node))
            end = start + k
        else:
            path.append(subtree_root(start, start + k, node))
            start += k
            m -= k
            whole = False
    if not whole:
        path.append(subtree_root(start, end, node))
    path.reverse()
    return path


def verify_inclusion(leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` place ``leaf`` at ``index`` of the tree with ``root``?"""
    if not 0 <= index < tree_size or not _all_hashes(proof, leaf, root):
        return False
    fn, sn = index, tree_size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of ``first`` leaves a prefix of the tree of ``second`` leaves?"""
    if not 0 < first <= second or not _all_hashes(proof, first_root, second_root):
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def _all_hashes(proof: Sequence[bytes], *hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == 32 for h in (*proof, *hashes))
