"""Online submissions per second under gunicorn, against a bare Flask endpoint in the same run.

One submission = POST /api/v1/dossiers (Idempotency-Key) + one 1 MB PDF attachment per required
document + POST /submit, through the JSON API of a real portal served by gunicorn (SQLite by
default, or BENCH_DATABASE_URL, e.g. postgresql://postgres@127.0.0.1:5432/bench_filing).
The baseline is a bare Flask app under the same gunicorn settings that receives the same 1 MB
multipart upload and answers 201. "ratio" = bare requests per second / submissions per second:
how many bare 1 MB uploads one complete submission costs.

Run:  .venv/bin/python benchmarks/submission_bench.py [--seconds 10] [--workers 4] [--clients 8]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from pathlib import Path

from http_load import free_port, multipart, scanned_page_pdf, unique_copy  # noqa: E402  (benchmarks/, run as a script)

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # gunicorn and flask of the interpreter running the benchmark

#: A scanned A4 page of exactly 1 MiB: one JPEG image, the file identifier in the trailer. Each
#: upload gets its own identifier (``unique_copy``): a distinct file that is still a well-formed
#: PDF (random bytes appended after ``%%EOF`` made pypdf warn of a truncated or duplicated marker).
PDF_1MB = scanned_page_pdf(1024 * 1024)


def pdf_documents(keys: list[str]) -> list[tuple[str, str, bytes]]:
    """One fresh 1 MiB PDF per document key: ``(key, file name, bytes)``."""
    return [(key, f"{key}.pdf", unique_copy(PDF_1MB)) for key in keys]


def form_fields(schema: dict) -> list[dict]:
    """The e-form fields (names and types) from a procedure's published JSON Schema."""
    fields = []
    for name, prop in schema["properties"].items():
        kind = {"date": "date", "email": "email"}.get(prop.get("format"), "string")
        if "enum" in prop:
            kind = "select"
        elif prop.get("type") == "integer":
            kind = "integer"
        elif prop.get("pattern", "").startswith("^(\\+84"):
            kind = "phone"
        elif prop.get("pattern") == "^\\d{12}$":
            kind = "id_number"
        fields.append({"name": name, "type": kind, "options": [{"value": v} for v in prop.get("enum", [])]})
    return fields


def form_values(fields: list[dict]) -> dict:
    """A valid value for every field."""
    return {s["name"]: {"select": (s.get("options") or [{"value": ""}])[0]["value"], "date": "2026-12-01",
                        "integer": 1, "money": 1000, "phone": "0912345678", "id_number": "012190000001",
                        "email": "a@example.vn"}.get(s["type"], "Bản Hon") for s in fields}
BARE_APP = textwrap.dedent("""
    from flask import Flask, request, jsonify
    app = Flask(__name__)

    @app.post("/upload")
    def upload():
        data = request.files["file"].read()
        return jsonify({"size": len(data)}), 201
""")


def call(url: str, data: bytes | None = None, headers: dict | None = None, content_type: str | None = None) -> dict:
    request = urllib.request.Request(url, data=data, headers=dict(headers or {}), method="POST" if data is not None else "GET")
    if content_type:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def gunicorn(app: str, port: int, workers: int, env: dict, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                             "--log-level", "warning", app], cwd=cwd, env=env)


FAILURES = [0]


class RequestFailed(RuntimeError):
    """A request of a strict run answered with an error: the rates would be meaningless."""


def run_clients(clients: int, seconds: float, one, strict: bool = False) -> tuple[int, float]:
    """``clients`` threads calling ``one(i)`` for ``seconds``; returns (successful calls, seconds).
    An HTTP error is counted in FAILURES (SQLite: "database is locked") or, with ``strict``,
    stops the run with the server's answer."""
    done = [0] * clients
    first_error: list[str] = []
    stop = time.perf_counter() + seconds
    started = time.perf_counter()

    def loop(i: int) -> None:
        while time.perf_counter() < stop and not first_error:
            try:
                one(i)
            except urllib.error.HTTPError as error:
                FAILURES[0] += 1  # counted, not timed as a success
                if strict:
                    first_error.append(f"{error.code} {error.url}: {error.read()[:300]!r}")
                continue
            done[i] += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if first_error:
        raise RequestFailed(first_error[0])
    return sum(done), time.perf_counter() - started


#: The servers of the benchmarks write dossier codes in the 2025 format (a six-digit daily
#: sequence): the 2018 format's 9,999 codes of an agency's day ran out after a dozen runs on the
#: same database in one day (``code_sequence_exhausted``). The work per submission is the same.
CODE_FORMAT_ENV = {"DOSSIER_CODE_FORMAT": "2025", "DOSSIER_CODE_SYSTEM": "00"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--procedure", default="LC-05")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="submission-bench-"))
    db_url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    env = {**os.environ, "PORTAL_ENV": "development", "DATABASE_URL": db_url, "SECRET_KEY": "bench",
           "STORAGE_DIR": str(work / "files"), "FLASK_APP": "portal", "PYTHONPATH": str(ROOT), **CODE_FORMAT_ENV}
    flask = str(BIN / "flask")
    subprocess.run([flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run([flask, "catalogue", "load"], env=env, cwd=ROOT, check=True, capture_output=True)
    (work / "bare_app.py").write_text(BARE_APP)

    portal_port, bare_port = free_port(), free_port()
    servers = [gunicorn("wsgi:app", portal_port, args.workers, env, ROOT),
               gunicorn("bare_app:app", bare_port, args.workers, {**env, "PYTHONPATH": str(work)}, work)]
    try:
        portal, bare = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{bare_port}"
        wait_until_up(portal + "/api/v1/procedures")
        wait_until_up(bare + "/")
        procedure = call(f"{portal}/api/v1/procedures/{args.procedure}")
        required = [d["key"] for d in procedure["documents"] if d.get("required")]
        tokens = []
        for i in range(args.clients):
            # fresh ID numbers (unique per account): the benchmark can run again on the same database
            user = {"username": f"bench{i}{secrets.token_hex(3)}", "password": "BenchMark2026",
                    "full_name": "Người Đo Tải", "id_number": f"0121{secrets.randbelow(10**8):08d}",
                    "phone": "0912345678", "email": ""}
            try:
                call(f"{portal}/api/v1/auth/register", json.dumps(user).encode(), content_type="application/json")
            except urllib.error.HTTPError as error:
                if error.code != 409:
                    raise
            token = call(f"{portal}/api/v1/auth/token", json.dumps({"username": user["username"],
                         "password": user["password"]}).encode(), content_type="application/json")["token"]
            tokens.append({"Authorization": f"Bearer {token}"})
        data = form_values(procedure_form(portal, args.procedure))

        def submission(i: int) -> None:
            headers = {**tokens[i], "Idempotency-Key": secrets.token_hex(12)}
            draft = call(f"{portal}/api/v1/dossiers", json.dumps({"procedure": args.procedure, "data": data}).encode(),
                         headers, "application/json")
            for key, filename, content in pdf_documents(required):
                body, ctype = multipart({"document": key}, filename, content)
                call(f"{portal}/api/v1/dossiers/{draft['id']}/attachments", body, tokens[i], ctype)
            call(f"{portal}/api/v1/dossiers/{draft['id']}/submit", b"{}", tokens[i], "application/json")

        def bare_upload(_i: int) -> None:
            body, ctype = multipart({"document": "x"}, "x.pdf", PDF_1MB)
            call(f"{bare}/upload", body, None, ctype)

        submission(0)  # warm up both servers
        bare_upload(0)
        strict = db_url.startswith("postgresql")  # SQLite: "database is locked" now and then, counted
        n_bare, t_bare = run_clients(args.clients, args.seconds, bare_upload, strict)
        n_sub, t_sub = run_clients(args.clients, args.seconds, submission, strict)
        bare_rate, sub_rate = n_bare / t_bare, n_sub / t_sub
        print(f"database: {db_url.split('://')[0]}, gunicorn workers: {args.workers}, clients: {args.clients}, "
              f"attachments per submission: {len(required)} x 1 MB")
        print(f"{'what':<44}{'count':>8}{'per second':>12}")
        print(f"{'bare Flask endpoint, 1 MB upload':<44}{n_bare:>8}{bare_rate:>12.1f}")
        print(f"{'complete submission (draft+uploads+submit)':<44}{n_sub:>8}{sub_rate:>12.1f}")
        print(f"ratio (bare uploads per submission): {bare_rate / sub_rate:.1f}")
        print(f"ratio per uploaded megabyte: {bare_rate / (sub_rate * len(required)):.1f}")
        print(f"failed requests: {FAILURES[0]}")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)  # the uploads


def procedure_form(portal: str, code: str) -> list[dict]:
    """The e-form fields of the procedure ``code`` as the portal publishes them."""
    return form_fields(call(f"{portal}/api/v1/procedures/{code}")["form"])


if __name__ == "__main__":
    sys.exit(main())
