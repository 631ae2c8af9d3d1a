"""Start-up imports no signing code: pyHanko (and the modules built on it) load on first use, so
``flask --help`` and the commands that do not sign start without them (portal/lazy.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIGNING = ("pyhanko", "pyhanko_certvalidator", "portal.operations.signing", "portal.operations.certificates",
           "signatures.pdf", "signatures.verify")

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
"""


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTAL_ENV": "development", "FLASK_APP": "portal"}
    return subprocess.run([sys.executable, *args, "-c", code] if code else [sys.executable, *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_creating_the_app_imports_no_signing_code():
    done = _run(PROBE % (SIGNING,))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_flask_help_imports_no_signing_code():
    code = ("import atexit, sys\n"
            f"atexit.register(lambda: print('LOADED:' + ','.join(m for m in {SIGNING!r} if m in sys.modules)))\n"
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
