"""The Merkle tree of the daily audit anchor (signatures/merkle.py): RFC 6962 vectors, domain
separation, odd counts, and inclusion proofs for every leaf of trees of 1 to 20 leaves."""

from __future__ import annotations

import hashlib

import pytest

from signatures import merkle
from signatures.merkle import ProofStep

# RFC 6962 test vectors (certificate-transparency's merkle_tree_test: the same 8 leaves and the
# roots of their first n leaves).
LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def events(n: int) -> list[bytes]:
    return [hashlib.sha256(f"event {i}".encode()).digest() for i in range(n)]


@pytest.mark.parametrize("n", range(1, 9))
def test_rfc6962_vectors(n):
    assert merkle.root(LEAVES[:n]).hex() == ROOTS[n - 1]


def test_empty_tree_is_the_hash_of_nothing():
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_leaves_and_nodes_are_hashed_apart():
    a, b = events(2)
    assert merkle.leaf_hash(a) == hashlib.sha256(b"\x00" + a).digest()
    assert merkle.root([a, b]) == hashlib.sha256(b"\x01" + merkle.leaf_hash(a) + merkle.leaf_hash(b)).digest()
    # an inner node presented as a leaf does not give the same root (second preimage)
    assert merkle.root([merkle.leaf_hash(a) + merkle.leaf_hash(b)]) != merkle.root([a, b])
    assert merkle.root([a]) != a


def test_an_odd_leaf_is_not_duplicated():
    a, b, c = events(3)
    assert merkle.root([a, b, c]) == merkle.node_hash(merkle.root([a, b]), merkle.leaf_hash(c))
    assert merkle.root([a, b, c]) != merkle.root([a, b, c, c])


def test_order_matters():
    a, b = events(2)
    assert merkle.root([a, b]) != merkle.root([b, a])


@pytest.mark.parametrize("n", range(1, 21))
def test_every_leaf_proves_its_inclusion(n):
    leaves = events(n)
    top = merkle.root(leaves)
    for index, leaf in enumerate(leaves):
        path = merkle.inclusion_proof(leaves, index)
        assert merkle.root_from_path(leaf, path) == top
        assert len(path) <= (n - 1).bit_length()


def test_proof_sides_for_a_small_tree():
    a, b, c = events(3)
    assert merkle.inclusion_proof([a, b, c], 2) == [ProofStep("left", merkle.root([a, b]))]
    assert merkle.inclusion_proof([a, b, c], 0) == [ProofStep("right", merkle.leaf_hash(b)),
                                                    ProofStep("right", merkle.leaf_hash(c))]


def test_a_changed_leaf_or_path_does_not_prove():
    leaves = events(7)
    top = merkle.root(leaves)
    path = merkle.inclusion_proof(leaves, 4)
    assert merkle.root_from_path(events(8)[7], path) != top
    flipped = [ProofStep("right" if s.side == "left" else "left", s.hash) for s in path]
    assert merkle.root_from_path(leaves[4], flipped) != top
    broken = [path[0], ProofStep(path[1].side, bytes(32)), *path[2:]]
    assert merkle.root_from_path(leaves[4], broken) != top
    with pytest.raises(IndexError):
        merkle.inclusion_proof(leaves, 7)


# ---------------------------------------------------------------------------------------------
# The independent checker (scripts/check_inclusion.py) agrees with this module


def _checker():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "scripts" / "check_inclusion.py"
    spec = importlib.util.spec_from_file_location("check_inclusion", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, path


def test_the_checker_uses_the_standard_library_only():
    import ast
    import sys

    _, path = _checker()
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported and imported <= set(sys.stdlib_module_names) | {"__future__"}


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13])
def test_the_checker_accepts_every_proof_and_refuses_a_wrong_position(n):
    checker, _ = _checker()
    leaves = events(n)
    top = merkle.root(leaves).hex()
    for index, leaf in enumerate(leaves):
        proof = {"leaf_index": index, "tree_size": n, "root": top, "event": {"hash": leaf.hex()},
                 "leaf_hash": merkle.leaf_hash(leaf).hex(),
                 "path": [step.to_dict() for step in merkle.inclusion_proof(leaves, index)]}
        assert checker.check(proof, top, None) == []
        if n > 1:
            assert checker.check({**proof, "leaf_index": (index + 1) % n}, top, None) != []
