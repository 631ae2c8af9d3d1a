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
