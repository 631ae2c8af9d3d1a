"""Catalogue fixes of #12: the mortgage registration's level, the longer limits of remote areas
for complaints, the permit flag behind the permit target, and no internal notes in public."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, Dossier, Procedure
from portal.operations import commands
from portal.operations.calendar import working_calendar
from portal.operations.catalogue import procedure_problems, read_catalogue
from portal.statistics import periods
from portal.statistics.indicators import permit_online_ratio
from tests.conftest import PASSWORD
from tests.integration.lifecycle_helpers import build_office, new_submitted, vn
from tests.integration.office_helpers import fast_passwords  # noqa: F401

NOTES = ("chưa xác minh", "chưa xác định", "đang được đối chiếu", "chưa đối chiếu", "unverified")


def _procedure(code: str) -> Procedure:
    return db.session.scalar(select(Procedure).where(Procedure.code == code))


def test_the_mortgage_registration_asks_for_the_original_certificate_so_it_is_level_3(app):
    p = _procedure("LC-22")
    assert p.level == 3 and "online" not in p.result_delivery
    certificate = next(d for d in p.documents if d["key"] == "giay-chung-nhan")
    assert certificate["original"] == "original" and "Bản gốc" in certificate["name_vi"]


def test_permits_are_flagged_and_counted_by_the_flag(app):
    flagged = set(db.session.scalars(select(Procedure.code).where(Procedure.permit.is_(True))))
    # certificates and licences whose names do not say "giấy phép" are permits too
    assert {"1.009645", "LC-02", "LC-04", "LC-10", "LC-21", "LC-23"} <= flagged
    assert not flagged & {"LC-12", "LC-16", "LC-22", "LC-29"}
    start = vn(2026, 3, 2, 8, 0)
    for code, channel in (("LC-21", "online"), ("LC-21", "in_person"), ("LC-12", "online")):
        p = _procedure(code)
        db.session.add(Dossier(procedure_id=p.id, agency_id=p.agency_id, channel=channel, status="in_process",
                               form_version=1, form_snapshot=[], form_data={}, applicant={}, pauses=[],
                               received_at=start, due_at=start + timedelta(days=20)))
    db.session.flush()
    ratio = permit_online_ratio(periods.custom(start.date(), start.date()))
    assert (ratio.numerator, ratio.denominator) == (1, 2)  # LC-21 counted, LC-12 (a record extract) not


@pytest.fixture
def complaints(make_user, fast_passwords):  # noqa: F811
    return build_office(make_user, _procedure("LC-29"), prefix="kn")


def _accept(office, **values):
    dossier = new_submitted(office, vn(2026, 11, 23, 7, 0))
    required = [d["key"] for d in office.procedure.documents if d.get("required")]
    commands.run(dossier.id, "accept", office.officer, {"version": dossier.version, "checked": required, **values},
                 now=vn(2026, 11, 23, 7, 30))
    db.session.commit()
    return db.session.get(Dossier, dossier.id)


def _days(dossier) -> float:
    return dossier.budget_minutes / 480


def test_complaints_in_remote_areas_get_the_longer_limit(complaints):
    assert complaints.procedure.processing_days == 30 and complaints.procedure.remote_processing_days == 45
    assert _days(_accept(complaints)) == 30
    marked = _accept(complaints, remote_area=True)  # the desk marks the case at reception
    assert _days(marked) == 45 and marked.remote_area
    assert marked.due_at == working_calendar(marked.agency_id).add_working_minutes(marked.received_at, 45 * 480)
    agency = db.session.get(Agency, complaints.procedure.agency_id)
    agency.remote_area = True  # a commune of a remote area: every case there
    db.session.commit()
    assert _days(_accept(complaints)) == 45


def test_the_remote_flag_means_nothing_where_the_procedure_has_no_longer_limit(make_user, fast_passwords):  # noqa: F811
    office = build_office(make_user)
    assert office.procedure.remote_processing_days is None
    dossier = _accept(office, remote_area=True)
    assert not dossier.remote_area and _days(dossier) == office.procedure.processing_days


def test_bad_optional_catalogue_keys_are_named(app):
    data = read_catalogue()
    entry = dict(next(p for _name, p in data.procedures if p["code"] == "LC-29"))
    fields_, agencies = {entry["field"]}, {entry["agency"]}
    assert procedure_problems(entry, fields_, agencies) == []
    for bad, code in (({"remote_processing_days": 10}, "catalogue_bad_remote_days"),
                      ({"clock_rules": {"fee_pauses": "no"}}, "catalogue_bad_clock_rules"),
                      ({"clock_rules": {"stop": True}}, "catalogue_bad_clock_rules"),
                      ({"permit": "yes"}, "catalogue_bad_permit")):
        assert [p.code for p in procedure_problems({**entry, **bad}, fields_, agencies)] == [code]


def test_public_pages_show_no_internal_notes_but_administrators_see_them(client, pages, make_user):
    public = client.get("/thu-tuc/LC-22").get_data(as_text=True)
    assert public.count("80.000 đồng") >= 1 and not any(note in public for note in NOTES)
    assert "Đăng ký thế chấp" in public
    api = json.dumps(client.get("/api/v1/procedures/LC-22").get_json(), ensure_ascii=False)
    assert not any(note in api for note in NOTES) and "note_vi" not in api
    make_user(role="admin", username="quantrivien")
    pages.login("quantrivien", PASSWORD)
    admin = client.get("/thu-tuc/LC-22").get_data(as_text=True)
    assert "chưa xác minh" in admin and "đang được đối chiếu" in admin
