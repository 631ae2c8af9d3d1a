"""Benchmark of the office queue at a province-year scale (1,000,000 dossiers on PostgreSQL).

Measures the server time of the queue page (/mot-cua/) and the queue API (/api/v1/office/dossiers),
both with the counts on every tab, for the officer's default queue ("to handle"), the new online
filings, searches, overdue (first and deep page) and all dossiers (offset and cursor), and compares
each with the same queue SQL statement run directly through the driver in the same run. Also times
the tab counts alone (from the maintained tables) against counting the same tabs directly over
the agency's dossiers. Prints medians, 95th percentiles and ratios; goal: under 50 ms server time
and within 2x of the bare SQL.

    .venv/bin/python benchmarks/queue_bench.py                      # 1,000,000 dossiers in bench_office
    .venv/bin/python benchmarks/queue_bench.py --dossiers 150000 --replicate-to 1000000 --url postgresql://...

The database is created, migrated and filled (``flask demo generate`` logic) only when it has
fewer dossiers than asked; later runs reuse it. ``--replicate-to N`` then copies the generated
dossiers in SQL (new ids, codes suffixed "-R<n>", no events) until the table holds N, and rebuilds
the day and queue counts once: the generator makes a few hundred dossiers a second, so 1M from it
alone takes over an hour on 2 cores. "Server time" is the time the WSGI application takes to
answer an in-process request (Flask test client, no network), including sign-in checks, the
query, the tab counts, the working-time texts and the HTML/JSON rendering.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

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


def interleaved(fns, repeat: int) -> list[list[float]]:
    """Time each function ``repeat`` times, taking turns (one run of each, then again), so that
    the load of a shared machine weighs on every column alike; one warm-up run each first."""
    for fn in fns:
        fn()
    samples = [[] for _ in fns]
    for _ in range(repeat):
        for fn, out in zip(fns, samples, strict=True):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
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
    parser.add_argument("--months", type=int, default=12, help="span of the generated data before --today")
    parser.add_argument("--replicate-to", type=int, default=0,
                        help="copy the generated dossiers in SQL until the table holds this many")
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
                     today=date.fromisoformat(args.today) if args.today else None, months=args.months,
                     progress=progress)
            print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE dossiers"))
        if args.replicate_to > dossier_count():
            replicate(args.replicate_to)
        return measure(app, args)


def replicate(target: int) -> None:
    """Copy the dossiers in SQL (new ids, codes suffixed "-R<n>", no national code, no events)
    until there are ``target``; then rebuild the day counts and the queue counts once."""
    from portal.extensions import db
    from portal.models import Dossier
    from portal.statistics import daily

    table = Dossier.__table__
    base_max, base = db.session.execute(sa.select(sa.func.max(table.c.id), sa.func.count()).select_from(table)).one()
    started = time.perf_counter()
    special = {"code", "national_code", "national_digest", "search_text", "last_event_hash"}
    columns = [c.name for c in table.columns if c.name != "id"]
    n = 0
    while (have := db.session.scalar(sa.select(sa.func.count()).select_from(table))) < target:
        n += 1
        suffix = f"-R{n}"
        values = []
        for name in columns:
            if name == "code":
                values.append(f"CASE WHEN code IS NULL THEN NULL ELSE code || '{suffix}' END")
            elif name == "search_text":
                values.append(f"CASE WHEN code IS NULL THEN search_text ELSE "
                              f"replace(search_text, lower(code), lower(code || '{suffix}')) END")
            elif name in special:
                values.append("NULL")
            else:
                values.append(name)
        db.session.execute(sa.text(
            f"INSERT INTO dossiers ({', '.join(columns)}) SELECT {', '.join(values)} FROM dossiers "
            f"WHERE id <= :base_max ORDER BY id LIMIT :missing"), {"base_max": base_max, "missing": target - have})
        db.session.commit()
        print(f"  replica {n}: {min(target, have + base):>9,} dossiers in {time.perf_counter() - started:6.1f} s",
              flush=True)
    daily.rebuild(db.session.connection())  # the day counts and the queue counts, once
    db.session.commit()
    print(f"replicated and counted in {time.perf_counter() - started:.1f} s", flush=True)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text("VACUUM ANALYZE"))


def measure(app, args) -> int:
    from portal.extensions import db
    from portal.models import Dossier, User
    from portal.models.types import utcnow
    from portal.operations import accounts, office
    from portal.text import fold

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

    # First page's last row, to measure the keyset cursor for the deep "all" page too; a code and a
    # name of the agency to search for.
    with app.test_request_context():
        bench_user = db.session.get(User, user_id)
        page = office.queue(bench_user, office.QueueFilter(queue="all", per_page=per_page, page=deep_all))
        cursor = office._encode_cursor([page.rows[-1].id]) if page.rows else None
        # a generated (not replicated) dossier of the agency with a code, some way back
        sample = db.session.execute(
            sa.select(Dossier.code, Dossier.applicant["full_name"].as_string())
            .where(Dossier.agency_id == agency_id, Dossier.code.is_not(None), ~Dossier.code.contains("-R"))
            .order_by(Dossier.id.desc()).offset(500).limit(1)).one()
        last_digits = sample[0][-4:]
        name_words = fold(sample[1] or "").split()
        folded_name = " ".join(name_words[:1] + name_words[-1:])  # "lo pa": family and given name

    cases = [
        ("default queue (work), first page", {"queue": "work"}, "queue=work"),
        ("new online, first page", {"queue": "new"}, "queue=new"),
        (f"search: code digits {last_digits!r}", {"queue": "all", "q": last_digits},
         f"queue=all&q={quote(last_digits)}"),
        (f"search: name {folded_name!r}", {"queue": "all", "q": folded_name}, f"queue=all&q={quote(folded_name)}"),
        ("overdue, first page", {"queue": "overdue"}, "queue=overdue"),
        (f"overdue, page {deep_overdue}", {"queue": "overdue", "page": deep_overdue},
         f"queue=overdue&page={deep_overdue}"),
        ("all, first page", {"queue": "all"}, "queue=all"),
        (f"all, page {deep_all} (offset)", {"queue": "all", "page": deep_all}, f"queue=all&page={deep_all}"),
        (f"all, after row {deep_all * per_page} (cursor)", {"queue": "all", "cursor": cursor},
         f"queue=all&cursor={cursor}"),
    ]
    engine = db.engine
    rows_out = []
    with app.test_request_context():
        bench_user = db.session.get(User, user_id)
        raw = engine.raw_connection()
        now = utcnow()

        def counts():
            office.tab_counts(bench_user, office.QueueFilter(), utcnow())
            db.session.rollback()

        scan = sa.text(
            "SELECT count(*) FILTER (WHERE status IN ('submitted','accepted','in_process','supplement_requested',"
            "'awaiting_fee','processed')), count(*) FILTER (WHERE status = 'submitted' AND channel = 'online'), "
            "count(*) FILTER (WHERE status = 'supplement_requested'), count(*) FILTER (WHERE status IN "
            "('accepted','in_process','awaiting_fee') AND due_at < :now), count(*) FROM dossiers "
            "WHERE agency_id = :agency AND status <> 'draft'")

        def counted_directly():
            cur = raw.cursor()
            cur.execute(str(scan.compile(dialect=engine.dialect)), {"now": now, "agency": agency_id})
            cur.fetchall()
            cur.close()
            raw.rollback()

        t_counts, t_scan = interleaved([counts, counted_directly], args.repeat)
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
                assert response.get_json()["counts"] is not None

            def api_bare(query=query):
                response = client.get(f"/api/v1/office/dossiers?{query}&per_page={per_page}&counts=false",
                                      headers=headers)
                assert response.status_code == 200 and response.get_json()["counts"] is None

            def html(query=query):
                response = client.get(f"/mot-cua/?{query}")
                assert response.status_code == 200, response.status_code

            t_sql, t_nocount, t_api, t_page = interleaved([bare, api_bare, api, html], args.repeat)
            rows_out.append((label, t_sql, t_nocount, t_api, t_page))
        raw.close()

    print(f"tab counts (maintained tables, one statement): {statistics.median(t_counts):6.2f} / {p95(t_counts):6.2f}; "
          f"the same tabs counted over the agency's dossiers: {statistics.median(t_scan):6.2f} / {p95(t_scan):6.2f} "
          f"({statistics.median(t_scan) / statistics.median(t_counts):.1f}x)\n")
    print(f"{'case':<38} {'bare SQL':>15} {'API no counts':>15} {'API':>15} {'page':>15} "
          f"{'API/SQL':>8} {'page/SQL':>9} {'counts':>7}")
    for label, t_sql, t_nocount, t_api, t_page in rows_out:
        m_sql, m_nocount, m_api, m_page = (statistics.median(t) for t in (t_sql, t_nocount, t_api, t_page))
        r_api, r_page = m_api / m_sql, m_page / m_sql
        under = m_api < 50 and m_page < 50
        within = (r_api <= 2 or m_sql < 5) and (r_page <= 2 or m_sql < 5)
        note = "" if under and within else "  <- over 50 ms" if not under else "  <- over 2x"
        print(f"{label:<38} {m_sql:6.2f} / {p95(t_sql):6.2f} {m_nocount:6.2f} / {p95(t_nocount):6.2f} "
              f"{m_api:6.2f} / {p95(t_api):6.2f} {m_page:6.2f} / {p95(t_page):6.2f} {r_api:7.2f}x {r_page:8.2f}x "
              f"{m_api / m_nocount:6.2f}x{note}")
    print("\n'counts': the API with the tab counts against the same request with counts=false")
    print("\ngoal: < 50 ms server time, and within 2x of the bare SQL where the SQL costs 5 ms or more")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
