"""Start-up imports no signing code: pyHanko (and the modules built on it) load on first use, so
``flask --help`` and the commands that do not sign start without them (portal/lazy.py).

Nor the other libraries that only some pages and commands use (``DEFERRED``): spreadsheets,
PDF parsing and rendering, images, QR codes, HTTP clients, VNeID's OAuth, migrations. Each is
checked in ``sys.modules`` of a fresh process, so a top-level import added back anywhere on the
way from ``create_app`` fails here (benchmarks/startup_bench.py measures what they cost).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIGNING = ("pyhanko", "pyhanko_certvalidator", "portal.operations.signing", "portal.operations.certificates",
           "signatures.pdf", "signatures.verify")
DEFERRED = ("openpyxl", "pypdf", "pikepdf", "PIL", "reportlab", "segno", "requests", "urllib3", "authlib", "joserfc",
            "alembic", "flask_migrate", "mako", "pygments", "statemachine", "portal.documents.common", "portal.documents.result",
            "portal.operations.pdf_check", "portal.auth.vneid")

PROBE = """
import sys
from portal import create_app
app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
with app.app_context():
    app.cli.list_commands(app.app_context())  # every command group registered, as flask --help does
    for name in ("demo", "stats", "db", "catalogue"):
        group = app.cli.get_command(None, name)
        assert group is not None, name
print(",".join(sorted(m for m in %r if m in sys.modules)))
import workflow.machine
print("machine built" if workflow.machine.lifecycle_machine_class.cache_info().currsize else "machine not built")
"""


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTAL_ENV": "development", "FLASK_APP": "portal"}
    return subprocess.run([sys.executable, *args, "-c", code] if code else [sys.executable, *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_creating_the_app_imports_no_signing_code():
    done = _run(PROBE % (SIGNING,))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == ""


def test_creating_the_app_imports_none_of_the_deferred_libraries():
    done = _run(PROBE % (DEFERRED,))
    assert done.returncode == 0, done.stderr
    loaded, machine = done.stdout.splitlines()
    assert loaded == ""
    assert machine == "machine not built"  # the lifecycle machine class is built at its first use


def test_the_probe_sees_a_deferred_library_once_used():
    """The check above can fail: rendering a document or reading the migrations loads them."""
    code = ("import sys\n"
            "from portal import create_app\n"
            "app = create_app({'PORTAL_ENV': 'testing', 'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
            "from portal import documents\n"
            "documents.render_receipt\n"
            "with app.app_context():\n"
            "    app.extensions['migrate'].directory\n"
            "from portal.operations import uploads\n"
            "uploads.Image.MAX_IMAGE_PIXELS\n"
            "print(','.join(m for m in ('reportlab', 'alembic', 'flask_migrate', 'PIL') if m in sys.modules))\n")
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "reportlab,alembic,flask_migrate,PIL"


def test_flask_help_imports_no_signing_code():
    code = ("import atexit, sys\n"
            f"atexit.register(lambda: print('LOADED:' + ','.join(m for m in {SIGNING + DEFERRED!r} if m in sys.modules)))\n"
            "from flask.cli import main\n"
            "sys.argv = ['flask', '--help']\n"
            "main()\n")
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert "demo" in done.stdout and done.stdout.strip().endswith("LOADED:")


def test_the_lazy_stand_in_forwards_reads_and_writes():
    from portal.lazy import lazy_module

    module = lazy_module("json")
    assert module.dumps([1]) == "[1]"
    module.lazy_probe = 3
    import json

    assert json.lazy_probe == 3
    del module.lazy_probe
    assert not hasattr(json, "lazy_probe")


def test_flask_db_lists_flask_migrates_commands():
    """The ``db`` group stands in for Flask-Migrate's until used: its help and commands are the real ones."""
    code = ("import sys\n"
            "from flask.cli import main\n"
            "sys.argv = ['flask', 'db', '--help']\n"
            "main()\n")
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert "--directory" in done.stdout
    assert all(name in done.stdout for name in ("upgrade", "downgrade", "current", "heads", "migrate"))


COLLECTOR = """
import gc
from portal import create_app
settings = {"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
first = create_app(settings)
frozen = gc.get_freeze_count()
create_app(settings)
print(gc.isenabled(), frozen > 50000, gc.get_freeze_count() <= frozen)  # frozen objects may still be freed
gc.disable()
create_app(settings)
print(gc.isenabled())
gc.enable()
try:
    create_app({**settings, "DOSSIER_CODE_FORMAT": "no such format"})
except Exception as error:
    print(type(error).__name__, gc.isenabled())
"""


def test_the_app_is_built_with_the_collector_paused_and_its_objects_frozen_once():
    """The process's first build leaves its objects (modules, mappers, the app) out of the cycle
    collector's reach (``gc.freeze``); a later build is collected as usual, and the collector is
    left as the caller had it, after a failed build too."""
    done = _run(COLLECTOR)
    assert done.returncode == 0, done.stderr
    built, paused, failed = done.stdout.splitlines()
    assert built == "True True True"  # enabled again, frozen after the first build, not again
    assert paused == "False"  # a caller's disabled collector stays disabled
    assert failed == "RuntimeError True"  # the bad setting refused, the collector enabled again
