#!/usr/bin/env python3
"""Check an inclusion proof of the Lai Châu public-service portal's audit log (standard library only).

    python3 check_inclusion.py PROOF.json --statement 2026-11-29.json
    python3 check_inclusion.py PROOF.json --root 5dc9...4328

PROOF.json is the output of ``flask audit prove EVENT_ID``; the statement is the day's file
published at /kiem-chung/nhat-ky/DAY.json (check its signature and timestamp with OpenSSL, see
docs/audit.md). The script checks that

1. the event's content and previous hash give the event's hash: SHA-256(prev_hash || content);
2. the leaf is SHA-256(0x00 || event hash bytes) and, folding the sibling path with
   node = SHA-256(0x01 || left || right), gives the published root (RFC 6962);
3. the sides of the path are those of leaf ``leaf_index`` in a tree of ``tree_size`` leaves,
   and the day and the number of leaves are those of the statement.

Prints OK and exits 0, or prints what failed and exits 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def expected_sides(index: int, size: int) -> list[str]:
    """The sides of the siblings of leaf ``index`` (from the leaf up) in a tree of ``size`` leaves."""
    sides = []
    while size > 1:
        k = 1
        while k * 2 < size:
            k *= 2
        if index < k:
            sides.append("right")
            size = k
        else:
            sides.append("left")
            index, size = index - k, size - k
    return sides[::-1]


def check(proof: dict, root_hex: str, statement: dict | None) -> list[str]:
    failures = []
    event = proof.get("event") or {}
    event_hash = str(event.get("hash", ""))
    if "content" in event:
        recomputed = hashlib.sha256((str(event["prev_hash"]) + str(event["content"])).encode("utf-8")).hexdigest()
        if recomputed != event_hash:
            failures.append("the event's content does not give its hash (the event was changed)")
    try:
        leaf = bytes.fromhex(event_hash)
        current = leaf_hash(leaf)
        path = [(step["side"], bytes.fromhex(step["hash"])) for step in proof["path"]]
    except (KeyError, TypeError, ValueError):
        return failures + ["the proof is malformed"]
    if current.hex() != proof.get("leaf_hash"):
        failures.append("the leaf hash is not SHA-256(0x00 || event hash)")
    for side, sibling in path:
        current = node_hash(sibling, current) if side == "left" else node_hash(current, sibling)
    if [side for side, _ in path] != expected_sides(int(proof.get("leaf_index", -1)), int(proof.get("tree_size", 0))):
        failures.append("the path does not fit the leaf's position in the tree")
    if current.hex() != root_hex.lower():
        failures.append(f"the path gives root {current.hex()}, the published root is {root_hex.lower()}")
    if proof.get("root", "").lower() != root_hex.lower():
        failures.append("the proof names another root than the published one")
    if statement is not None:
        if statement.get("day") != proof.get("day"):
            failures.append("the statement is of another day")
        if statement.get("event_count") != proof.get("tree_size"):
            failures.append("the tree size differs from the statement's event count")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("proof", help="the proof (JSON), '-' for standard input")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--statement", help="the day's published statement (DAY.json)")
    source.add_argument("--root", help="the published root (hex)")
    args = parser.parse_args(argv)
    with (sys.stdin if args.proof == "-" else open(args.proof, encoding="utf-8")) as handle:
        proof = json.load(handle)
    statement = None
    if args.statement:
        with open(args.statement, encoding="utf-8") as handle:
            statement = json.load(handle)
    root_hex = statement["root"] if statement is not None else args.root
    failures = check(proof, root_hex, statement)
    for failure in failures:
        print(f"FAILED: {failure}")
    if failures:
        return 1
    print(f"OK: event {proof.get('event_id')} (dossier {proof.get('dossier_id')}, #{proof.get('seq')}) "
          f"is leaf {proof['leaf_index']} of {proof['tree_size']} under root {root_hex} of {proof['day']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
