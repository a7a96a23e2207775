"""RFC 6962 / RFC 9162 Merkle tree over the ledger, with consistency proofs, for witnesses.

The ledger is a hash chain; a witness that kept an old checkpoint can only check a newer one against it
if the log proves that the old tree is a prefix of the new one without sending every entry. So the
ledger is also a Merkle tree: leaf *i* is entry *i*'s chain hash, hashed as in RFC 6962
(``SHA-256(0x00 ‖ leaf)``, interior nodes ``SHA-256(0x01 ‖ left ‖ right)``). A tree checkpoint is a C2SP
tlog checkpoint (origin ``…/audit/tlog``, size, root) signed with the ledger key; ``consistency_proof``
and ``verify_consistency`` are RFC 9162 section 2.1.4 (the SUBPROOF algorithm and its verifier), and
``edge-alpr audit witness`` uses them to cosign.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root_of(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[0:n]) over already-hashed leaves, computed bottom-up (O(n) hashes, O(log n) memory)."""
    if not leaves:
        return EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []  # (height, hash) of complete subtrees, left to right
    for leaf in leaves:
        node, height = leaf, 0
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            node, height = node_hash(left, node), height + 1
        stack.append((height, node))
    node = stack.pop()[1]
    while stack:
        node = node_hash(stack.pop()[1], node)
    return node


def tree_root(entry_hashes: Sequence[bytes]) -> bytes:
    """The Merkle root of a ledger prefix, from its entries' chain hashes."""
    return root_of([leaf_hash(h) for h in entry_hashes])


def consistency_proof(entry_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[0:n]) of RFC 9162 2.1.4.1: the old tree (first `old_size` entries) is a prefix."""
    n = len(entry_hashes)
    if not 0 < old_size <= n:
        raise ValueError(f"consistency proof needs 0 < old size <= size, got {old_size} of {n}")
    leaves = [leaf_hash(h) for h in entry_hashes]
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root_of(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), root_of(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root_of(leaves[:k])]


def verify_consistency(old_size: int, size: int, old_root: bytes, root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 2.1.4.2: True when `proof` shows the tree of `old_size` (old_root) is a prefix of the tree
    of `size` (root)."""
    if old_size < 1 or old_size > size:
        return False
    if old_size == size:
        return not proof and old_root == root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, size - 1
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
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == root and sn == 0
