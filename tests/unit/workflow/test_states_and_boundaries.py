"""Status codes, the package boundary and the generated documentation."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from workflow.machine import mermaid
from workflow.states import (
    FINAL_STATUSES,
    NATIONAL_CODE,
    PROCESSING_ROLES,
    STAFF_ROLES,
    Role,
    Status,
    status_from_national_code,
)

ROOT = Path(__file__).resolve().parents[3]


def test_national_codes_are_1_to_10_and_draft_has_none():
    assert set(NATIONAL_CODE) == set(Status)
    assert NATIONAL_CODE[Status.DRAFT] is None
    assert sorted(v for v in NATIONAL_CODE.values() if v is not None) == list(range(1, 11))
    assert NATIONAL_CODE[Status.PROCESSED] == 9 and NATIONAL_CODE[Status.RETURNED] == 10
    assert status_from_national_code(5) is Status.SUPPLEMENT_REQUESTED
    with pytest.raises(ValueError):
        status_from_national_code(11)


def test_final_statuses_and_roles():
    assert FINAL_STATUSES == {
        Status.NOT_ACCEPTED,
        Status.WITHDRAWN,
        Status.STOPPED,
        Status.RETURNED,
    }
    assert Role.CITIZEN not in STAFF_ROLES and Role.ADMIN in STAFF_ROLES
    assert Role.ADMIN not in PROCESSING_ROLES


def test_workflow_imports_neither_flask_portal_nor_signatures():
    forbidden = {"flask", "portal", "signatures"}
    for path in (ROOT / "workflow").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path.name} imports {name}"


def test_docs_lifecycle_contains_the_current_diagram():
    text = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```mermaid\n(.*?)```", text, flags=re.S)
    assert blocks == [mermaid()], "regenerate with: python -m workflow.machine > diagram"


def test_mermaid_lists_every_status():
    diagram = mermaid()
    assert diagram.startswith("stateDiagram-v2\n")
    for status in Status:
        assert f" {status.value} " in diagram or f" {status.value}\n" in diagram
