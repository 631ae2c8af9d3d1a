"""Merkle trees of the daily audit anchor (RFC 6962 / RFC 9162 "Merkle Tree Hash").

Flask-free and database-free: the portal hands in the day's event hashes in their order and gets
a root or an inclusion proof back. ``scripts/check_inclusion.py`` re-implements
:func:`root_from_path` with the standard library only, so that anyone can check a proof.

- A leaf is the 32 raw bytes of an event hash (the hex ``DossierEvent.hash`` decoded).
- Leaves and inner nodes are hashed with different prefixes (domain separation), so an inner
  node can never be passed off as a leaf: ``leaf = SHA-256(0x00 || data)``,
  ``node = SHA-256(0x01 || left || right)``.
- The tree over ``n > 1`` leaves splits at ``k``, the largest power of two below ``n``: the left
  subtree holds the first ``k`` leaves, the right one the rest. An odd leaf is never duplicated
  (a duplicated last leaf would give two lists the same root).
- The empty tree's root is ``SHA-256("")`` (a day without any event).
- An inclusion proof is the list of sibling hashes from the leaf up to the root, each with the
  side on which the sibling stands: ``left`` means ``node = H(0x01 || sibling || current)``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["EMPTY_ROOT", "ProofStep", "inclusion_proof", "leaf_hash", "node_hash", "root", "root_from_path"]

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below ``n`` (``n >= 2``)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _subtree(hashes: Sequence[bytes]) -> bytes:
    """The root over already hashed leaves (at least one)."""
    if len(hashes) == 1:
        return hashes[0]
    k = _split(len(hashes))
    return node_hash(_subtree(hashes[:k]), _subtree(hashes[k:]))


def root(leaves: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of ``leaves`` (raw leaf data, in order)."""
    if not leaves:
        return EMPTY_ROOT
    return _subtree([leaf_hash(leaf) for leaf in leaves])


@dataclass(frozen=True)
class ProofStep:
    side: str  # "left" or "right": where the sibling stands
    hash: bytes

    def to_dict(self) -> dict[str, str]:
        return {"side": self.side, "hash": self.hash.hex()}


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[ProofStep]:
    """The sibling path of leaf ``index``, from the leaf up to the root."""
    if not 0 <= index < len(leaves):
        raise IndexError(f"leaf {index} outside a tree of {len(leaves)}")
    hashes = [leaf_hash(leaf) for leaf in leaves]
    steps: list[ProofStep] = []
    while len(hashes) > 1:
        k = _split(len(hashes))
        if index < k:
            steps.append(ProofStep("right", _subtree(hashes[k:])))
            hashes = hashes[:k]
        else:
            steps.append(ProofStep("left", _subtree(hashes[:k])))
            hashes, index = hashes[k:], index - k
    steps.reverse()  # collected from the root down; a proof reads from the leaf up
    return steps


def root_from_path(leaf: bytes, path: Sequence[ProofStep]) -> bytes:
    """The root implied by a leaf's data and its sibling path."""
    current = leaf_hash(leaf)
    for step in path:
        if step.side == "left":
            current = node_hash(step.hash, current)
        elif step.side == "right":
            current = node_hash(current, step.hash)
        else:
            raise ValueError(f"unknown side {step.side!r}")
    return current
