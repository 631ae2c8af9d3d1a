"""Benchmark of the office queue at a province-year scale (1,000,000 dossiers on PostgreSQL).

Measures the server time of the queue page (/mot-cua/) and the queue API (/api/v1/office/dossiers)
for a first page and a deep page, filtered by agency (the officer's) and overdue, and compares each
with the same SQL statement run directly through the driver in the same run. Prints medians,
95th percentiles and ratios; goal: under 50 ms server time and within 2x of the bare SQL.

    .venv/bin/python benchmarks/queue_bench.py                      # 1,000,000 dossiers in bench_office
    .venv/bin/python benchmarks/queue_bench.py --dossiers 100000 --url postgresql://postgres@127.0.0.1:5432/bench_office_small

The database is created, migrated and filled (``flask demo generate`` logic) only when it has
fewer dossiers than asked; later runs reuse it. "Server time" is the time the WSGI application
takes to answer an in-process request (Flask test client, no network), including sign-in checks,
the query, the working-time texts and the HTML/JSON rendering.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_office"
PASSWORD = "BenchHoaBanTrang2026"


def ensure_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    from portal.config import normalize_database_url

    target = make_url(normalize_database_url(url))
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                    {"n": target.database}).scalar()
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm-up (compiled-statement caches, connection pool)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", default=None, help="reference day of the generated data (YYYY-MM-DD)")
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        parser.error("the benchmark runs on PostgreSQL")

    ensure_database(args.url)
    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import normalize_database_url
    from portal.extensions import db

    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": normalize_database_url(args.url),
                      "SERVER_NAME": None, "WTF_CSRF_ENABLED": False, "STORAGE_DIR": "/tmp/bench_office_files"})
    with app.app_context():
        upgrade()
        from portal.demo import dossier_count, generate
        from portal.operations.catalogue import load_catalogue

        load_catalogue()
        db.session.commit()
        have = dossier_count()
        if have < args.dossiers:
            print(f"generating {args.dossiers - have} dossiers (have {have}) ...", flush=True)
            started = time.perf_counter()
            done = {"n": 0}

            def progress(k):
                done["n"] += k
                if done["n"] % 100_000 < k:
                    print(f"  {done['n']:>9,} in {time.perf_counter() - started:6.1f} s", flush=True)

            generate(args.dossiers - have, seed=args.seed + have,
                     today=date.fromisoformat(args.today) if args.today else None, progress=progress)
            print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE dossiers"))
        return measure(app, args)


def measure(app, args) -> int:
    from portal.extensions import db
    from portal.models import Dossier, User
    from portal.models.types import utcnow
    from portal.operations import accounts, office

    total = db.session.scalar(sa.select(sa.func.count(Dossier.id)))
    # The busiest agency by open overdue dossiers: the hardest queue to page through.
    now = utcnow()
    agency_id, overdue = db.session.execute(
        sa.select(Dossier.agency_id, sa.func.count()).where(Dossier.status.in_(office.RUNNING_STATUSES),
                                                            Dossier.due_at < now)
        .group_by(Dossier.agency_id).order_by(sa.func.count().desc()).limit(1)).one()
    agency_total = db.session.scalar(sa.select(sa.func.count()).where(Dossier.agency_id == agency_id))
    from portal.models import Agency

    agency = db.session.get(Agency, agency_id)
    user = db.session.scalar(sa.select(User).where(User.username == "bench_motcua"))
    if user is None:
        user = accounts.create_staff_user(username="bench_motcua", password=PASSWORD, role="one_stop_officer",
                                          agency_code=agency.code, full_name="Cán bộ đo hiệu năng", position=None,
                                          min_password_length=8)
    elif user.agency_id != agency_id:
        user.agency_id = agency_id
    db.session.commit()
    user_id = user.id

    client = app.test_client()
    client.post("/dang-nhap", data={"username": "bench_motcua", "password": PASSWORD})
    api_token = client.post("/api/v1/auth/token", json={"username": "bench_motcua", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {api_token['token']}"}
    per_page = 25
    deep_overdue = max(1, (overdue // per_page) // 2 + 1)
    deep_all = max(1, min(400, agency_total // per_page - 1))
    print(f"\n{total:,} dossiers; agency {agency.code}: {agency_total:,} dossiers, {overdue:,} open and overdue")
    print(f"{args.repeat} runs each, milliseconds (median / p95)\n")

    # First page's last row, to measure the keyset cursor for the deep "all" page too.
    with app.test_request_context():
        cursor_flt = office.QueueFilter(queue="all", per_page=per_page, page=deep_all)
        bench_user = db.session.get(User, user_id)
        page = office.queue(bench_user, cursor_flt)
        last = page.rows[-1]
        cursor = office._encode_cursor([last.id]) if page.rows else None

    cases = [
        ("overdue, first page", {"queue": "overdue"}, "overdue=true"),
        (f"overdue, page {deep_overdue}", {"queue": "overdue", "page": deep_overdue},
         f"overdue=true&page={deep_overdue}"),
        ("all, first page", {"queue": "all"}, "queue=all"),
        (f"all, page {deep_all} (offset)", {"queue": "all", "page": deep_all}, f"queue=all&page={deep_all}"),
        (f"all, after row {deep_all * per_page} (cursor)", {"queue": "all", "cursor": cursor},
         f"queue=all&cursor={cursor}"),
    ]
    engine = db.engine
    rows_out = []
    with app.app_context():
        bench_user = db.session.get(User, user_id)
        raw = engine.raw_connection()
        for label, flt_args, query in cases:
            flt = office.QueueFilter(per_page=per_page, **flt_args).validate()
            statement = office.queue_statement(bench_user, flt, utcnow())
            compiled = statement.compile(dialect=engine.dialect, compile_kwargs={"render_postcompile": True})
            sql, params = str(compiled), compiled.params

            def bare(sql=sql, params=params):
                cur = raw.cursor()
                cur.execute(sql, params)
                cur.fetchall()
                cur.close()
                raw.rollback()

            def api(query=query):
                response = client.get(f"/api/v1/office/dossiers?{query}&per_page={per_page}", headers=headers)
                assert response.status_code == 200, response.get_data(as_text=True)[:300]

            page_query = query.replace("overdue=true", "queue=overdue")

            def html(page_query=page_query):
                response = client.get(f"/mot-cua/?{page_query}")
                assert response.status_code == 200, response.status_code

            t_sql, t_api, t_page = (timed(bare, args.repeat), timed(api, args.repeat), timed(html, args.repeat))
            rows_out.append((label, t_sql, t_api, t_page))
        raw.close()

    print(f"{'case':<34} {'bare SQL':>15} {'API':>15} {'page':>15} {'API/SQL':>8} {'page/SQL':>9}")
    failures = 0
    for label, t_sql, t_api, t_page in rows_out:
        m_sql, m_api, m_page = (statistics.median(t) for t in (t_sql, t_api, t_page))
        r_api, r_page = m_api / m_sql, m_page / m_sql
        ok = m_api < 50 and m_page < 50 and (r_api <= 2 or m_api - m_sql < 5) and (r_page <= 2 or m_page - m_sql < 5)
        failures += not ok
        print(f"{label:<34} {m_sql:6.2f} / {p95(t_sql):6.2f} {m_api:6.2f} / {p95(t_api):6.2f} "
              f"{m_page:6.2f} / {p95(t_page):6.2f} {r_api:7.2f}x {r_page:8.2f}x {'' if ok else ' <- goal missed'}")
    print("\ngoal: < 50 ms server time and within 2x of the bare SQL "
          "(or within 5 ms of it when the SQL itself takes under 5 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
