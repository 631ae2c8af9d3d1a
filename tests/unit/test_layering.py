"""Arrows point down: workflow/ and signatures/ import neither flask nor portal, nor each other."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "workflow": {"flask", "portal", "signatures", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_babel"},
    "signatures": {"flask", "portal", "workflow", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_babel"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_upwards(package):
    offenders = {}
    for path in (ROOT / package).rglob("*.py"):
        bad = imported_roots(path) & FORBIDDEN[package]
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_the_checker_catches_an_upward_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("from flask import Flask\nimport portal.models\n", encoding="utf-8")
    assert imported_roots(sample) >= {"flask", "portal"}


def test_citizen_id_rules():
    from workflow.citizen_id import InvalidCitizenId, parse_citizen_id

    parsed = parse_citizen_id("012190123456")
    assert parsed.province_code == "012" and parsed.birth_year == 1990 and parsed.female
    assert parse_citizen_id("001205000001").birth_year == 2005
    for number, reason in [("0121901234", "length"), ("01219012345x", "digits"), ("999190123456", "province"),
                           ("012450123456", "birth_year")]:
        with pytest.raises(InvalidCitizenId) as error:
            parse_citizen_id(number)
        assert error.value.reason == reason
