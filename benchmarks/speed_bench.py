"""Speed where people wait (issue 20), every ratio in one table, baselines measured in the same run.

    .venv/bin/python benchmarks/speed_bench.py [--url postgresql://postgres@127.0.0.1:5432/bench_speed]
        [--dossiers 1000000] [--today YYYY-MM-DD] [--months N] [--seconds 8] [--workers 4] [--clients 8]
        [--repeat 7] [--skip-dashboard] [--skip-submission]

1. Data: creates the database if needed, migrates it, loads the catalogue and fills it to
   ``--dossiers`` with ``portal.demo.generate`` (the code of ``flask demo generate``: resumable, so an
   interrupted fill continues; a filled database is reused) received over ``--months`` months
   before ``--today``: by default from before 1 January of the previous year (12 + the month of
   ``--today``: 23 for a day in November), so that the previous year is a full past year of data.
   Re-runnable on the same database: the submission part registers citizens with fresh ID
   numbers and fresh idempotency keys.
2. Dashboard: the statistics page ``GET /thong-ke/?year=Y&group_by=agency`` (server time, Flask
   test client, signed in as an administrator: the whole province) for the current year against
   the previous year (a full past year) and against the 12 months ending yesterday (a custom
   period, ended, so no "due later than now" part); and ``period_table`` alone for both years.
3. Submission under gunicorn (``--workers``, ``--clients`` client threads for ``--seconds``): a bare
   Flask app receiving one 1 MB file (the baseline), the same bare app receiving the same
   multipart body as a submission (every required document, 1 MB each), the one-request
   submission ``POST /api/v1/dossiers/submit-with-files`` and the four-request path (draft, one
   upload per document, submit).

Goals printed next to the ratios: submission >= 30% of the bare endpoint's rate with the same
files; current-year dashboard <= 1.5x a past year's and < 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from http_load import free_port  # noqa: E402
from submission_bench import (  # noqa: E402
    BARE_APP,
    CODE_FORMAT_ENV,
    PDF_1MB,
    call,
    form_values,
    gunicorn,
    pdf_documents,
    procedure_form,
    run_clients,
    wait_until_up,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_speed"
PASSWORD = "BenchMark2026"


def ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def span_months(today: date) -> int:
    """Months of data that hold the whole previous calendar year: 23 for a day in November."""
    return 12 + today.month


def fill(app, dossiers: int, seed: int, today: date | None, months: int) -> int:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal.demo import dossier_count, generate
    from portal.extensions import db
    from portal.models import Dossier
    from portal.operations.catalogue import load_catalogue
    from workflow.calendar import VN_TZ

    with app.app_context():
        upgrade()
        load_catalogue()
        db.session.commit()
        have = dossier_count()
        if have < dossiers:
            print(f"generating {dossiers - have:,} dossiers (have {have:,}) ...", flush=True)
            started = time.perf_counter()
            generate(dossiers - have, seed=seed, today=today, months=months)
            print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
        # As autovacuum would soon after a bulk load on a normal server (this machine's runs with
        # autovacuum off): the visibility map makes the index-only scans index-only.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM (ANALYZE) dossiers, dossier_day_counts"))
        first = db.session.scalar(sa.select(sa.func.min(Dossier.received_at)))
        if first is not None and first.astimezone(VN_TZ).date() > date(date.today().year - 1, 1, 1):
            print(f"note: the data starts on {first.astimezone(VN_TZ):%Y-%m-%d}: the previous year is not a full "
                  "year of data (a database filled with a shorter span; use a fresh --url)", flush=True)
        return dossier_count()


def _backend_cpu(pids: set[int]) -> float | None:
    """CPU seconds (user + system) used so far by these PostgreSQL backends, from /proc (the
    server on this machine); None when it cannot be read (a remote server)."""
    total = 0
    try:
        for pid in pids:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    except (OSError, IndexError, ValueError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


def dashboard(app, repeat: int) -> list[tuple]:
    """Current year against the previous one: the page, and period_table alone. The cases run
    interleaved (one of each per round), so that the other jobs' load falls on each alike; each
    case's wall time is the median of its rounds, its CPU time (this process and its PostgreSQL
    backends, which does not grow with the machine's load) the mean."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import User
    from portal.operations import accounts
    from portal.statistics import periods
    from portal.statistics.queries import Scope, period_table

    pids: set[int] = set()
    with app.app_context():
        if db.session.scalar(sa.select(User).where(User.username == "bench_quantri")) is None:
            accounts.create_staff_user(username="bench_quantri", password=PASSWORD, role="admin", agency_code=None,
                                       full_name="Quản trị đo hiệu năng", min_password_length=8)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()

        @sa.event.listens_for(db.engine, "connect")
        def backend_pid(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT pg_backend_pid()")
            pids.add(cursor.fetchone()[0])
            cursor.close()
    client = app.test_client()
    client.post("/dang-nhap", data={"username": "bench_quantri", "password": PASSWORD})
    this_year = date.today().year
    # A fair past baseline besides the previous year: the 12 months ending yesterday (a custom
    # period: same page, but ended, so no "due later than now" part).
    yesterday = date.today() - timedelta(days=1)
    past_start = yesterday.replace(year=yesterday.year - 1) + timedelta(days=1)
    past_12 = f"kind=custom&start={past_start:%Y-%m-%d}&until={yesterday:%Y-%m-%d}"

    def page(query):
        def run():
            response = client.get(f"/thong-ke/?{query}&group_by=agency")
            assert response.status_code == 200, response.status_code
            assert b"flash-error" not in response.data, query  # a period the page accepted
        return run

    def table(year):
        def run():
            with app.app_context():
                period_table(periods.build("year", year, None, None, None), Scope(), "agency")
                db.session.rollback()
        return run

    cases = {this_year: page(f"year={this_year}"), this_year - 1: page(f"year={this_year - 1}"),
             "past_12": page(past_12), (this_year, "table"): table(this_year),
             (this_year - 1, "table"): table(this_year - 1)}
    walls: dict = {case: [] for case in cases}
    cpus = dict.fromkeys(cases, 0.0)
    for fn in cases.values():
        fn()  # warm-up
    for _ in range(repeat):
        for case, fn in cases.items():
            server, own, started = _backend_cpu(pids), time.process_time(), time.perf_counter()
            fn()
            walls[case].append((time.perf_counter() - started) * 1000)
            after = _backend_cpu(pids)
            cpus[case] = None if server is None or after is None or cpus[case] is None else \
                cpus[case] + (time.process_time() - own + after - server) * 1000 / repeat
    wall = {case: statistics.median(values) for case, values in walls.items()}
    this, last, past = wall[this_year], wall[this_year - 1], wall["past_12"]
    past_name = f"page {past_start:%d/%m/%y}-{yesterday:%d/%m/%y}"
    rows = [
        (f"dashboard page {this_year} (ms)", this, f"page {this_year - 1}", last, this / last,
         "<= 1.5x and < 300 ms", this / last <= 1.5 and this < 300),
        (f"dashboard page {this_year} (ms)", this, past_name, past, this / past, "<= 1.5x and < 300 ms",
         this / past <= 1.5 and this < 300),
    ]
    if cpus[this_year] is not None:
        cpu_this, cpu_last, cpu_past = cpus[this_year], cpus[this_year - 1], cpus["past_12"]
        rows += [
            (f"page {this_year}, CPU app + PostgreSQL (ms)", cpu_this, f"page {this_year - 1}", cpu_last,
             cpu_this / cpu_last, "<= 1.5x", cpu_this / cpu_last <= 1.5),
            (f"page {this_year}, CPU app + PostgreSQL (ms)", cpu_this, past_name, cpu_past, cpu_this / cpu_past,
             "<= 1.5x", cpu_this / cpu_past <= 1.5),
        ]
    rows.append((f"period_table {this_year} (ms)", wall[(this_year, "table")], f"period_table {this_year - 1}",
                 wall[(this_year - 1, "table")], wall[(this_year, "table")] / wall[(this_year - 1, "table")], "", None))
    return rows


def multipart_files(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """``fields`` and several files ``(part name, file name, content)`` as one multipart body."""
    boundary = "----bench" + secrets.token_hex(8)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    for name, filename, content in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def process_tree(root: int) -> list[int]:
    """``root`` and its children (a gunicorn master and its workers), from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == root:
            children.append(int(stat.parent.name))
    return [root, *children]


def database_backends(url: str) -> list[int]:
    """The PostgreSQL backends connected to the database of ``url`` (the portal's pool)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        rows = connection.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                  "AND pid <> pg_backend_pid()").fetchall()
    return [pid for (pid,) in rows]


def usage_of(pids: list[int]) -> dict[int, tuple[float, float, int]]:
    """CPU seconds (user + system), of which system, and minor page faults (memory touched for the
    first time) of each process still there (same machine, Linux /proc)."""
    found = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in set(pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = ((int(fields[11]) + int(fields[12])) / tick, int(fields[12]) / tick, int(fields[7]))
    return found


def submission(url: str, args) -> list[tuple]:
    work = Path(tempfile.mkdtemp(prefix="speed-bench-"))
    env = {**os.environ, "PORTAL_ENV": "development", "DATABASE_URL": url, "SECRET_KEY": "bench",
           "STORAGE_DIR": str(work / "files"), "FLASK_APP": "portal", "PYTHONPATH": str(ROOT), **CODE_FORMAT_ENV}
    (work / "bare_app.py").write_text(BARE_APP)
    portal_port, bare_port = free_port(), free_port()
    servers = [gunicorn("wsgi:app", portal_port, args.workers, env, ROOT),
               gunicorn("bare_app:app", bare_port, args.workers, {**env, "PYTHONPATH": str(work)}, work)]
    try:
        portal, bare = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{bare_port}"
        wait_until_up(portal + "/api/v1/procedures", 300)  # 4 workers importing the app on a busy machine
        wait_until_up(bare + "/", 300)
        procedure = call(f"{portal}/api/v1/procedures/{args.procedure}")
        required = [d["key"] for d in procedure["documents"] if d.get("required")]
        tokens = []
        for i in range(args.clients):  # fresh accounts and ID numbers: the run can be repeated
            user = {"username": f"bench{i}{secrets.token_hex(4)}", "password": PASSWORD, "full_name": "Người Đo Tải",
                    "id_number": f"0121{secrets.randbelow(10**8):08d}", "phone": "0912345678", "email": ""}
            call(f"{portal}/api/v1/auth/register", json.dumps(user).encode(), content_type="application/json")
            token = call(f"{portal}/api/v1/auth/token", json.dumps({"username": user["username"],
                         "password": user["password"]}).encode(), content_type="application/json")["token"]
            tokens.append({"Authorization": f"Bearer {token}"})
        data = form_values(procedure_form(portal, args.procedure))

        def documents() -> list[tuple[str, str, bytes]]:
            return pdf_documents(required)

        def one_request(i: int) -> None:
            body, ctype = multipart_files({"procedure": args.procedure, "data": json.dumps(data)}, documents())
            call(f"{portal}/api/v1/dossiers/submit-with-files", body,
                 {**tokens[i], "Idempotency-Key": secrets.token_hex(12)}, ctype)

        def four_requests(i: int) -> None:
            headers = {**tokens[i], "Idempotency-Key": secrets.token_hex(12)}
            draft = call(f"{portal}/api/v1/dossiers", json.dumps({"procedure": args.procedure, "data": data}).encode(),
                         headers, "application/json")
            for key, filename, content in documents():
                body, ctype = multipart_files({"document": key}, [("file", filename, content)])
                call(f"{portal}/api/v1/dossiers/{draft['id']}/attachments", body, tokens[i], ctype)
            call(f"{portal}/api/v1/dossiers/{draft['id']}/submit", b"{}", tokens[i], "application/json")

        def bare_one(_i: int) -> None:
            body, ctype = multipart_files({"document": "x"}, [("file", "x.pdf", PDF_1MB)])
            call(f"{bare}/upload", body, None, ctype)

        def bare_same(_i: int) -> None:  # the same body as one_request: every document, 1 MB each
            files = documents()
            body, ctype = multipart_files({"procedure": args.procedure, "data": json.dumps(data)},
                                          [("file", name, content) for _key, name, content in files])
            call(f"{bare}/upload", body, None, ctype)

        for fn in (one_request, four_requests, bare_one, bare_same):
            fn(0)  # warm up
        cases = (("bare_one", bare_one, servers[1]), ("bare_same", bare_same, servers[1]),
                 ("one_request", one_request, servers[0]), ("four_requests", four_requests, servers[0]))
        done = dict.fromkeys([name for name, *_ in cases], 0)
        elapsed = dict.fromkeys(done, 0.0)
        server_cpu = dict.fromkeys(done, 0.0)
        kernel = dict.fromkeys(done, 0.0)
        faults = dict.fromkeys(done, 0)
        # The cases take turns (--rounds slices each) so that a load from outside falls on all of them
        # alike; the servers' CPU (gunicorn workers, and for the portal its PostgreSQL backends) is
        # read from /proc around each slice.
        for _round in range(args.rounds):
            for name, fn, server in cases:
                pids = process_tree(server.pid) + (database_backends(url) if server is servers[0] else [])
                before = usage_of(pids)
                n, seconds = run_clients(args.clients, args.seconds / args.rounds, fn, strict=True)
                after = usage_of(pids + (database_backends(url) if server is servers[0] else []))
                for pid, (cpu, system, touched) in after.items():
                    cpu0, system0, touched0 = before.get(pid, (0.0, 0.0, 0))
                    server_cpu[name] += cpu - cpu0
                    kernel[name] += system - system0
                    faults[name] += touched - touched0
                done[name] += n
                elapsed[name] += seconds
        rates = {name: done[name] / elapsed[name] for name in done}
        cpu_ms = {name: server_cpu[name] / max(done[name], 1) * 1000 for name in done}
        print("server CPU per request (ms): " + ", ".join(f"{name} {cpu_ms[name]:.1f}" for name in done)
              + f"; submit-with-files / bare same body: {cpu_ms['one_request'] / cpu_ms['bare_same']:.2f}", flush=True)
        print("of which the kernel (ms), and page faults: " + ", ".join(
            f"{name} {kernel[name] / max(done[name], 1) * 1000:.1f} / {faults[name] / max(done[name], 1):.0f}"
            for name in done), flush=True)
        n_docs = len(required)
        return [
            (f"submit-with-files, {n_docs} x 1 MB (/s)", rates["one_request"], f"bare, same {n_docs} x 1 MB",
             rates["bare_same"], rates["one_request"] / rates["bare_same"], ">= 0.30",
             rates["one_request"] / rates["bare_same"] >= 0.30),
            ("server CPU per submission (ms)", cpu_ms["one_request"], "bare, same body (ms)", cpu_ms["bare_same"],
             cpu_ms["bare_same"] / cpu_ms["one_request"], "", None),
            ("submit-with-files (/s)", rates["one_request"], "bare, one 1 MB file", rates["bare_one"],
             rates["one_request"] / rates["bare_one"], "", None),
            (f"draft + {n_docs} uploads + submit (/s)", rates["four_requests"], f"bare, same {n_docs} x 1 MB",
             rates["bare_same"], rates["four_requests"] / rates["bare_same"], "", None),
            ("submit-with-files (/s)", rates["one_request"], f"draft + {n_docs} uploads + submit",
             rates["four_requests"], rates["one_request"] / rates["four_requests"], "", None),
        ]
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(work, ignore_errors=True)  # the uploads: gigabytes after a few runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", default=None, help="reference day of the demo data (default: today)")
    parser.add_argument("--months", type=int, default=None,
                        help="span of the demo data before --today (default: back to before 1 January of the "
                             "previous year)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=8, help="per case, over all rounds")
    parser.add_argument("--rounds", type=int, default=4, help="slices per case, taken in turns")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--procedure", default="LC-05")
    parser.add_argument("--skip-dashboard", action="store_true")
    parser.add_argument("--skip-submission", action="store_true")
    args = parser.parse_args()

    from portal import create_app
    from portal.config import normalize_database_url

    ensure_database(args.url)
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": normalize_database_url(args.url),
                      "SERVER_NAME": None, "WTF_CSRF_ENABLED": False, "STORAGE_DIR": tempfile.mkdtemp()})
    from workflow.calendar import VN_TZ

    today = date.fromisoformat(args.today) if args.today else datetime.now(VN_TZ).date()
    total = fill(app, args.dossiers, args.seed, today, args.months or span_months(today))
    load = os.getloadavg()[0]
    rows = [] if args.skip_dashboard else dashboard(app, args.repeat)
    if not args.skip_submission:
        rows += submission(args.url, args)
    print(f"\n{total:,} dossiers; load average at start {load:.1f} on {os.cpu_count()} CPUs; "
          f"gunicorn {args.workers} workers, {args.clients} clients, {args.seconds:.0f} s per case\n")
    print(f"{'measured':<42}{'value':>9}  {'baseline':<32}{'value':>9}{'ratio':>8}  goal")
    missed = 0
    for what, value, base_name, base, ratio, goal, ok in rows:
        mark = "" if ok is None else ("  met" if ok else "  missed")
        missed += ok is False
        print(f"{what:<42}{value:>9.1f}  {base_name:<32}{base:>9.1f}{ratio:>8.2f}  {goal}{mark}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
