"""`make test`: the whole suite on SQLite, then the database-backed tests on PostgreSQL.

PostgreSQL is used when it answers at --postgres-url. When it does not, the run says so
plainly; under CI (CI=true) a missing PostgreSQL is a failure, not a skip.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import psycopg


def postgres_reachable(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return None


def run_pytest(args: list[str], env: dict[str, str]) -> int:
    command = [sys.executable, "-m", "pytest", *args]
    print("+", " ".join(command), flush=True)
    return subprocess.call(command, env=env)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("pytest_args", nargs="*")
    options = parser.parse_args()
    in_ci = os.environ.get("CI", "").lower() == "true"

    env = {**os.environ, "TEST_DATABASE_URL": "sqlite"}
    print("== Bộ kiểm thử trên SQLite (toàn bộ) ==", flush=True)
    code = run_pytest(options.pytest_args, env)

    problem = postgres_reachable(options.postgres_url)
    if problem is not None:
        print(f"\n!! PostgreSQL không kết nối được tại {options.postgres_url}: {problem}", flush=True)
        if in_ci:
            print("!! CI=true: thiếu PostgreSQL là lỗi.", flush=True)
            return 1
        print("!! ĐÃ BỎ QUA các kiểm thử trên PostgreSQL (SKIPPED). Hãy chạy PostgreSQL rồi chạy lại.", flush=True)
        return code

    print("\n== Các kiểm thử dùng cơ sở dữ liệu, trên PostgreSQL ==", flush=True)
    env = {**os.environ, "TEST_DATABASE_URL": options.postgres_url}
    pg_code = run_pytest([*options.pytest_args, "-m", "not sqlite_only", "tests/integration"], env)
    return code or pg_code


if __name__ == "__main__":
    sys.exit(main())
