"""Dashboard statistics at 1,000,000 dossiers on PostgreSQL, against hand-written GROUP BY queries.

    .venv/bin/python benchmarks/stats_bench.py [--url postgresql://postgres@127.0.0.1:5432/bench_stats]
                                               [--dossiers 1000000] [--repeat 7] [--refill]

Creates the database if needed, migrates it, loads the catalogue, fills dossiers with one
INSERT ... SELECT generate_series (three years, every agency/procedure, realistic channels,
statuses and timeliness), then times for the year 2025:

- ``period_table(..., "agency")`` and ``period_table(..., "month")`` (portal.statistics.queries:
  the figures the page, the API and the exports use), and the whole GET /api/v1/stats request;
- one hand-written GROUP BY query for each grouping (plain SQL with COUNT(*) FILTER, the
  baseline), in the same run.

Prints the median of ``--repeat`` runs in ms and the ratio to the baseline (goal: < 300 ms and
within 1.5x). It also checks that both give the same numbers.
"""

from __future__ import annotations

import argparse
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
                      fee_amount, created_at, updated_at, version)
SELECT NULL, p.id, p.agency_id, '{}'::jsonb, s.channel, s.status, 1, '[]'::jsonb, '{}'::jsonb, '[]'::jsonb,
       s.received_at, s.received_at, 7200, s.paused_since, s.due_at, s.finished_at, s.returned_at,
       s.timeliness, s.result_kind, false, false, 0, s.received_at, s.received_at, 1
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
    args = parser.parse_args()

    ensure_database(args.url)
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from portal.operations.catalogue import load_catalogue

    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": args.url, "SERVER_NAME": None})
    with app.app_context():
        upgrade()
        load_catalogue()
        db.session.commit()
        count = db.session.scalar(text("SELECT count(*) FROM dossiers"))
        if args.refill or count != args.dossiers:
            print(f"filling {args.dossiers:,} dossiers ...", flush=True)
            started = time.perf_counter()
            db.session.execute(text("DELETE FROM dossiers"))
            db.session.execute(text(FILL), {"n": args.dossiers})
            db.session.commit()
            db.session.execute(text("ANALYZE dossiers"))
            db.session.commit()
            print(f"  filled in {time.perf_counter() - started:.1f} s")
        run(app, args.repeat)


def run(app, repeat: int) -> None:
    from portal.extensions import db
    from portal.models import User
    from portal.operations import accounts
    from portal.statistics import periods
    from portal.statistics.queries import Scope, period_table
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

        def hand(sql):
            return lambda: db.session.execute(text(sql), bounds).all()

        for sql in (HAND_AGENCY, HAND_MONTH):  # warm the cache
            hand(sql)()
        ours("agency")()
        results = {}
        for name, fn in [("hand GROUP BY agency", hand(HAND_AGENCY)), ("period_table by agency", ours("agency")),
                         ("hand GROUP BY month", hand(HAND_MONTH)), ("period_table by month", ours("month"))]:
            results[name] = timed(fn, repeat)

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
            user = accounts.create_staff_user(username="benchadmin", password="BenchMatKhau2026",
                                              role=Role.ADMIN.value, agency_code=None)
        token, _ = accounts.issue_api_token(user, timedelta(hours=1))
        db.session.commit()

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    for group_by in ("agency", "month"):
        url = f"/api/v1/stats?from=2025-01-01&to=2026-01-01&group_by={group_by}"
        assert client.get(url, headers=headers).status_code == 200
        results[f"GET /api/v1/stats group_by={group_by}"] = timed(lambda url=url: client.get(url, headers=headers), repeat)

    base_agency = results["hand GROUP BY agency"][0]
    base_month = results["hand GROUP BY month"][0]
    print(f"{'what':<42}{'ms':>10}{'ratio':>10}")
    for name, (ms, _) in results.items():
        base = base_month if "month" in name else base_agency
        print(f"{name:<42}{ms:>10.1f}{ms / base:>9.2f}x")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"\n(baseline of each ratio: the hand-written query of the same grouping; commit {commit})")


if __name__ == "__main__":
    main()
