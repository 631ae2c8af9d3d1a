"""Start-up of the ``flask`` command (issue 20): the portal against a bare Flask app, same run.

    .venv/bin/python benchmarks/startup_bench.py [--runs 15] [--command 'stats --help']

Runs ``flask <command>`` (default ``--help``, which creates the app and lists every command group)
``--runs`` times for the portal (``FLASK_APP=portal``, ``PORTAL_ENV=development``) and for a bare
Flask app with one route written to a temporary directory, alternating the two so that both see
the same machine load, after one warm-up run each. Prints the median wall time and the median CPU
time (user + system, from the children's resource usage) of each, their difference and ratio.

Python writes bytecode caches as it would in a deployment: ``PYTHONDONTWRITEBYTECODE`` is removed
from the children's environment, so the warm-up run leaves ``__pycache__`` behind. (With that
variable set and no cache yet, as in a fresh clone on this machine, every start compiles the
portal's sources again: about half a second more, which is not start-up proper.)

Goal printed next to the figures: the portal's ``flask --help`` well under a second more than the
bare app's (portal/lazy.py; tests/unit/test_lazy_imports.py keeps the deferred libraries out of
start-up).
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLASK = Path(sys.executable).with_name("flask")
BARE_APP = '''from flask import Flask

app = Flask(__name__)


@app.get("/")
def index():
    return "ok"
'''


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one ``flask`` run; fails loudly if the command fails."""
    cpu, start = children_cpu(), time.perf_counter()
    done = subprocess.run([str(FLASK), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed in {cwd}:\n{done.stderr}")
    return wall, children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--command", default="--help", help="flask arguments, quoted (default: --help)")
    options = parser.parse_args()
    options.command = shlex.split(options.command)

    base = {key: value for key, value in os.environ.items()
            if key not in ("FLASK_APP", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
    with tempfile.TemporaryDirectory(prefix="bare_flask_") as bare_dir:
        bare = Path(bare_dir)
        (bare / "bareapp.py").write_text(BARE_APP, encoding="utf-8")
        targets = {
            "portal": ({**base, "FLASK_APP": "portal", "PORTAL_ENV": "development", "PYTHONPATH": str(ROOT)}, ROOT),
            "bare Flask": ({**base, "FLASK_APP": "bareapp", "PYTHONPATH": str(bare)}, bare),
        }
        # The portal's command groups and the bare app are alike only for commands both have.
        bare_args = options.command if options.command[-1] == "--help" and len(options.command) == 1 else ["--help"]
        arguments = {"portal": options.command, "bare Flask": bare_args}
        for name, (env, cwd) in targets.items():  # warm-up: disk cache and bytecode caches
            run_once(arguments[name], env, cwd)
        walls: dict[str, list[float]] = {name: [] for name in targets}
        cpus: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(options.runs):
            for name, (env, cwd) in targets.items():
                wall, cpu = run_once(arguments[name], env, cwd)
                walls[name].append(wall)
                cpus[name].append(cpu)

    wall = {name: statistics.median(values) for name, values in walls.items()}
    cpu = {name: statistics.median(values) for name, values in cpus.items()}
    print(f"flask {' '.join(options.command)} (bare app: flask {' '.join(arguments['bare Flask'])}), "
          f"median of {options.runs} runs each, alternating")
    print(f"{'':12} {'wall s':>8} {'CPU s':>8}")
    for name in targets:
        print(f"{name:12} {wall[name]:8.3f} {cpu[name]:8.3f}")
    print(f"{'difference':12} {wall['portal'] - wall['bare Flask']:8.3f} {cpu['portal'] - cpu['bare Flask']:8.3f}")
    print(f"{'ratio':12} {wall['portal'] / wall['bare Flask']:8.2f} {cpu['portal'] / cpu['bare Flask']:8.2f}")
    difference = wall["portal"] - wall["bare Flask"]
    print(f"goal: well under 1 s more than the bare app -> {'met' if difference < 1.0 else 'NOT met'} "
          f"({difference:.2f} s)")


if __name__ == "__main__":
    main()
