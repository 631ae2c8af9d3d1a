"""Arrows point down.

* workflow/ and signatures/ import neither flask nor portal, nor each other;
* inside portal/: doors (blueprints, API, CLI, the app) -> use cases (portal.operations) ->
  models, documents, statistics, storage and vocabulary -> workflow / signatures; never upwards;
* no import cycle inside portal/, counting imports inside functions too (so none can hide one).
"""

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "workflow": {"flask", "portal", "signatures", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_babel"},
    "signatures": {"flask", "portal", "workflow", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_babel"},
    # Outside systems' simulators run as their own processes: they share only signatures/ rules.
    "simulators": {"portal", "workflow", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_babel"},
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


def test_portal_never_imports_a_simulator():
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "portal").rglob("*.py")
                 if "simulators" in imported_roots(path)]
    assert offenders == []


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


# ---------------------------------------------------------------------------------------------
# Layers and cycles inside portal/

#: Below the use cases: what they (and the doors) build on. Everything else is a door.
LOWER = ("portal.models", "portal.documents", "portal.statistics", "portal.storage", "portal.text",
         "portal.extensions", "portal.config", "portal.database", "portal.labels", "portal.messages",
         "portal.payments.gateway", "portal.payments.sandbox", "portal.i18n", "portal.integrations",
         "portal.lazy")
DOORS_INSIDE_LOWER = ("portal.statistics.cli",)
LAYER_NAMES = {3: "doors", 2: "use cases", 1: "models and vocabulary"}


def layer(module: str) -> int:
    if module in DOORS_INSIDE_LOWER:
        return 3
    if module == "portal.operations" or module.startswith("portal.operations."):
        return 2
    if any(module == lower or module.startswith(lower + ".") for lower in LOWER):
        return 1
    return 3


def portal_modules(root: Path) -> dict[str, Path]:
    modules = {}
    for path in (root / "portal").rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the portal modules it imports, anywhere in the file (functions included)."""

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str | None] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {known(alias.name) for alias in node.names if alias.name.startswith("portal")}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                if base.startswith("portal"):
                    targets |= {known(f"{base}.{alias.name}") if f"{base}.{alias.name}" in modules else known(base)
                                for alias in node.names}
        graph[module] = {t for t in targets if t and t != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def upward_imports(graph: dict[str, set[str]]) -> Iterable[str]:
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if layer(target) > layer(module):
                yield f"{module} ({LAYER_NAMES[layer(module)]}) imports {target} ({LAYER_NAMES[layer(target)]})"


def test_portal_has_no_import_cycle():
    assert cycles(import_graph(portal_modules(ROOT))) == []


def test_portal_layers_point_down():
    assert list(upward_imports(import_graph(portal_modules(ROOT)))) == []


def test_the_checkers_catch_a_cycle_hidden_in_a_function_and_an_upward_import(tmp_path):
    (tmp_path / "portal" / "operations").mkdir(parents=True)
    (tmp_path / "portal" / "models").mkdir()
    (tmp_path / "portal" / "operations" / "a.py").write_text("from portal.operations import b\n", encoding="utf-8")
    (tmp_path / "portal" / "operations" / "b.py").write_text(
        "def f():\n    from portal.operations.a import g\n", encoding="utf-8")
    (tmp_path / "portal" / "models" / "m.py").write_text("import portal.operations.a\n", encoding="utf-8")
    graph = import_graph(portal_modules(tmp_path))
    assert cycles(graph) == [["portal.operations.a", "portal.operations.b"]]
    assert list(upward_imports(graph)) == [
        "portal.models.m (models and vocabulary) imports portal.operations.a (use cases)"]


def transaction_calls(path: Path) -> list[str]:
    """``x.commit()`` / ``x.rollback()`` calls in a module, as "line: call"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("commit", "rollback")):
            found.append(f"{node.lineno}: {node.func.attr}()")
    return found


def test_no_view_or_api_module_commits_or_rolls_back():
    """One boundary per request (portal.transaction): views and endpoints never end a transaction."""
    modules = portal_modules(ROOT)
    doors = {name: path for name, path in modules.items()
             if name.startswith("portal.api.") or name.endswith("views") or name.endswith("_views")}
    assert len(doors) > 10
    offenders = {name: calls for name, path in doors.items() if (calls := transaction_calls(path))}
    assert offenders == {}


def test_the_commit_checker_sees_a_commit(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("def v():\n    db.session.commit()\n", encoding="utf-8")
    assert transaction_calls(sample) == ["2: commit()"]
