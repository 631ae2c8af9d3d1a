"""CPU time and database round trips of one-request submissions, in-process (issue 20).

    .venv/bin/python benchmarks/submission_profile.py [--url postgresql://postgres@127.0.0.1:5432/bench_speed]
        [--count 200] [--procedure LC-05] [--profile 30]

Sends ``--count`` ``POST /api/v1/dossiers/submit-with-files`` (one 1 MB PDF per required
document, the same file as ``speed_bench.py``) through the Flask test client, one after another,
against the database of ``--url`` (migrated and its catalogue loaded first; re-runnable: a fresh
citizen and fresh idempotency keys each run). The multipart bodies are built before the clock
starts. Prints per submission: the application's CPU time, the CPU time of its PostgreSQL
backend (read from /proc, same machine), the application's kernel time and page faults, wall time, SQL statements and round trips (every wait
of the driver for the server: statements, BEGIN, COMMIT, the pool's ping). Unlike the
HTTP benchmarks, this measures work rather than rate, so it holds on a machine shared with
other jobs. ``--profile N`` prints the N costliest functions (cProfile, cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from speed_bench import DEFAULT_URL, PASSWORD, ensure_database, multipart_files  # noqa: E402
from submission_bench import CODE_FORMAT_ENV, form_fields, form_values, pdf_documents  # noqa: E402


def _backend_cpu(pid: int) -> float:
    """User + system CPU seconds of the process ``pid`` (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--procedure", default="LC-05")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument("--storage", default=None, help="STORAGE_DIR (default: a fresh temporary directory)")
    parser.add_argument("--statements", action="store_true", help="print the SQL statements of one submission")
    parser.add_argument("--sort", default="cumulative", help="cProfile order (cumulative, tottime)")
    parser.add_argument("--dump", default=None, help="with --profile: also write the cProfile statistics to this file")
    parser.add_argument("--width", type=int, default=160, help="with --statements: characters of each statement")
    args = parser.parse_args()

    from portal import create_app
    from portal.config import normalize_database_url

    ensure_database(args.url)
    storage = args.storage or tempfile.mkdtemp(prefix="submission-profile-")
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": normalize_database_url(args.url),
                      "SERVER_NAME": None, "WTF_CSRF_ENABLED": False, **CODE_FORMAT_ENV,
                      "STORAGE_DIR": storage})
    try:
        return _run(app, args)
    finally:
        if not args.storage:
            shutil.rmtree(storage, ignore_errors=True)  # the uploads: about 2 MB per submission


def _run(app, args) -> int:
    import psycopg
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal.extensions import db
    from portal.operations.catalogue import load_catalogue

    with app.app_context():
        upgrade()
        load_catalogue()
        db.session.commit()
    client = app.test_client()
    procedure = client.get(f"/api/v1/procedures/{args.procedure}").get_json()
    required = [d["key"] for d in procedure["documents"] if d.get("required")]
    data = form_values(form_fields(procedure["form"]))
    user = {"username": f"prof{secrets.token_hex(4)}", "password": PASSWORD, "full_name": "Người Đo Tải",
            "id_number": f"0121{secrets.randbelow(10**8):08d}", "phone": "0912345678", "email": ""}
    assert client.post("/api/v1/auth/register", json=user).status_code == 202
    token = client.post("/api/v1/auth/token", json={"username": user["username"], "password": PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    bodies = [multipart_files({"procedure": args.procedure, "data": json.dumps(data)}, pdf_documents(required))
              for _ in range(args.count + 1)]

    waits = [0]
    original_wait = psycopg.Connection.wait

    def counted_wait(self, *a, **k):
        waits[0] += 1
        return original_wait(self, *a, **k)

    statements = [0]

    def send(body: bytes, ctype: str) -> None:
        response = client.post("/api/v1/dossiers/submit-with-files", data=body, content_type=ctype,
                               headers={**headers, "Idempotency-Key": secrets.token_hex(12)})
        assert response.status_code == 201, response.get_data(as_text=True)[:500]

    send(*bodies[0])  # warm-up: imports, the lifecycle machine, the connection
    if args.statements:
        seen = []
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", lambda _c, _cu, statement, *_a: seen.append(statement))
        send(*multipart_files({"procedure": args.procedure, "data": json.dumps(data)}, pdf_documents(required)))
        for statement in seen:
            print(" ".join(statement.split())[:args.width])
        return 0
    with app.app_context():
        backend = db.session.scalar(sa.text("SELECT pg_backend_pid()")) if args.url.startswith("postgres") else None
        sa.event.listen(db.engine, "before_cursor_execute", lambda *_a: statements.__setitem__(0, statements[0] + 1))
        db.session.commit()
    psycopg.Connection.wait = counted_wait
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
    pg_before = _backend_cpu(backend) if backend else 0.0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    for body in bodies[1:]:
        send(*body)
    if profiler:
        profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF)
    pg_cpu = (_backend_cpu(backend) - pg_before) if backend else 0.0
    psycopg.Connection.wait = original_wait
    n = args.count
    print(f"{n} submissions ({len(required)} x 1 MB PDF), {args.url.split('://')[0]}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"application CPU {cpu / n * 1000:.2f} ms, PostgreSQL backend CPU {pg_cpu / n * 1000:.2f} ms, "
          f"wall {wall / n * 1000:.2f} ms per submission")
    print(f"of which the kernel {(after.ru_stime - usage.ru_stime) / n * 1000:.2f} ms; "
          f"{(after.ru_minflt - usage.ru_minflt) / n:.0f} page faults (memory touched for the first time)")
    print(f"SQL statements {statements[0] / n:.1f}, round trips {waits[0] / n:.1f} per submission")
    if profiler:
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        stats.print_stats(args.profile)
        if args.dump:
            profiler.dump_stats(args.dump)
        if os.environ.get("PROFILE_CALLERS"):
            stats.print_callers(os.environ["PROFILE_CALLERS"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
