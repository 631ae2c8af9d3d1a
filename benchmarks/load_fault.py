"""Mixed load with injected faults against a production-mode portal, then integrity checks.

On its own: creates a fresh PostgreSQL database (``--database``, dropped first if it exists) and a
temporary STORAGE_DIR, migrates, loads the catalogue, creates the demo accounts (setup commands run
with PORTAL_ENV=development because ``flask demo accounts`` refuses production) and registers a
few citizens; then serves the portal with gunicorn in PORTAL_ENV=production (SECRET_KEY set,
PAYMENT_PROVIDER empty) on a free port of 127.0.0.1 and, for ``--seconds``:

- citizens: POST /api/v1/dossiers (Idempotency-Key), one small real PDF per required document,
  POST /submit; every 2xx submit is an acknowledged submission;
- officers: GET /api/v1/office/dossiers?status=submitted and accept (version + checklist);
- anonymous: the catalogue and the public lookup of acknowledged codes;
- faults: every ``--kill-every`` seconds SIGKILL one gunicorn worker (the master respawns it), every
  ``--terminate-every`` seconds pg_terminate_backend() on every connection to the database.

A failed request (5xx or a broken connection) is retried with the same Idempotency-Key (at most
``--retries`` times; retries are counted). Afterwards: every acknowledged submission exists, is at
least submitted and has its files (rows and blobs on disk); ``flask audit verify`` and ``flask stats
verify`` pass. Exit 1 if a 5xx or a broken connection happened outside the ~5 s after a fault, or
if an integrity check fails.

Run:  .venv/bin/python benchmarks/load_fault.py [--seconds 600] [--database load_fault]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
from http_load import free_port, multipart, one_page_pdf  # noqa: E402  (benchmarks/, run as a script)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the virtualenv of the interpreter running this script
PG = "postgresql://postgres@127.0.0.1:5432"
FAULT_WINDOW = 5.0
DEMO_PASSWORD = "LaiChau2026"
SEARCH = urllib.parse.quote("đăng ký")


def real_pdf(text: bytes) -> bytes:
    """A small one-page PDF, unique per call."""
    return one_page_pdf(b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET")


class Stats:
    """Every request's completion time, latency and outcome (status, or 0 for a broken connection)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records: list[tuple[float, float, int, str]] = []  # (completed at, seconds, status, what)
        self.faults: list[tuple[float, str]] = []
        self.retries = 0
        self.acknowledged: dict[int, str] = {}  # dossier id -> code
        self.accepted = 0
        self.conflicts = 0

    def add(self, started: float, status: int, what: str) -> None:
        now = time.time()
        with self.lock:
            self.records.append((now, now - started, status, what))


STATS = Stats()


class Failed(Exception):
    """A 5xx or a broken connection: the request may be retried."""


def call(url: str, what: str, data: bytes | None = None, headers: dict | None = None,
         content_type: str | None = None) -> tuple[int, dict]:
    """One request; returns (status, JSON body) for 2xx-4xx, raises Failed for 5xx or a broken connection."""
    request = urllib.request.Request(url, data=data, headers=dict(headers or {}), method="POST" if data is not None else "GET")
    if content_type:
        request.add_header("Content-Type", content_type)
    started = time.time()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
            STATS.add(started, response.status, what)
            return response.status, json.loads(body or b"{}")
    except urllib.error.HTTPError as error:
        STATS.add(started, error.code, what)
        if error.code >= 500:
            raise Failed(f"{what}: {error.code}") from None
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}
    except (OSError, http.client.HTTPException) as error:
        STATS.add(started, 0, what)
        raise Failed(f"{what}: {error!r}") from None


def with_retries(retries: int, fn):
    for attempt in range(retries + 1):
        try:
            return fn()
        except Failed:
            if attempt == retries:
                raise
            with STATS.lock:
                STATS.retries += 1
            time.sleep(0.5 + attempt)
    raise AssertionError("unreachable")


def flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT, capture_output=True, text=True)


def fresh_database(name: str) -> str:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


def form_data(procedure: dict) -> dict:
    """Values for the procedure's e-form, from its published JSON Schema."""
    data = {}
    for name, prop in procedure["form"]["properties"].items():
        if "enum" in prop:
            data[name] = prop["enum"][0]
        elif prop.get("type") == "integer":
            data[name] = 1
        elif prop.get("format") == "date":
            data[name] = "2026-12-01"
        elif prop.get("format") == "email":
            data[name] = "a@example.vn"
        elif prop.get("pattern", "").startswith("^(\\+84"):
            data[name] = "0912345678"
        elif prop.get("pattern") == "^\\d{12}$":
            data[name] = "012190000001"
        else:
            data[name] = "Bản Hon"
    return data


def worker_pids(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--citizens", type=int, default=6)
    parser.add_argument("--officers", type=int, default=2)
    parser.add_argument("--anonymous", type=int, default=2)
    parser.add_argument("--kill-every", type=float, default=45)
    parser.add_argument("--terminate-every", type=float, default=60)
    parser.add_argument("--retries", type=int, default=5)
    parser.add_argument("--database", default="load_fault")
    parser.add_argument("--server-log", default=str(Path(tempfile.gettempdir()) / "load_fault_gunicorn.log"),
                        help="gunicorn's error log (the tracebacks of the 5xx)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="load-fault-"))
    db_url = fresh_database(args.database)
    storage = work / "files"
    base_env = {**os.environ, "DATABASE_URL": db_url, "STORAGE_DIR": str(storage), "FLASK_APP": "portal",
                "PYTHONPATH": str(ROOT), "SECRET_KEY": secrets.token_urlsafe(32)}
    setup_env = {**base_env, "PORTAL_ENV": "development"}
    prod_env = {**base_env, "PORTAL_ENV": "production", "PAYMENT_PROVIDER": ""}
    for command in (["db", "upgrade"], ["catalogue", "load"], ["demo", "accounts"]):
        result = flask(setup_env, *command)
        if result.returncode:
            sys.exit(f"flask {' '.join(command)} failed:\n{result.stdout}{result.stderr}")
    agency = result.stdout.split("cơ quan ")[1].split(")")[0].strip()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "--timeout", "60", "--error-logfile", args.server_log, "wsgi:app"],
                              cwd=ROOT, env=prod_env)
    try:
        return run(args, base, server, agency, db_url, storage, prod_env)
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def up(base: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/api/v1/procedures?per_page=1", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the portal did not come up")


def token(base: str, username: str, password: str) -> dict:
    status, body = call(f"{base}/api/v1/auth/token", "token", json.dumps({"username": username, "password": password}).encode(),
                        content_type="application/json")
    if status != 200:
        raise RuntimeError(f"no token for {username}: {status} {body}")
    return {"Authorization": f"Bearer {body['token']}"}


def run(args, base: str, server: subprocess.Popen, agency: str, db_url: str, storage: Path, env: dict) -> int:
    up(base)
    _, listing = call(f"{base}/api/v1/procedures?agency={agency}&level=4", "setup")
    if not listing["items"]:
        _, listing = call(f"{base}/api/v1/procedures?agency={agency}&level=3", "setup")
    code = listing["items"][0]["code"]
    _, procedure = call(f"{base}/api/v1/procedures/{code}", "setup")
    required = [d["key"] for d in procedure["documents"] if d.get("required")]
    data = form_data(procedure)

    citizens = []
    for i in range(args.citizens):
        user = {"username": f"congdan{i:02d}", "password": "TaiThu-LaiChau-2026", "full_name": "Người Thử Tải",
                "id_number": f"0121910{i:05d}", "phone": "0912345678", "email": ""}
        call(f"{base}/api/v1/auth/register", "setup", json.dumps(user).encode(), content_type="application/json")
        citizens.append(token(base, user["username"], user["password"]))
    officers = [token(base, "motcua", DEMO_PASSWORD) for _ in range(args.officers)]
    STATS.records.clear()
    print(f"procedure {code} of {agency}, required documents: {', '.join(required) or '-'}; "
          f"{args.citizens} citizens, {args.officers} officers, {args.anonymous} anonymous, "
          f"{args.workers} gunicorn workers, {args.seconds:.0f} s", flush=True)

    stop_at = time.time() + args.seconds
    errors: list[str] = []

    def citizen(i: int) -> None:
        auth = citizens[i]
        while time.time() < stop_at:
            try:
                key = secrets.token_hex(12)
                body = json.dumps({"procedure": code, "data": data}).encode()
                status, draft = with_retries(args.retries, lambda b=body, k=key: call(
                    f"{base}/api/v1/dossiers", "create", b, {**auth, "Idempotency-Key": k}, "application/json"))
                if status not in (200, 201):
                    errors.append(f"create {status} {draft}")
                    time.sleep(1)
                    continue
                for doc in required:
                    upload, ctype = multipart({"document": doc}, f"{doc}.pdf", real_pdf(secrets.token_hex(16).encode()))
                    status, _ = with_retries(args.retries, lambda u=upload, c=ctype, d=draft["id"]: call(
                        f"{base}/api/v1/dossiers/{d}/attachments", "attach", u, auth, c))
                    if status >= 300:
                        errors.append(f"attach {status}")
                status, submitted = with_retries(args.retries, lambda d=draft["id"]: call(
                    f"{base}/api/v1/dossiers/{d}/submit", "submit", b"{}", auth, "application/json"))
                if 200 <= status < 300:
                    with STATS.lock:
                        STATS.acknowledged[draft["id"]] = submitted.get("code") or ""
                else:
                    errors.append(f"submit {status} {submitted}")
            except Failed as error:
                errors.append(f"gave up: {error}")

    def officer(i: int) -> None:
        auth = officers[i]
        while time.time() < stop_at:
            try:
                _, queue = with_retries(args.retries, lambda: call(
                    f"{base}/api/v1/office/dossiers?status=submitted&per_page=25", "queue", None, auth))
                items = [d for d in queue.get("items", []) if d["status"] == "submitted"]
                random.shuffle(items)
                for item in items[:5]:
                    body = json.dumps({"version": item["version"], "checked": required}).encode()
                    key = secrets.token_hex(12)
                    status, _ = with_retries(args.retries, lambda b=body, k=key, d=item["id"]: call(
                        f"{base}/api/v1/dossiers/{d}/actions/accept", "accept", b,
                        {**auth, "Idempotency-Key": k}, "application/json"))
                    with STATS.lock:
                        if status == 200:
                            STATS.accepted += 1
                        elif status == 409:
                            STATS.conflicts += 1
                        else:
                            errors.append(f"accept {status}")
                if not items:
                    time.sleep(0.5)
            except Failed as error:
                errors.append(f"gave up: {error}")

    def anonymous(_i: int) -> None:
        while time.time() < stop_at:
            try:
                with_retries(args.retries, lambda: call(f"{base}/api/v1/procedures?q={SEARCH}", "catalogue"))
                with_retries(args.retries, lambda: call(f"{base}/api/v1/procedures/{code}", "catalogue"))
                with STATS.lock:
                    codes = [c for c in STATS.acknowledged.values() if c]
                looked = random.choice(codes) if codes else "000000-0000"
                with_retries(args.retries, lambda c=looked: call(f"{base}/api/v1/lookup/{c}", "lookup"))
            except Failed as error:
                errors.append(f"gave up: {error}")

    def faults() -> None:
        next_kill, next_term = time.time() + args.kill_every, time.time() + args.terminate_every
        while time.time() < stop_at - 2:
            now = time.time()
            if now >= next_kill:
                pids = worker_pids(server.pid)
                if pids:
                    victim = random.choice(pids)
                    os.kill(victim, signal.SIGKILL)
                    STATS.faults.append((time.time(), f"SIGKILL worker {victim}"))
                next_kill += args.kill_every
            if now >= next_term:
                with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                    killed = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                          "WHERE datname = %s AND pid <> pg_backend_pid()", (args.database,)).fetchone()[0]
                STATS.faults.append((time.time(), f"terminated {killed} database connections"))
                next_term += args.terminate_every
            time.sleep(0.2)

    started = time.time()
    threads = ([threading.Thread(target=citizen, args=(i,)) for i in range(args.citizens)]
               + [threading.Thread(target=officer, args=(i,)) for i in range(args.officers)]
               + [threading.Thread(target=anonymous, args=(i,)) for i in range(args.anonymous)]
               + [threading.Thread(target=faults)])
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1, stop_at - time.time()) + 300)
    elapsed = time.time() - started
    server.terminate()
    server.wait(timeout=30)
    return report(args, elapsed, errors, db_url, storage, env, required)


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0.0


def report(args, elapsed: float, errors: list[str], db_url: str, storage: Path, env: dict, required: list[str]) -> int:
    records = STATS.records
    latencies = sorted(r[1] for r in records)
    fault_times = [t for t, _ in STATS.faults]

    def near_fault(at: float) -> bool:
        return any(0 <= at - t <= FAULT_WINDOW for t in fault_times)

    bad = [r for r in records if r[2] == 0 or r[2] >= 500]
    in_window = [r for r in bad if near_fault(r[0])]
    outside = [r for r in bad if not near_fault(r[0])]
    print(f"\nrequests: {len(records)} in {elapsed:.0f} s = {len(records) / elapsed:.1f}/s")
    print(f"latency ms: p50 {percentile(latencies, 50) * 1000:.1f}, p95 {percentile(latencies, 95) * 1000:.1f}, "
          f"p99 {percentile(latencies, 99) * 1000:.1f}")
    by_kind: dict[str, list[float]] = {}
    for r in records:
        by_kind.setdefault(r[3], []).append(r[1])
    for kind, values in sorted(by_kind.items()):
        values.sort()
        print(f"  {kind:<10}{len(values):>8}  p50 {percentile(values, 50) * 1000:7.1f}  p95 {percentile(values, 95) * 1000:7.1f}"
              f"  p99 {percentile(values, 99) * 1000:7.1f}")
    print(f"faults injected: {len(STATS.faults)} ({sum('SIGKILL' in f for _, f in STATS.faults)} worker kills, "
          f"{sum('terminated' in f for _, f in STATS.faults)} connection terminations)")
    print(f"5xx: {sum(1 for r in bad if r[2])}, broken connections: {sum(1 for r in bad if not r[2])}; "
          f"within {FAULT_WINDOW:.0f} s of a fault: {len(in_window)}, outside: {len(outside)}")
    for r in outside[:10]:
        print(f"  outside a fault window: {r[3]} status {r[2] or 'connection'}")
    print(f"retries: {STATS.retries}; acknowledged submissions: {len(STATS.acknowledged)}; accepted: {STATS.accepted}; "
          f"accept conflicts (409): {STATS.conflicts}; client errors/give-ups: {len(errors)}")
    for e in errors[:10]:
        print(f"  {e}")

    problems = integrity(db_url, storage, required)
    for command in (["audit", "verify"], ["stats", "verify"]):
        result = flask(env, *command)
        ok = result.returncode == 0
        print(f"flask {' '.join(command)}: {'ok' if ok else 'FAILED'}")
        if not ok:
            problems.append(f"flask {' '.join(command)}: {(result.stdout + result.stderr)[-2000:]}")
    print(f"integrity: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    for p in problems[:20]:
        print(f"  {p}")
    return 1 if outside or problems else 0


def integrity(db_url: str, storage: Path, required: list[str]) -> list[str]:
    problems = []
    ids = list(STATS.acknowledged)
    with psycopg.connect(db_url) as conn:
        statuses = dict(conn.execute("SELECT id, status FROM dossiers WHERE id = ANY(%s)", (ids,)).fetchall())
        files: dict[int, list[tuple[str, str]]] = {}
        for dossier_id, key, sha in conn.execute(
                "SELECT dossier_id, document_key, blob_sha256 FROM dossier_files WHERE dossier_id = ANY(%s) "
                "AND superseded_at IS NULL", (ids,)):
            files.setdefault(dossier_id, []).append((key, sha))
    for dossier_id in ids:
        status = statuses.get(dossier_id)
        if status is None:
            problems.append(f"dossier {dossier_id}: acknowledged but missing")
            continue
        if status == "draft":
            problems.append(f"dossier {dossier_id}: acknowledged but still a draft")
        keys = {k for k, _ in files.get(dossier_id, [])}
        if not set(required) <= keys:
            problems.append(f"dossier {dossier_id}: missing files {sorted(set(required) - keys)}")
        for _key, sha in files.get(dossier_id, []):
            if not (storage / sha[:2] / sha[2:4] / sha).is_file():
                problems.append(f"dossier {dossier_id}: blob {sha} missing on disk")
    print(f"acknowledged submissions checked: {len(ids)} (rows, status, files, blobs)")
    return problems


if __name__ == "__main__":
    sys.exit(main())
