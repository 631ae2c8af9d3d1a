"""Statistics: known dossier sets, every figure checked exactly, boundaries, the seed's rates."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from portal.extensions import db
from portal.models import Dossier, DossierDayCount, Procedure
from portal.models.statistics import DAY_COUNTS
from portal.statistics import daily, periods, queue_counts
from portal.statistics.formulas import Ratio, format_decimal, verdict
from portal.statistics.queries import (
    ALL_FIGURES,
    FIGURES,
    Scope,
    count_behind,
    direct_table,
    dossiers_behind,
    period_table,
    period_tables,
)
from tests.integration.lifecycle_helpers import vn
from workflow.deadlines import classify

NOW = vn(2025, 6, 1, 9, 0)
Q1 = periods.quarter(2025, 1)


def procedures_at(level: int, n: int = 1) -> list[Procedure]:
    found = db.session.scalars(select(Procedure).where(Procedure.level == level).order_by(Procedure.code)).all()
    return found[:n]


def row(procedure: Procedure, **columns) -> dict:
    values = {"procedure_id": procedure.id, "agency_id": procedure.agency_id, "channel": "online",
              "status": "in_process", "form_version": 1, "form_snapshot": [], "form_data": {}, "applicant": {},
              "pauses": [], "version": 1}
    values.update(columns)
    return values


def insert_dossiers(rows: list[dict]) -> list[int]:
    """Bulk INSERT (outside the ORM unit of work), then add the dossiers to the day counts as
    bulk writers must."""
    ids = list(db.session.scalars(insert(Dossier).returning(Dossier.id), rows))
    daily.count_dossiers(db.session.connection(), ids)
    return ids


def put(procedure: Procedure, **columns) -> int:
    dossier = Dossier(**row(procedure, **columns))
    db.session.add(dossier)
    db.session.flush()
    return dossier.id


@pytest.fixture
def known(app):
    """A known set for Q1 2025 on one level-3 procedure; ids by name."""
    p = procedures_at(3)[0]
    ids = {}
    # Carried over from December, finished in January on time.
    ids["carried_done"] = put(p, status="returned", received_at=vn(2024, 12, 20, 9), due_at=vn(2025, 1, 15, 17),
                              finished_at=vn(2025, 1, 10, 10), timeliness="early", returned_at=vn(2025, 1, 12, 9))
    # Finished before the period: counts nowhere in Q1.
    ids["old"] = put(p, status="returned", received_at=vn(2024, 12, 1, 9), due_at=vn(2024, 12, 20, 17),
                     finished_at=vn(2024, 12, 15, 9), timeliness="early", returned_at=vn(2024, 12, 16, 9))
    # Received one second before the period's end (last day): in Q1, still in process, not yet due.
    ids["last_second"] = put(p, status="accepted", channel="in_person", received_at=vn(2025, 3, 31, 23, 59, 59),
                             due_at=vn(2025, 4, 10, 17))
    # Received at 00:00 of the next period: not in Q1.
    ids["next_period"] = put(p, status="accepted", received_at=vn(2025, 4, 1, 0, 0), due_at=vn(2025, 4, 10, 17))
    # Finished exactly at its due time: on time (the lifecycle's classify), processed in January.
    due = vn(2025, 1, 20, 10, 0)
    ids["exact_due"] = put(p, status="processed", channel="post", received_at=vn(2025, 1, 5, 8), due_at=due,
                           finished_at=due, timeliness=classify(due, due).value)
    # Late, by post, returned in February.
    ids["late"] = put(p, status="returned", channel="post", received_at=vn(2025, 1, 6, 8), due_at=vn(2025, 2, 10, 17),
                      finished_at=vn(2025, 2, 20, 9), timeliness="late", returned_at=vn(2025, 2, 25, 9))
    # Overdue at the end of Q1 (and already at the end of February).
    ids["overdue"] = put(p, status="in_process", received_at=vn(2025, 2, 1, 8), due_at=vn(2025, 2, 20, 17))
    # Paused for a supplement since 10/02; its stored due date passed, but the clock is stopped.
    ids["paused"] = put(p, status="supplement_requested", received_at=vn(2025, 2, 1, 8), due_at=vn(2025, 2, 15, 17),
                        paused_since=vn(2025, 2, 10, 9), resume_status="in_process")
    ids["stopped"] = put(p, status="stopped", received_at=vn(2025, 1, 10, 8), due_at=vn(2025, 2, 1, 17),
                         finished_at=vn(2025, 2, 1, 9))
    ids["withdrawn"] = put(p, status="withdrawn", received_at=vn(2025, 1, 10, 8), due_at=vn(2025, 2, 1, 17),
                           finished_at=vn(2025, 1, 15, 9))
    ids["refused"] = put(p, status="processed", result_kind="refused", received_at=vn(2025, 1, 10, 8),
                         due_at=vn(2025, 2, 1, 17), finished_at=vn(2025, 1, 12, 9), timeliness="early")
    # Due exactly at the period's end (00:00 on 01/04): not overdue at the end of Q1.
    ids["due_at_end"] = put(p, status="in_process", received_at=vn(2025, 3, 1, 8), due_at=vn(2025, 4, 1, 0, 0))
    # Never received: a draft, a refused intake, a withdrawal before acceptance.
    put(p, status="draft")
    put(p, status="not_accepted", submitted_at=vn(2025, 1, 3, 8), finished_at=vn(2025, 1, 4, 8))
    put(p, status="withdrawn", submitted_at=vn(2025, 1, 3, 8), finished_at=vn(2025, 1, 5, 8))
    db.session.commit()
    return p, ids


EXPECTED_Q1 = {
    "carried_over": 1, "received": 9, "received_online": 6, "received_in_person": 1, "received_post": 2,
    "processed": 4, "early": 2, "on_time": 1, "late": 1, "in_process": 4, "not_yet_due": 3, "overdue": 1,
    "supplement": 1, "stopped": 1, "withdrawn": 1, "refused": 1, "returned": 2,
    "processed_in_time": 3, "received_level3": 9, "received_level3_online": 6, "received_level4": 0,
    "received_level4_online": 0, "received_level34": 9, "received_level34_online": 6,
    "received_paper": 3, "received_scanned": 0, "processed_e_result": 0,
}


def test_every_figure_of_a_quarter(known):
    p, _ = known
    table = period_table(Q1, Scope(), "agency", now=NOW)
    assert len(table.rows) == 1 and table.rows[0].key == p.agency_id
    assert table.total.counts == EXPECTED_Q1
    assert table.rows[0].counts == EXPECTED_Q1


def test_balance_holds(known):
    for period in (Q1, periods.month(2025, 1), periods.month(2025, 2), periods.year(2025)):
        c = period_table(period, Scope(), "agency", now=NOW).total.counts
        assert c["carried_over"] + c["received"] == c["processed"] + c["stopped"] + c["withdrawn"] + c["in_process"]
        assert c["in_process"] == c["not_yet_due"] + c["overdue"]
        assert c["processed"] == c["early"] + c["on_time"] + c["late"]


def test_months_and_carry_over_across_periods(known):
    table = period_table(Q1, Scope(), "month", now=NOW)
    assert [r.label for r in table.rows] == ["Tháng 1/2025", "Tháng 2/2025", "Tháng 3/2025"]
    jan, feb, mar = (r.counts for r in table.rows)
    assert (jan["carried_over"], jan["received"], jan["processed"], jan["withdrawn"], jan["in_process"]) == (1, 5, 3, 1, 2)
    # What is in process at the end of January is exactly what February carries over.
    assert feb["carried_over"] == jan["in_process"] == 2
    assert (feb["received"], feb["processed"], feb["late"], feb["stopped"], feb["returned"]) == (2, 1, 1, 1, 1)
    assert (feb["in_process"], feb["overdue"], feb["supplement"]) == (2, 1, 1)
    assert mar["carried_over"] == feb["in_process"] == 2
    assert (mar["received"], mar["in_process"], mar["overdue"], mar["not_yet_due"]) == (2, 4, 1, 3)
    # The quarter's total folds its months: flows add up, stocks come from the first/last month.
    assert table.total.counts == EXPECTED_Q1


def test_last_day_and_next_period(known):
    _, ids = known
    march = {d.id for d in db.session.scalars(dossiers_behind("received", periods.month(2025, 3), now=NOW))}
    april = {d.id for d in db.session.scalars(dossiers_behind("received", periods.month(2025, 4), now=NOW))}
    assert ids["last_second"] in march and ids["last_second"] not in april
    assert ids["next_period"] in april and ids["next_period"] not in march


def test_overdue_depends_on_the_moment(known):
    _, ids = known
    # A period that ends in the future is judged now: the dossier due at 00:00 01/04 is overdue
    # on 02/04 but not on 31/03.
    q2_early = vn(2025, 3, 31, 12)
    q2_later = vn(2025, 4, 2, 12)
    year = periods.year(2025)
    assert ids["due_at_end"] not in {d.id for d in db.session.scalars(dossiers_behind("overdue", year, now=q2_early))}
    assert ids["due_at_end"] in {d.id for d in db.session.scalars(dossiers_behind("overdue", year, now=q2_later))}


def test_drill_down_lists_exactly_the_dossiers_counted(known):
    table = period_table(Q1, Scope(), "agency", now=NOW)
    for figure in ALL_FIGURES:
        assert count_behind(figure, Q1, Scope(), NOW) == table.total.counts[figure], figure
    _, ids = known
    assert [d.id for d in db.session.scalars(dossiers_behind("supplement", Q1, now=NOW))] == [ids["paused"]]
    assert [d.id for d in db.session.scalars(dossiers_behind("on_time", Q1, now=NOW))] == [ids["exact_due"]]


def test_grouping_by_field_and_procedure_and_scope(known, app):
    p, _ = known
    other = procedures_at(4)[0]
    put(other, status="accepted", received_at=vn(2025, 2, 3, 8), due_at=vn(2025, 3, 3, 17))
    put(other, status="accepted", channel="in_person", received_at=vn(2025, 2, 3, 8), due_at=vn(2025, 3, 3, 17))
    by_procedure = period_table(Q1, Scope(), "procedure", now=NOW)
    assert {r.code: r["received"] for r in by_procedure.rows} == {p.code: 9, other.code: 2}
    assert by_procedure.total["received_level4"] == 2 and by_procedure.total["received_level4_online"] == 1
    by_field = period_table(Q1, Scope(), "field", now=NOW)
    assert sum(r["received"] for r in by_field.rows) == 11
    only = period_table(Q1, Scope(procedure_id=other.id), "agency", now=NOW)
    assert only.total["received"] == 2 and only.total["carried_over"] == 0


def seed_rates(level: int, online: int, total: int, start) -> None:
    """``total`` received dossiers of level-``level`` procedures, ``online`` of them online."""
    procs = procedures_at(level, 3)
    rows = [row(procs[i % len(procs)], code=None, status="accepted", channel="online" if i < online else
                ("in_person" if i % 2 else "post"), received_at=start + timedelta(minutes=i),
                due_at=start + timedelta(days=30)) for i in range(total)]
    insert_dossiers(rows)


def test_reproduces_the_seed_rates(app):
    """Seed 004: "mức độ 3 là 766/5.211 đạt 14,7%, mức độ 4 là 1.856/3.318 đạt 55,94%"."""
    seed_rates(3, 766, 5211, vn(2022, 3, 8, 7))
    seed_rates(4, 1856, 3318, vn(2022, 3, 8, 7))
    db.session.commit()
    table = period_table(periods.custom(vn(2022, 3, 8).date(), vn(2022, 4, 5).date()), Scope(), "agency",
                         now=vn(2022, 4, 6))
    level3, level4 = table.total.ratio("online_rate_level3"), table.total.ratio("online_rate_level4")
    assert (level3.numerator, level3.denominator, level3.percent) == (766, 5211, Decimal("14.70"))
    assert (level4.numerator, level4.denominator, level4.percent) == (1856, 3318, Decimal("55.94"))
    assert level3.text() == "766/5.211 đạt 14,7%"
    assert level4.text() == "1.856/3.318 đạt 55,94%"
    assert level3.to_dict()["rate"] == 14.7


def test_formatting_and_verdicts():
    assert format_decimal(Decimal("14.70")) == "14,7"
    assert format_decimal(Decimal("100.00")) == "100"
    assert format_decimal(Decimal("1234.5")) == "1.234,5"
    assert Ratio(1, 3).percent == Decimal("33.33") and Ratio(2, 3).percent == Decimal("66.67")
    assert Ratio(1, 8).percent == Decimal("12.50")  # 12.5 exactly; half-up at the 3rd decimal
    assert Ratio(1, 200000).percent == Decimal("0.00") and Ratio(1, 200000).text() == "1/200.000 đạt 0%"
    assert Ratio(0, 0).percent is None and Ratio(0, 0).text() == "0/0"
    assert verdict(Decimal("31"), ">=", 30) == "vuot"
    assert verdict(30, ">=", 30) == "dat"
    assert verdict(Decimal("29.99"), ">=", 30) == "chua_dat"
    assert verdict(4, "<=", 5) == "vuot" and verdict(6, "<=", 5) == "chua_dat"
    assert verdict(None, ">=", 30) == "chua_co_so_lieu"


def test_periods_are_half_open_in_vietnam_time():
    q = periods.quarter(2025, 1)
    assert q.start_at.isoformat() == "2025-01-01T00:00:00+07:00" and q.end_at.isoformat() == "2025-04-01T00:00:00+07:00"
    assert q.last_day.isoformat() == "2025-03-31"
    assert periods.first_half(2025).last_day.isoformat() == "2025-06-30"
    assert periods.nine_months(2025).last_day.isoformat() == "2025-09-30"
    assert [m.label() for m in periods.custom(vn(2025, 1, 15).date(), vn(2025, 3, 10).date()).months()] == [
        "15/01/2025 - 31/01/2025", "Tháng 2/2025", "01/03/2025 - 10/03/2025"]
    with pytest.raises(periods.PeriodError):
        periods.month(2025, 13)
    with pytest.raises(periods.PeriodError):
        periods.custom(vn(2025, 3, 1).date(), vn(2025, 2, 1).date())
    assert FIGURES[0] == "carried_over"


def random_dossiers(seed: int, n: int = 300) -> None:
    """``n`` dossiers with random timestamps around 2025, many exactly on month boundaries or one
    second before, in lifecycle order (received <= finished <= returned) but otherwise free
    (paused before received, due before received, NULLs), some never received."""
    import random

    rng = random.Random(seed)
    procs = procedures_at(3, 2) + procedures_at(4, 2) + procedures_at(2, 1)
    boundaries = [vn(2024, 12, 1), vn(2025, 1, 1), vn(2025, 2, 1), vn(2025, 3, 1), vn(2025, 4, 1), vn(2025, 5, 1)]

    def moment(after=None):
        if rng.random() < 0.3:
            value = rng.choice(boundaries) + rng.choice([timedelta(0), timedelta(0), -timedelta(seconds=1)])
        else:
            value = vn(2024, 11, 1) + timedelta(minutes=rng.randrange(0, 60 * 24 * 200))
        return value if after is None or value >= after else after

    fees = random.Random(seed + 1000)  # its own draws: the dossiers above stay what they were
    rows = []
    for _ in range(n):
        received = moment() if rng.random() < 0.95 else None
        finished = moment(received) if rng.random() < 0.7 else None
        status = rng.choice(["in_process", "supplement_requested", "processed", "returned", "stopped", "withdrawn",
                             "accepted"]) if finished is None or rng.random() < 0.2 else \
            rng.choice(["processed", "returned", "stopped", "withdrawn", "not_accepted"])
        rows.append(row(
            rng.choice(procs), code=None, status=status, channel=rng.choice(["online", "in_person", "post"]),
            received_at=received, finished_at=finished,
            returned_at=moment(finished) if finished is not None and rng.random() < 0.5 else None,
            paused_since=moment() if rng.random() < 0.25 else None,
            due_at=(moment(received) if received is not None else moment()) if rng.random() < 0.9 else None,
            timeliness=rng.choice([None, "early", "on_time", "late"]),
            result_kind=rng.choice([None, "granted", "refused"]),
        ))
        # A fee paid (or not, or free), received or not: the online-payment rate's denominator.
        rows[-1].update(fee_amount=fees.choice([0, 50_000, 50_000]),
                        fee_paid_at=(received or boundaries[0]) + timedelta(hours=fees.choice([-30, 0, 5, 700]))
                        if fees.random() < 0.6 else None)
    insert_dossiers(rows)
    db.session.commit()


PERIODS_AND_MOMENTS = [
    (periods.custom(vn(2024, 12, 15).date(), vn(2025, 4, 10).date()), vn(2025, 2, 14, 12)),
    (periods.quarter(2025, 1), vn(2025, 4, 1, 0, 0)),
    (periods.quarter(2025, 1), vn(2025, 3, 31, 23, 59, 59)),
    (periods.year(2025), vn(2026, 1, 1)),
    (periods.year(2025), vn(2025, 3, 1, 0, 0)),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_day_counts_equal_the_direct_count_on_random_dossiers(app, seed):
    """The table read from the day counts gives exactly, for every month, group and figure, what
    the direct count over the dossiers (figure_conditions) gives, whatever "now" is."""
    random_dossiers(seed)
    for period, now in PERIODS_AND_MOMENTS:
        table = period_table(period, Scope(), "month", now=now)
        assert len(table.rows) == len(period.months())
        for month_row, month in zip(table.rows, period.months(), strict=True):
            alone = direct_table(month, Scope(), "agency", now=now).total.counts
            assert month_row.counts == alone, (seed, month.label(), now)
        for group_by in ("agency", "field", "procedure"):
            ours, direct = period_table(period, Scope(), group_by, now=now), direct_table(period, Scope(), group_by, now=now)
            assert {r.key: r.counts for r in ours.rows} == {r.key: r.counts for r in direct.rows}, (seed, group_by)
            # read together (the page: months and one grouping), the same two tables
            both = period_tables(period, Scope(), ("month", group_by), now=now)
            assert {r.key: r.counts for r in both[group_by].rows} == {r.key: r.counts for r in direct.rows}
            assert [r.counts for r in both["month"].rows] == [r.counts for r in table.rows]
            assert both["month"].total.counts == table.total.counts
        one = procedures_at(4, 1)[0]
        for scope in (Scope(procedure_id=one.id), Scope(field_id=one.field_id), Scope(agency_id=one.agency_id)):
            assert period_table(period, scope, "agency", now=now).total.counts == \
                direct_table(period, scope, "agency", now=now).total.counts
            both = period_tables(period, scope, ("month", "field"), now=now)
            assert both["field"].total.counts == direct_table(period, scope, "field", now=now).total.counts
            assert [r.counts for r in both["month"].rows] == \
                [r.counts for r in period_table(period, scope, "month", now=now).rows]
        # The random set is not trivial: every kind of figure is met somewhere.
        assert all(table.total.counts[f] > 0 for f in ("carried_over", "overdue", "supplement", "refused", "returned"))


def day_counts_rows() -> dict:
    """The day-count rows that hold anything, by key."""
    found = {}
    for record in db.session.execute(select(DossierDayCount.__table__)):
        values = tuple(getattr(record, name) for name in DAY_COUNTS)
        if any(values):
            found[(record.day, record.agency_id, record.procedure_id)] = values
    return found


@pytest.mark.parametrize("seed", [4, 5])
def test_every_orm_change_keeps_the_day_counts_exact(app, seed):
    """Random changes through the ORM (one or several dossiers per transaction, rollbacks,
    deletions, moves to another procedure or agency) leave exactly the table a rebuild gives."""
    import random

    random_dossiers(seed, n=80)
    rng = random.Random(seed)
    procs = procedures_at(3, 2) + procedures_at(4, 2)
    ids = list(db.session.scalars(select(Dossier.id)))
    moments = [None, vn(2025, 1, 1), vn(2025, 2, 3, 10), vn(2025, 3, 31, 23, 59, 59), vn(2025, 5, 2, 8)]
    fees = random.Random(seed + 1000)  # its own draws: the changes above stay what they were
    for step in range(60):
        for dossier_id in rng.sample(ids, rng.randint(1, 3)):
            dossier = db.session.get(Dossier, dossier_id)
            if dossier is None:
                continue
            if rng.random() < 0.3:
                db.session.expire(dossier)  # old values unknown to the session: read from the database
            with db.session.no_autoflush:  # the checks below must not flush a half-made change
                choice = rng.randrange(6)
                if choice == 0:
                    dossier.status = rng.choice(["processed", "returned", "stopped", "withdrawn", "in_process"])
                    dossier.timeliness = rng.choice([None, "early", "on_time", "late"])
                    dossier.holder_role = rng.choice([None, "specialist", "unit_leader"])  # the queue's counts
                elif choice == 1:
                    dossier.finished_at = rng.choice(moments)
                    if dossier.finished_at and dossier.received_at and dossier.finished_at < dossier.received_at:
                        dossier.finished_at = dossier.received_at
                elif choice == 2:
                    dossier.paused_since, dossier.due_at = rng.choice(moments), rng.choice(moments)
                elif choice == 3:
                    target = rng.choice(procs)
                    dossier.procedure_id, dossier.agency_id = target.id, target.agency_id
                elif choice == 4:
                    dossier.channel = rng.choice(["online", "in_person", "post"])
                    dossier.received_at = rng.choice(moments)
                    dossier.finished_at = dossier.returned_at = None
                else:
                    db.session.delete(dossier)
                    continue
                if dossier.due_at and dossier.received_at and dossier.due_at < dossier.received_at:
                    dossier.due_at = dossier.received_at  # ck_dossiers_due_after_received
                if fees.random() < 0.3:  # the fee paid, unpaid, or made free (day count fee_paid)
                    dossier.fee_paid_at, dossier.fee_amount = fees.choice(moments), fees.choice([0, 50_000])
        if step % 10 == 9:
            db.session.rollback()
        else:
            db.session.commit()
    kept = day_counts_rows()
    assert queue_counts.verify(db.session.connection()) == []  # the queue tabs' counts too
    daily.rebuild(db.session.connection())
    assert kept == day_counts_rows()
    assert kept  # not trivially empty


def test_verify_finds_a_bulk_write_that_skipped_the_day_counts_and_rebuild_repairs_it(app, runner):
    random_dossiers(7, n=120)
    assert runner.invoke(args=["stats", "verify", "--year", "2025"]).exit_code == 0
    # A bulk UPDATE bypasses the ORM flush, hence the day counts.
    table = Dossier.__table__
    db.session.execute(table.update().where(table.c.status == "in_process", table.c.finished_at.is_(None))
                       .values(finished_at=table.c.received_at, status="processed", timeliness="late"))
    db.session.commit()
    broken = runner.invoke(args=["stats", "verify", "--year", "2025"])
    assert broken.exit_code == 1
    assert "late = " in broken.output and "flask stats rebuild" in broken.output
    rebuilt = runner.invoke(args=["stats", "rebuild"])
    assert rebuilt.exit_code == 0 and "dòng" in rebuilt.output
    assert runner.invoke(args=["stats", "verify", "--year", "2025"]).exit_code == 0


def test_paid_fees_from_the_day_counts_equal_the_count_over_dossiers(app):
    """The online-payment rate's denominator, read from the day counts (fee_paid), equals the
    count of the dossiers whose fee was paid in the period, received or not, in every scope; a
    fee paid through the ORM on a dossier not yet received counts on the day it was paid."""
    from portal.statistics.queries import online_payment_ratio, online_payment_ratio_direct

    random_dossiers(9, n=200)
    one = procedures_at(4, 1)[0]
    scopes = (Scope(), Scope(procedure_id=one.id), Scope(field_id=one.field_id), Scope(agency_id=one.agency_id))
    for period, _now in PERIODS_AND_MOMENTS:
        for scope in scopes:
            assert online_payment_ratio(period, scope) == online_payment_ratio_direct(period, scope), (period, scope)
    assert online_payment_ratio(periods.year(2025)).denominator > 0
    before = online_payment_ratio(periods.quarter(2025, 2)).denominator
    draft = put(one, status="submitted", fee_amount=30_000)
    db.session.commit()
    db.session.get(Dossier, draft).fee_paid_at = vn(2025, 4, 2, 9)
    db.session.commit()
    assert online_payment_ratio(periods.quarter(2025, 2)).denominator == before + 1
    assert online_payment_ratio_direct(periods.quarter(2025, 2)).denominator == before + 1


def test_digitisation_follows_files_added_and_removed(app):
    """has_files (hence the digitisation rate from the day counts) follows every file added or
    removed through the ORM, and equals the count over dossiers and their files."""
    import random

    from portal.models import DossierFile, FileBlob
    from portal.statistics.queries import digitisation_ratio, digitisation_ratio_direct

    random_dossiers(8, n=120)
    rng = random.Random(8)
    db.session.add(FileBlob(sha256="a" * 64, size=1, content_type="application/pdf"))
    db.session.commit()
    ids = list(db.session.scalars(select(Dossier.id)))
    first = db.session.get(Dossier, ids[0])
    version = first.version
    db.session.add(DossierFile(dossier_id=ids[0], kind="document", blob_sha256="a" * 64, original_name="x.pdf"))
    db.session.commit()
    # A file is not a lifecycle step: an officer's page holding the version stays valid.
    assert (first.has_files, first.version) == (True, version)
    files = [db.session.scalar(select(DossierFile.id))]
    for _step in range(40):
        if files and rng.random() < 0.4:
            db.session.delete(db.session.get(DossierFile, files.pop(rng.randrange(len(files)))))
        else:
            row = DossierFile(dossier_id=rng.choice(ids), kind="document", blob_sha256="a" * 64, original_name="x.pdf")
            db.session.add(row)
            db.session.flush()
            files.append(row.id)
        db.session.commit()
    with_files = set(db.session.scalars(select(DossierFile.dossier_id)))
    assert set(db.session.scalars(select(Dossier.id).where(Dossier.has_files.is_(True)))) == with_files
    for period in (periods.year(2025), periods.quarter(2025, 1), periods.month(2025, 2)):
        ours, direct = digitisation_ratio(period), digitisation_ratio_direct(period)
        assert (ours.numerator, ours.denominator) == (direct.numerator, direct.denominator)
    assert digitisation_ratio(periods.year(2025)).numerator > 0
    kept = day_counts_rows()
    daily.rebuild(db.session.connection())
    assert kept == day_counts_rows()
