"""flask demo generate: realistic, deterministic bulk dossiers that the queue and audit accept."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Dossier, DossierCodeCounter
from portal.operations.events import verify_chains


def _rows(after_id: int):
    return db.session.execute(select(Dossier.procedure_id, Dossier.status, Dossier.channel, Dossier.applicant,
                                     Dossier.received_at, Dossier.due_at, Dossier.timeliness)
                              .where(Dossier.id > after_id).order_by(Dossier.id)).all()


def test_demo_generate_is_realistic_and_deterministic(app, runner):
    args = ["demo", "generate", "--dossiers", "400", "--seed", "5", "--today", "2026-11-23", "--events", "40",
            "--batch", "150"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Đã tạo 400 hồ sơ" in result.output
    first = _rows(0)
    assert len(first) == 400
    statuses = {r.status for r in first}
    assert {"returned", "in_process", "not_accepted"} <= statuses
    assert {r.channel for r in first} == {"online", "in_person", "post"}
    assert any(r.timeliness == "late" for r in first) and any(r.timeliness == "early" for r in first)
    assert all(r.due_at is None or r.due_at >= r.received_at for r in first)
    codes = db.session.scalars(select(Dossier.code).where(Dossier.code.is_not(None))).all()
    assert len(codes) == len(set(codes)) and db.session.scalar(select(func.count()).select_from(DossierCodeCounter))
    checked, breaks = verify_chains()
    assert checked >= 40 * 2 and breaks == []
    for year in ("2025", "2026"):  # bulk inserts keep the dashboard's day counts exact
        verified = runner.invoke(args=["stats", "verify", "--year", year])
        assert verified.exit_code == 0 and "khớp" in verified.output, verified.output
    last_id = max(db.session.scalars(select(Dossier.id)))
    assert runner.invoke(args=args).exit_code == 0
    second = _rows(last_id)
    assert [tuple(r) for r in second] == [tuple(r) for r in first]  # same seed and day: same dossiers
    codes = db.session.scalars(select(Dossier.code).where(Dossier.code.is_not(None))).all()
    assert len(codes) == len(set(codes))  # the second run continued the code sequences


def test_generate_if_empty_adds_nothing_to_a_filled_database(runner):
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models import Dossier

    first = runner.invoke(args=["demo", "generate", "--dossiers", "50", "--if-empty"])
    assert first.exit_code == 0, first.output
    count = db.session.scalar(select(func.count(Dossier.id)))
    assert count >= 50
    again = runner.invoke(args=["demo", "generate", "--dossiers", "50", "--if-empty"])
    assert again.exit_code == 0 and "không sinh thêm" in again.output
    assert db.session.scalar(select(func.count(Dossier.id))) == count


def test_an_interrupted_run_resumes_where_it_stopped(app, runner):
    """Each batch stores its dossiers, code counters and the run's progress together; the same
    command continues an interrupted run, and the result equals an uninterrupted run."""
    from datetime import date

    import pytest

    from portal.demo import generate
    from portal.models import DemoRun
    from workflow.codes import parse_code

    class Stop(Exception):
        pass

    batches = []

    def stop_after_two(k):
        batches.append(k)
        if len(batches) == 2:
            raise Stop

    with pytest.raises(Stop):
        generate(300, seed=9, today=date(2026, 11, 23), batch=100, events=20, progress=stop_after_two)
    db.session.rollback()
    assert len(_rows(0)) == 200
    run = db.session.scalar(select(DemoRun))
    assert (run.done, run.finished_at) == (200, None)
    # the counters already cover every code written (a real reception would continue after them)
    last = {}
    for code in db.session.scalars(select(Dossier.code).where(Dossier.code.is_not(None))):
        agency, day, sequence = parse_code(code)
        last[(agency, day)] = max(last.get((agency, day), 0), sequence)
    from portal.models import Agency

    identifiers = dict(db.session.execute(select(Agency.id, Agency.identifier)).all())
    stored: dict = {}
    for c in db.session.execute(select(DossierCodeCounter)).scalars():
        key = (identifiers[c.agency_id], c.day)
        stored[key] = max(stored.get(key, 0), c.last_sequence)
    assert all(stored.get(key, 0) >= sequence for key, sequence in last.items()), \
        [(key, sequence, stored.get(key)) for key, sequence in last.items() if stored.get(key, 0) < sequence]

    args = ["demo", "generate", "--dossiers", "300", "--seed", "9", "--today", "2026-11-23", "--events", "20",
            "--batch", "100"]
    resumed = runner.invoke(args=args)
    assert resumed.exit_code == 0, resumed.output
    assert "Tiếp tục" in resumed.output and "200/300" in resumed.output and "Đã tạo 100 hồ sơ" in resumed.output
    first = _rows(0)
    assert len(first) == 300
    db.session.expire_all()
    assert db.session.get(DemoRun, run.id).finished_at is not None
    for year in ("2025", "2026"):  # the day counts were rebuilt at the end
        verified = runner.invoke(args=["stats", "verify", "--year", year])
        assert verified.exit_code == 0 and "khớp" in verified.output, verified.output
    last_id = max(db.session.scalars(select(Dossier.id)))
    again = runner.invoke(args=args)  # finished: the same command starts a new run, the same dossiers
    assert again.exit_code == 0 and "Tiếp tục" not in again.output
    assert [tuple(r) for r in _rows(last_id)] == [tuple(r) for r in first]
    checked, breaks = verify_chains()
    assert checked >= 2 * 20 and breaks == []


def test_months_spreads_the_data_and_is_part_of_the_run(app, runner):
    """``--months`` sets the span the dossiers are received in; the span belongs to the run's
    identity (an unfinished run is resumed only by the same span), and a span with a whole
    past year keeps that year's day counts exact."""
    from datetime import date

    import pytest

    from portal.demo import generate, months_before
    from portal.models import DemoRun
    from workflow.calendar import VN_TZ

    today = date(2026, 11, 23)
    args = ["demo", "generate", "--dossiers", "300", "--seed", "4", "--today", "2026-11-23", "--events", "10",
            "--batch", "100", "--months", "23"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    days = [r.received_at.astimezone(VN_TZ).date() for r in _rows(0) if r.received_at is not None]
    first = months_before(today, 23)
    assert first == date(2024, 12, 23)
    assert all(first <= day <= today for day in days)
    # the whole span is used: dossiers in the first and in the last of its twelfths
    twelfth = (today - first) / 12
    assert any(day < first + twelfth for day in days) and any(day > today - twelfth for day in days)
    assert any(day.year == 2025 and day.month == 1 for day in days)
    run = db.session.scalar(select(DemoRun))
    assert (run.months, run.done) == (23, 300) and run.finished_at is not None
    for year in ("2025", "2026"):
        verified = runner.invoke(args=["stats", "verify", "--year", year])
        assert verified.exit_code == 0 and "khớp" in verified.output, verified.output

    # the default span holds the last 12 months only
    last_id = max(db.session.scalars(select(Dossier.id)))
    assert runner.invoke(args=args[:-2]).exit_code == 0
    recent = [r.received_at.astimezone(VN_TZ).date() for r in _rows(last_id) if r.received_at is not None]
    assert recent and all(months_before(today, 12) <= day <= today for day in recent)

    class Stop(Exception):
        pass

    def stop(_k):
        raise Stop

    with pytest.raises(Stop):  # an unfinished run over 6 months ...
        generate(200, seed=4, today=today, months=6, batch=100, events=10, progress=stop)
    db.session.rollback()
    # ... is not resumed by the same command with another span, which starts its own run
    other = runner.invoke(args=["demo", "generate", "--dossiers", "200", "--seed", "4", "--today", "2026-11-23",
                                "--events", "10", "--batch", "100", "--months", "7"])
    assert other.exit_code == 0 and "Tiếp tục" not in other.output, other.output
    same = runner.invoke(args=["demo", "generate", "--dossiers", "200", "--seed", "4", "--today", "2026-11-23",
                               "--events", "10", "--batch", "100", "--months", "6"])
    assert same.exit_code == 0 and "Tiếp tục" in same.output and "100/200" in same.output, same.output
    runs = {(r.months, r.total): r for r in db.session.scalars(select(DemoRun))}
    assert runs[(6, 200)].finished_at is not None and runs[(7, 200)].finished_at is not None


def test_a_bad_span_is_refused_with_nothing_written(runner):
    result = runner.invoke(args=["demo", "generate", "--dossiers", "10", "--months", "0"])
    assert result.exit_code != 0 and "--months" in result.output
    assert db.session.scalar(select(func.count(Dossier.id))) == 0
