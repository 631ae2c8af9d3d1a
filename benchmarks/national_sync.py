"""Benchmark (not a test): messages per second delivered by ``flask national sync`` to the
national-portal simulator, against a bare HTTP POST loop to the same simulator in the same run.

    .venv/bin/python benchmarks/national_sync.py                         # SQLite in a temp dir
    .venv/bin/python benchmarks/national_sync.py --url postgresql://postgres@127.0.0.1:5432/bench_national

The simulator runs as its own process (``python -m simulators.national_portal``). The outbox is
filled with ``--dossiers`` dossiers of ``--per-dossier`` messages each (so every batch claims at
most one message per dossier, in ``seq`` order, as in production). ``flask national sync`` runs
in-process (the command's own work: claim with the per-dossier order rule, sign, POST, record,
commit per batch); the bare loop signs and POSTs the same bodies over one HTTP session and
records nothing. Both are sequential. Prints both rates and their ratio.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from benchmarks.http_load import free_port  # noqa: E402
from signatures.webhook import signed_headers  # noqa: E402

SECRET = "bench-national-secret"


def start_simulator() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "simulators.national_portal", "--port", str(port),
                                "--secret", SECRET], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(f"{url}/_sim/health", timeout=1).ok:
                return process, url
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the simulator did not start")


def fill_outbox(dossiers: int, per_dossier: int) -> list[dict]:
    """Dossiers of a national procedure and their pending messages; the payloads written."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Procedure, User
    from portal.models.filing import OutboxChannel, OutboxMessage
    from portal.operations import dossiers as dossier_ops

    procedure = db.session.scalar(select(Procedure).where(Procedure.level >= 3, Procedure.is_published)
                                  .order_by(Procedure.id).limit(1))
    citizen = User(username="bench-citizen", full_name="Lò Văn Bench", id_number="012190099999", role="citizen",
                   password_hash="!")
    db.session.add(citizen)
    db.session.flush()
    payloads = []
    for n in range(dossiers):
        dossier = dossier_ops.create_draft(citizen, procedure, {})
        dossier.national_code = f"G22.BENCH-{n:06d}"
        for seq in range(1, per_dossier + 1):
            event_id = str(uuid.uuid4())
            payload = {"type": "dossier_event", "event_id": event_id, "seq": seq, "national_code": dossier.national_code,
                       "dossier": dossier.national_code, "code": None, "action": "forward", "status": "in_process",
                       "status_code": 4, "at": "2026-11-30T09:00:00+07:00", "agency": "000.00.31.H33",
                       "due_at": "2026-12-14T17:00:00+07:00", "step": "chuyen_vien", "comment": None}
            db.session.add(OutboxMessage(channel=OutboxChannel.NATIONAL.value, event_id=event_id,
                                         dossier_id=dossier.id, seq=seq, payload=payload))
            payloads.append(payload)
    db.session.commit()
    return payloads


def bare_loop(url: str, payloads: list[dict]) -> float:
    http = requests.Session()
    start = time.perf_counter()
    for payload in payloads:
        body = json.dumps({**payload, "event_id": str(uuid.uuid4())}, ensure_ascii=False, sort_keys=True).encode()
        answer = http.post(f"{url}/dossiers/{payload['dossier']}/events", data=body,
                           headers=signed_headers(SECRET, body), timeout=10)
        answer.raise_for_status()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="database URL (default: a new SQLite file)")
    parser.add_argument("--dossiers", type=int, default=100)
    parser.add_argument("--per-dossier", type=int, default=10)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import normalize_database_url
    from portal.extensions import db
    from portal.operations.catalogue import load_catalogue

    workdir = Path(tempfile.mkdtemp(prefix="national-bench-"))
    url = args.url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    process, sim_url = start_simulator()
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": normalize_database_url(url),
                      "STORAGE_DIR": str(workdir / "files"), "NATIONAL_PORTAL_URL": sim_url,
                      "NATIONAL_PORTAL_SECRET": SECRET})
    try:
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as connection:
                    connection.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade()
            load_catalogue()
            db.session.commit()
            payloads = fill_outbox(args.dossiers, args.per_dossier)
        total = len(payloads)
        runner = app.test_cli_runner()
        with app.app_context():  # as the flask command line pushes one
            start = time.perf_counter()
            result = runner.invoke(args=["national", "sync", "--no-daily", "--batch", str(args.batch)])
            sync_seconds = time.perf_counter() - start
        if result.exit_code != 0:
            raise SystemExit(f"sync failed: {result.output} {result.exception!r}")
        bare_seconds = bare_loop(sim_url, payloads)
        stats = requests.get(f"{sim_url}/_sim/stats", timeout=10).json()
        assert stats["distinct"] == 2 * total and stats["received"] == 2 * total, stats
        sync_rate, bare_rate = total / sync_seconds, total / bare_seconds
        print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('://')[0]}; {total} messages "
              f"({args.dossiers} dossiers x {args.per_dossier}, batch {args.batch})")
        print(f"flask national sync: {sync_seconds:.2f} s, {sync_rate:.0f} messages/s")
        print(f"bare POST loop:      {bare_seconds:.2f} s, {bare_rate:.0f} messages/s")
        print(f"ratio sync / bare:   {sync_rate / bare_rate:.2f}")
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
