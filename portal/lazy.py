"""Modules imported on first use: signing and certificates pull in pyHanko and its dependencies
(about a second of start-up), which most commands and requests never need.

``certificates = lazy_module("portal.operations.certificates")`` binds a stand-in that imports the
module at its first attribute access and then forwards every read and write to it (so tests can
monkeypatch through it). ``tests/unit/test_lazy_imports.py`` checks that creating the app and the
commands that do not sign import no pyHanko.

The same file's other checks cover the rest of what start-up defers (docs/benchmarks.md, "Start-up
of flask"): HTTP clients (``requests = lazy_module("requests")``), the VNeID door, uploads' pypdf
and Pillow, ``portal.documents``' renderers (ReportLab, segno: the package's ``__getattr__``),
spreadsheets (openpyxl, imported in the export functions), Flask-Migrate (``portal.extensions``)
and the lifecycle machine class (``workflow.machine.lifecycle_machine_class``).
"""

from __future__ import annotations

import importlib
from types import ModuleType


class _LazyModule:
    __slots__ = ("_lazy_name",)

    def __init__(self, name: str):
        object.__setattr__(self, "_lazy_name", name)

    def _lazy_module(self) -> ModuleType:
        return importlib.import_module(object.__getattribute__(self, "_lazy_name"))

    def __getattr__(self, attribute: str):
        return getattr(self._lazy_module(), attribute)

    def __setattr__(self, attribute: str, value) -> None:
        setattr(self._lazy_module(), attribute, value)

    def __delattr__(self, attribute: str) -> None:
        delattr(self._lazy_module(), attribute)

    def __repr__(self) -> str:
        return f"<lazy module {object.__getattribute__(self, '_lazy_name')!r}>"


def lazy_module(name: str) -> ModuleType:
    """A stand-in for the module ``name`` that imports it when first used."""
    return _LazyModule(name)  # type: ignore[return-value]
