"""The daily public audit anchor (issue 18): anchoring, inclusion proofs checked by the
independent script, tampering found by `flask audit verify` and by the proof, idempotence, empty
days, the public page and its files, OpenSSL on the signature and the timestamp."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from portal.extensions import db
from portal.models import AuditAnchor, Dossier, DossierEvent
from portal.operations import anchors, certificates
from portal.operations.events import event_digest
from tests.conftest import require_tool
from tests.integration.lifecycle_helpers import act, build_office, new_submitted, vn

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "scripts" / "check_inclusion.py"
DAY = date(2025, 3, 4)
DAY_TEXT = DAY.isoformat()


@pytest.fixture
def office(make_user):
    return build_office(make_user)


@pytest.fixture
def day_events(office):
    """Three dossiers with events on DAY, one the evening before and one just after midnight."""
    before = new_submitted(office, vn(2025, 3, 3, 23, 59, 59))
    first = new_submitted(office, vn(2025, 3, 4, 0, 0, 0))
    second = new_submitted(office, vn(2025, 3, 4, 9, 30))
    act(second.id, "accept", office.officer, vn(2025, 3, 4, 10, 0))
    third = new_submitted(office, vn(2025, 3, 4, 23, 59, 59))
    act(first.id, "accept", office.officer, vn(2025, 3, 5, 0, 0, 0))
    return {"before": before.id, "first": first.id, "second": second.id, "third": third.id}


def _event(dossier_id: int, action: str) -> DossierEvent:
    return db.session.scalar(select(DossierEvent).where(DossierEvent.dossier_id == dossier_id,
                                                        DossierEvent.action == action))


def _anchor(runner, day: str = DAY_TEXT):
    result = runner.invoke(args=["audit", "anchor", "--day", day])
    assert result.exit_code == 0, result.output
    return result


def _prove(runner, event_id: int):
    result = runner.invoke(args=["audit", "prove", str(event_id)])
    proof = json.loads(result.output[:result.output.rindex("}") + 1])
    return result, proof


def _check(tmp_path, proof: dict, statement: bytes) -> subprocess.CompletedProcess:
    (tmp_path / "proof.json").write_text(json.dumps(proof), encoding="utf-8")
    (tmp_path / "statement.json").write_bytes(statement)
    return subprocess.run([sys.executable, "-I", str(CHECKER), str(tmp_path / "proof.json"),
                           "--statement", str(tmp_path / "statement.json")], capture_output=True, text=True)


def test_the_day_holds_exactly_its_events(app, runner, day_events):
    _anchor(runner)
    row = anchors.anchor_of(DAY)
    expected = [_event(day_events["first"], "submit"), _event(day_events["second"], "submit"),
                _event(day_events["second"], "accept"), _event(day_events["third"], "submit")]
    assert row.event_count == 4
    from signatures import merkle

    assert row.root == merkle.root([bytes.fromhex(e.hash) for e in expected]).hex()
    statement = json.loads(row.statement)
    assert statement["day"] == DAY_TEXT and statement["root"] == row.root and statement["event_count"] == 4
    assert statement["events_from"] == "2025-03-03T17:00:00.000000Z"


def test_a_proof_verifies_with_the_independent_script(app, client, runner, day_events, tmp_path):
    _anchor(runner)
    statement = client.get(f"/kiem-chung/nhat-ky/{DAY_TEXT}.json")
    assert statement.status_code == 200
    for dossier_id, action in ((day_events["first"], "submit"), (day_events["second"], "accept"),
                               (day_events["third"], "submit")):
        result, proof = _prove(runner, _event(dossier_id, action).id)
        assert result.exit_code == 0, result.output
        checked = _check(tmp_path, proof, statement.data)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.startswith("OK")
    # another day's root does not accept it
    wrong = json.loads(statement.data)
    wrong["root"] = hashlib.sha256(b"").hexdigest()
    assert _check(tmp_path, proof, json.dumps(wrong).encode()).returncode == 1


def test_verify_passes_on_intact_anchors(app, runner, day_events):
    _anchor(runner)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "1 ngày đã neo" in result.output


def test_anchoring_twice_changes_nothing(app, runner, day_events):
    _anchor(runner)
    row = anchors.anchor_of(DAY)
    before = (row.id, row.root, row.statement, row.signature, row.timestamp_token)
    again = _anchor(runner)
    assert "không đổi" in again.output
    row = anchors.anchor_of(DAY)
    assert (row.id, row.root, row.statement, row.signature, row.timestamp_token) == before
    assert db.session.scalar(select(db.func.count()).select_from(AuditAnchor)) == 1


def test_every_finished_day_is_anchored_once_by_default(app, day_events):
    now = vn(2025, 3, 7, 1, 0)  # 5 and 6 March are finished, 7 March is not
    created = anchors.anchor_pending(now)
    days = {row.day: row for row in created}
    assert {DAY, date(2025, 3, 5), date(2025, 3, 6)} <= set(days)
    assert date(2025, 3, 7) not in days
    assert days[date(2025, 3, 6)].event_count == 0  # a quiet day: the empty tree
    assert days[date(2025, 3, 6)].root == hashlib.sha256(b"").hexdigest()
    assert days[date(2025, 3, 5)].event_count == 1
    assert anchors.anchor_pending(now) == []
    assert anchors.pending_days(vn(2025, 3, 7, 0, 5)) == []  # the grace period after midnight


def test_an_unfinished_day_is_refused(app, runner, day_events):
    today = anchors.vn_day(anchors.utcnow())
    result = runner.invoke(args=["audit", "anchor", "--day", today.isoformat()])
    assert result.exit_code != 0 and "chưa kết thúc" in result.output
    assert anchors.anchor_of(today) is None


def test_a_timestamp_authority_that_does_not_answer_stores_nothing(app, runner, day_events, monkeypatch):
    monkeypatch.setitem(app.config, "TSA_URL", "http://127.0.0.1:9/tsa")
    result = runner.invoke(args=["audit", "anchor", "--day", DAY_TEXT])
    assert result.exit_code != 0 and "dấu thời gian" in result.output
    assert anchors.anchor_of(DAY) is None


def _tamper_hash(event: DossierEvent) -> None:
    db.session.execute(text("UPDATE dossier_events SET hash = :h WHERE id = :id"),
                       {"h": hashlib.sha256(b"forged").hexdigest(), "id": event.id})


def _tamper_comment(event: DossierEvent) -> None:
    db.session.execute(text("UPDATE dossier_events SET comment = 'sửa lén' WHERE id = :id"), {"id": event.id})


def _rewrite_history(event: DossierEvent) -> None:
    """An insider edits an event and recomputes its hash, every later hash of the dossier and the
    dossier's anchor: the chains verify again, only the published root can tell."""
    event.comment = "sửa lén"
    event.at = event.at - timedelta(hours=3)
    later = db.session.scalars(select(DossierEvent).where(DossierEvent.dossier_id == event.dossier_id)
                               .order_by(DossierEvent.seq)).all()
    previous = None
    for row in later:
        if previous is not None:
            row.prev_hash = previous
        row.hash = event_digest(row)
        previous = row.hash
    db.session.get(Dossier, event.dossier_id).last_event_hash = previous
    db.session.flush()


@pytest.mark.parametrize("tamper", [_tamper_hash, _tamper_comment, _rewrite_history])
def test_a_changed_event_fails_verify_and_the_proof(app, client, runner, day_events, tmp_path, tamper):
    _anchor(runner)
    statement = client.get(f"/kiem-chung/nhat-ky/{DAY_TEXT}.json").data
    event = _event(day_events["second"], "submit")
    tamper(event)
    db.session.commit()
    db.session.expire_all()
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code != 0
    if tamper is _rewrite_history:
        from portal.operations.events import verify_chains

        assert verify_chains()[1] == []  # the chains alone no longer see it
        assert f"NGÀY {DAY_TEXT}" in verified.output
    result, proof = _prove(runner, event.id)
    assert result.exit_code != 0 and "KHÔNG khớp" in result.output
    checked = _check(tmp_path, proof, statement)
    assert checked.returncode == 1 and "FAILED" in checked.stdout


def test_a_changed_signature_or_timestamp_fails_verify(app, runner, day_events):
    _anchor(runner)
    row = anchors.anchor_of(DAY)
    row.statement = row.statement.replace('"event_count": 4', '"event_count": 3')
    db.session.commit()
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code != 0 and "signature" in verified.output
    assert "disagrees" in verified.output


def test_a_deleted_anchor_between_days_is_found(app, day_events):
    anchors.anchor_pending(vn(2025, 3, 7, 1, 0))
    db.session.delete(anchors.anchor_of(date(2025, 3, 5)))
    db.session.flush()
    _, problems = anchors.verify_anchors()
    assert [(p.day, p.problem) for p in problems] == [(date(2025, 3, 5), "events of this day were never anchored")]


def test_the_public_page_and_files(app, client, runner, day_events):
    _anchor(runner)
    row = anchors.anchor_of(DAY)
    page = client.get("/kiem-chung/nhat-ky/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert row.root in html and "04/03/2025" in html and f"{DAY_TEXT}.p7s" in html
    assert client.get(f"/kiem-chung/nhat-ky/{DAY_TEXT}.json").data == row.statement.encode()
    assert client.get(f"/kiem-chung/nhat-ky/{DAY_TEXT}.p7s").data == row.signature
    assert client.get(f"/kiem-chung/nhat-ky/{DAY_TEXT}.tst").data == row.timestamp_token
    listing = client.get("/kiem-chung/nhat-ky/index.json").get_json()
    assert listing["anchors"][-1]["root"] == row.root
    assert "BEGIN CERTIFICATE" in client.get("/kiem-chung/nhat-ky/chung-thu.pem").get_data(as_text=True)
    for missing in ("2025-03-09.json", "x.json", f"{DAY_TEXT}.exe", "2025-02-30.p7s"):
        assert client.get(f"/kiem-chung/nhat-ky/{missing}").status_code == 404
    assert client.get("/kiem-chung/nhat-ky/?trang=abc").status_code == 200


def test_openssl_checks_the_signature_and_the_timestamp(app, client, runner, day_events, tmp_path):
    require_tool("openssl")
    _anchor(runner)
    row = anchors.anchor_of(DAY)
    for kind in ("json", "p7s", "tst"):
        (tmp_path / f"day.{kind}").write_bytes(client.get(f"/kiem-chung/nhat-ky/{DAY_TEXT}.{kind}").data)
    (tmp_path / "root.pem").write_text(certificates.root_pem(), encoding="ascii")
    cms = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "day.p7s", "-content", "day.json",
           "-CAfile", "root.pem", "-purpose", "any", "-out", "/dev/null"]
    ts = ["openssl", "ts", "-verify", "-token_in", "-in", "day.tst", "-digest", row.root, "-CAfile", "root.pem"]
    for command in (cms, ts):
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    (tmp_path / "day.json").write_bytes(row.statement.replace(row.root, "0" * 64).encode())
    assert subprocess.run(cms, cwd=tmp_path, capture_output=True).returncode != 0
    ts[ts.index("-digest") + 1] = "0" * 64
    assert subprocess.run(ts, cwd=tmp_path, capture_output=True).returncode != 0
