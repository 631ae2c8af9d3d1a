"""Dashboard statistics at 1,000,000 dossiers on PostgreSQL, against hand-written GROUP BY queries.

    .venv/bin/python benchmarks/stats_bench.py [--url postgresql://postgres@127.0.0.1:5432/bench_stats]
                                               [--dossiers 1000000] [--repeat 7] [--refill]

Creates the database if needed, migrates it, loads the catalogue, fills dossiers with one
INSERT ... SELECT generate_series (three years, every agency/procedure, realistic channels,
statuses and timeliness, a fee paid at reception for a third of them), then times for the
year 2025:

- ``period_table(..., "agency")`` and ``period_table(..., "month")`` (portal.statistics.queries:
  the figures the page, the API and the exports use), and the whole GET /api/v1/stats request;
- one hand-written GROUP BY query for each grouping (plain SQL with COUNT(*) FILTER, the
  baseline), in the same run; and the direct scan over dossiers that the day counts replace
  (``direct_table``), whose figures must be equal;
- the cost on writes: the same ORM update of a dossier with and without the listener that keeps
  ``dossier_day_counts`` current.

Prints the median of ``--repeat`` runs in ms and the ratio to the baseline (goal: < 300 ms and
within 1.5x). It also checks that both give the same numbers.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_stats"

FILL = """
INSERT INTO dossiers (code, procedure_id, agency_id, applicant, channel, status, form_version, form_snapshot,
                      form_data, pauses, submitted_at, received_at, budget_minutes, paused_since, due_at,
                      finished_at, returned_at, timeliness, result_kind, result_proposed, result_signed,
                      fee_amount, fee_paid_at, created_at, updated_at, version)
SELECT NULL, p.id, p.agency_id, '{}'::jsonb, s.channel, s.status, 1, '[]'::jsonb, '{}'::jsonb, '[]'::jsonb,
       s.received_at, s.received_at, 7200, s.paused_since, s.due_at, s.finished_at, s.returned_at,
       s.timeliness, s.result_kind, false, false, s.fee,
       CASE WHEN s.fee > 0 THEN s.received_at END, s.received_at, s.received_at, 1
FROM (
  SELECT g,
    r.received_at,
    r.received_at + interval '15 days' AS due_at,
    CASE WHEN r.u < 0.35 THEN 'online' WHEN r.u < 0.9 THEN 'in_person' ELSE 'post' END AS channel,
    CASE WHEN r.open THEN (CASE WHEN r.v < 0.1 THEN 'supplement_requested' ELSE 'in_process' END)
         WHEN r.v < 0.02 THEN 'stopped' WHEN r.v < 0.04 THEN 'withdrawn'
         WHEN r.v < 0.30 THEN 'processed' ELSE 'returned' END AS status,
    CASE WHEN r.open THEN NULL ELSE r.received_at + (r.w * interval '20 days') END AS finished_at,
    CASE WHEN NOT r.open AND r.v >= 0.30 THEN r.received_at + (r.w * interval '20 days') + interval '2 days' END
      AS returned_at,
    CASE WHEN r.open OR r.v < 0.04 THEN NULL WHEN r.w < 0.5 THEN 'early' WHEN r.w < 0.75 THEN 'on_time'
         ELSE 'late' END AS timeliness,
    CASE WHEN NOT r.open AND r.v >= 0.04 AND r.v < 0.06 THEN 'refused'
         WHEN NOT r.open AND r.v >= 0.06 THEN 'granted' END AS result_kind,
    CASE WHEN r.open AND r.v < 0.1 THEN r.received_at + interval '3 days' END AS paused_since,
    CASE WHEN r.pick % 3 = 0 THEN 50000 ELSE 0 END AS fee,
    r.pick
  FROM (
    SELECT g,
      timestamptz '2023-01-01 00:00+07' + (random() * (now() - timestamptz '2023-01-01 00:00+07')) AS received_at,
      random() AS u, random() AS v, random() AS w, (random() * 1000)::int AS pick,
      random() < 0.03 AS open
    FROM generate_series(1, :n) AS g
  ) r
) s
JOIN (SELECT id, agency_id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS total FROM procedures) p
  ON p.k = s.pick % p.total
"""

# The baseline: the same figures for one grouping, written by hand as one GROUP BY.
HAND_AGENCY = """
SELECT d.agency_id AS key,
  count(*) FILTER (WHERE d.received_at < :s AND (d.finished_at IS NULL OR d.finished_at >= :s)) AS carried_over,
  count(*) FILTER (WHERE d.received_at >= :s AND d.received_at < :e) AS received,
  count(*) FILTER (WHERE d.received_at >= :s AND d.received_at < :e AND d.channel = 'online') AS received_online,
  count(*) FILTER (WHERE d.received_at >= :s AND d.received_at < :e AND d.channel = 'in_person') AS received_in_person,
  count(*) FILTER (WHERE d.received_at >= :s AND d.received_at < :e AND d.channel = 'post') AS received_post,
  count(*) FILTER (WHERE d.finished_at >= :s AND d.finished_at < :e AND d.status IN ('processed', 'returned')) AS processed,
  count(*) FILTER (WHERE d.finished_at >= :s AND d.finished_at < :e AND d.status IN ('processed', 'returned') AND d.timeliness = 'early') AS early,
  count(*) FILTER (WHERE d.finished_at >= :s AND d.finished_at < :e AND d.status IN ('processed', 'returned') AND d.timeliness = 'on_time') AS on_time,
  count(*) FILTER (WHERE d.finished_at >= :s AND d.finished_at < :e AND d.status IN ('processed', 'returned') AND d.timeliness = 'late') AS late,
  count(*) FILTER (WHERE d.received_at < :e AND (d.finished_at IS NULL OR d.finished_at >= :e)) AS in_process,
  count(*) FILTER (WHERE d.received_at < :e AND (d.finished_at IS NULL OR d.finished_at >= :e)
                   AND (d.paused_since IS NULL OR d.paused_since >= :e) AND d.due_at < :e AND d.due_at < :now) AS overdue,
  count(*) FILTER (WHERE d.received_at < :e AND (d.finished_at IS NULL OR d.finished_at >= :e)
                   AND d.paused_since < :e) AS supplement,
  count(*) FILTER (WHERE d.finished_at >= :s AND d.finished_at < :e AND d.status = 'stopped') AS stopped,
  count(*) FILTER (WHERE d.finished_at >= :s AND d.finished_at < :e AND d.status = 'withdrawn') AS withdrawn,
  count(*) FILTER (WHERE d.finished_at >= :s AND d.finished_at < :e AND d.status IN ('processed', 'returned') AND d.result_kind = 'refused') AS refused,
  count(*) FILTER (WHERE d.returned_at >= :s AND d.returned_at < :e) AS returned,
  count(*) FILTER (WHERE d.received_at >= :s AND d.received_at < :e AND p.level = 3) AS received_level3,
  count(*) FILTER (WHERE d.received_at >= :s AND d.received_at < :e AND p.level = 3 AND d.channel = 'online') AS received_level3_online,
  count(*) FILTER (WHERE d.received_at >= :s AND d.received_at < :e AND p.level = 4) AS received_level4,
  count(*) FILTER (WHERE d.received_at >= :s AND d.received_at < :e AND p.level = 4 AND d.channel = 'online') AS received_level4_online
FROM dossiers d JOIN procedures p ON p.id = d.procedure_id
WHERE d.received_at < :e AND (d.finished_at IS NULL OR d.finished_at >= :s OR d.returned_at >= :s)
GROUP BY d.agency_id
"""

# By month, by hand: the usual way, one GROUP BY on the month of each event, then the stocks
# (carried over, in process) by a running sum. Flows only for received/processed, as a
# hand-written report typically does.
HAND_MONTH = """
SELECT date_trunc('month', d.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS month,
  count(*) AS received,
  count(*) FILTER (WHERE d.channel = 'online') AS received_online,
  count(*) FILTER (WHERE d.channel = 'in_person') AS received_in_person,
  count(*) FILTER (WHERE d.channel = 'post') AS received_post,
  count(*) FILTER (WHERE p.level = 3) AS received_level3,
  count(*) FILTER (WHERE p.level = 3 AND d.channel = 'online') AS received_level3_online,
  count(*) FILTER (WHERE p.level = 4) AS received_level4,
  count(*) FILTER (WHERE p.level = 4 AND d.channel = 'online') AS received_level4_online
FROM dossiers d JOIN procedures p ON p.id = d.procedure_id
WHERE d.received_at >= :s AND d.received_at < :e
GROUP BY 1 ORDER BY 1
"""


def ensure_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--refill", action="store_true")
    parser.add_argument("--writes", type=int, default=300, help="dossier updates timed for the write cost")
    args = parser.parse_args()

    ensure_database(args.url)
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.operations.catalogue import load_catalogue
    from portal.statistics.daily import rebuild

    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": args.url, "SERVER_NAME": None})
    with app.app_context():
        upgrade()
        load_catalogue()
        db.session.commit()
        count = db.session.scalar(text("SELECT count(*) FROM dossiers"))
        if args.refill or count != args.dossiers:
            print(f"filling {args.dossiers:,} dossiers ...", flush=True)
            started = time.perf_counter()
            db.session.execute(text("DELETE FROM dossier_day_counts"))
            db.session.execute(text("DELETE FROM dossiers"))
            db.session.execute(text(FILL), {"n": args.dossiers})
            db.session.commit()
            print(f"  filled in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            rows = rebuild(db.session.connection())  # a bulk INSERT bypasses the ORM flush
            db.session.commit()
            print(f"  day counts rebuilt in {time.perf_counter() - started:.1f} s ({rows:,} rows)")
            db.session.commit()
            # What autovacuum does on a production server after a load (this one may run without
            # it): visibility map and statistics, so that index-only scans are possible.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE dossiers"))
                connection.execute(text("VACUUM ANALYZE dossier_day_counts"))
        run(app, args.repeat)
        write_cost(app, args.writes)


def run(app, repeat: int) -> None:
    from portal.extensions import db
    from portal.models import User
    from portal.operations import accounts
    from portal.statistics import periods
    from portal.statistics.queries import Scope, direct_table, period_table
    from workflow.states import Role

    year = periods.year(2025)
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        now = db.session.scalar(text("SELECT now()"))
        bounds = {"s": year.start_at, "e": year.end_at, "now": now}
        total = db.session.scalar(text("SELECT count(*) FROM dossiers"))
        in_year = db.session.scalar(text("SELECT count(*) FROM dossiers WHERE received_at >= :s AND received_at < :e"), bounds)
        print(f"PostgreSQL {db.session.scalar(text('SHOW server_version'))}; {total:,} dossiers, "
              f"{in_year:,} received in 2025; median of {repeat} runs\n")

        def ours(group_by):
            return lambda: period_table(year, Scope(), group_by, now=now)

        def direct(group_by):
            def count():
                result = direct_table(year, Scope(), group_by, now=now)
                db.session.commit()  # ends the SET LOCAL of the direct scan
                return result
            return count

        def hand(sql):
            return lambda: db.session.execute(text(sql), bounds).all()

        for sql in (HAND_AGENCY, HAND_MONTH):  # warm the cache
            hand(sql)()
        ours("agency")()
        results = {}
        for name, fn in [("hand GROUP BY agency", hand(HAND_AGENCY)), ("period_table by agency", ours("agency")),
                         ("direct scan by agency (reference)", direct("agency")),
                         ("hand GROUP BY month", hand(HAND_MONTH)), ("period_table by month", ours("month"))]:
            results[name] = timed(fn, repeat)

        # Every figure of every agency: the day counts equal the direct scan.
        reference = {r.key: r.counts for r in results["direct scan by agency (reference)"][1].rows}
        assert {r.key: r.counts for r in results["period_table by agency"][1].rows} == reference

        # The same numbers both ways.
        by_agency = results["period_table by agency"][1]
        hand_rows = {r.key: r for r in results["hand GROUP BY agency"][1]}
        for row in by_agency.rows:
            for figure in ("carried_over", "received", "processed", "early", "late", "in_process", "overdue",
                           "supplement", "returned", "received_level3_online"):
                assert row.counts[figure] == getattr(hand_rows[row.key], figure), (row.key, figure)
        month_hand = results["hand GROUP BY month"][1]
        by_month = results["period_table by month"][1]
        assert [r.received for r in month_hand] == [r["received"] for r in by_month.rows]

        user = db.session.query(User).filter_by(username="benchadmin").one_or_none()
        if user is None:
            user = accounts.create_staff_user(username="benchadmin", password="BenchHoaBanTrang2026",
                                              role=Role.ADMIN.value, agency_code=None)
        token, _ = accounts.issue_api_token(user, timedelta(hours=1))
        db.session.commit()

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for group_by in ("agency", "month"):
        url = f"/api/v1/stats?from=2025-01-01&to=2025-12-31&group_by={group_by}"
        assert client.get(url, headers=headers).status_code == 200
        results[f"GET /api/v1/stats group_by={group_by}"] = timed(lambda url=url: client.get(url, headers=headers), repeat)

    # The whole dashboard page (table, charts, coverage, targets, QĐ 766 groups), as the admin.
    page = app.test_client()
    form = page.get("/dang-nhap").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', form).group(1)
    signed_in = page.post("/dang-nhap", data={"csrf_token": csrf, "username": "benchadmin",
                                              "password": "BenchHoaBanTrang2026"})
    assert signed_in.status_code == 302, signed_in.status_code
    for group_by in ("agency", "month"):
        url = f"/thong-ke/?kind=year&year=2025&group_by={group_by}"
        assert page.get(url).status_code == 200
        results[f"dashboard page group_by={group_by}"] = timed(lambda url=url: page.get(url), repeat)

    base_agency = results["hand GROUP BY agency"][0]
    base_month = results["hand GROUP BY month"][0]
    print(f"{'what':<42}{'ms':>10}{'ratio':>10}")
    for name, (ms, _) in results.items():
        base = base_month if "month" in name else base_agency
        print(f"{name:<42}{ms:>10.1f}{ms / base:>9.2f}x")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"\n(baseline of each ratio: the hand-written query of the same grouping; commit {commit})")


def write_cost(app, writes: int) -> None:
    """What keeping the day counts costs a write: the same ORM update of a dossier (finish it,
    one transaction each) with the flush listener of portal.statistics.daily and without it,
    alternating, then undone the same way (so the day counts stay exact)."""
    from sqlalchemy import event, select
    from sqlalchemy.orm import Session

    from portal.extensions import db
    from portal.models import Dossier
    from portal.statistics import daily

    hooks = [("before_flush", daily._before_flush), ("after_flush", daily._after_flush)]

    def hooked(on: bool) -> None:
        for name, fn in hooks:
            if on and not event.contains(Session, name, fn):
                event.listen(Session, name, fn)
            elif not on and event.contains(Session, name, fn):
                event.remove(Session, name, fn)

    with app.app_context():
        ids = list(db.session.scalars(select(Dossier.id).where(Dossier.finished_at.is_(None),
                                                               Dossier.received_at.is_not(None))
                                      .order_by(Dossier.id).limit(2 * writes)))
        db.session.commit()
        times = {True: [], False: []}

        def change(dossier_id, finish: bool):
            dossier = db.session.get(Dossier, dossier_id)
            if finish:
                dossier.status, dossier.timeliness = "processed", "early"
                dossier.finished_at = db.session.scalar(text("SELECT now()"))
            else:
                dossier.status, dossier.timeliness, dossier.finished_at = "in_process", None, None
            db.session.commit()

        for finish in (True, False):
            for i, dossier_id in enumerate(ids):
                on = i % 2 == 0
                hooked(on)
                started = time.perf_counter()
                change(dossier_id, finish)
                if finish:
                    times[on].append((time.perf_counter() - started) * 1000)
        hooked(True)
    with_hook, without = statistics.median(times[True]), statistics.median(times[False])
    print(f"\nwrite cost (finish a dossier, one transaction, median of {len(times[True])}):")
    print(f"{'ORM update + commit, without the day counts':<48}{without:>8.2f} ms{1:>9.2f}x")
    print(f"{'ORM update + commit, with the day counts':<48}{with_hook:>8.2f} ms{with_hook / without:>9.2f}x")


if __name__ == "__main__":
    main()
