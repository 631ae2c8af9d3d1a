"""The population database behind registration, the profile and the filing forms, tested against
its simulator running as its own process (docs/population-registry.md): confirmation and prefill,
a mismatch told plainly and never corrected, a number not registered, the registry down (the work
goes on, marked unconfirmed), every lookup in the audit log, and where each profile field came from."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Dossier, User
from portal.operations import citizen_registry, filing, vneid
from portal.operations.filing import FilingError
from tests.conftest import PASSWORD, csrf_token_from
from tests.integration import registry_helpers
from tests.integration.filing_helpers import attach_required, procedure
from tests.integration.registry_helpers import NHUNG

# The simulator's fixtures (tests/integration/registry_helpers.py).
population_registry, registry = registry_helpers.population_registry, registry_helpers.registry

pytestmark = pytest.mark.usefixtures("registry")

ADDRESS = NHUNG["permanent_address"]
MISMATCH = "Họ và tên không khớp với số định danh cá nhân trong Cơ sở dữ liệu quốc gia về dân cư"
NOT_FOUND = "Số định danh cá nhân này không có trong Cơ sở dữ liệu quốc gia về dân cư"


def lookups() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == citizen_registry.ACTION)
                                    .order_by(AuditEntry.id)))


def account(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def register(pages, **changes):
    fields = {"full_name": NHUNG["full_name"], "id_number": NHUNG["id_number"], "phone": "0912345678",
              "email": "", "username": "nhung.lc", "password": PASSWORD, "confirm": PASSWORD, **changes}
    return pages.submit("/dang-ky", fields)


def login(pages, username: str):
    assert pages.login(username, PASSWORD).status_code == 302


def without_registry(app, monkeypatch):
    monkeypatch.setitem(app.config, "POPULATION_REGISTRY_URL", "")


# ---------------------------------------------------------------------------------------------
# Registration


def test_registration_is_confirmed_and_takes_the_registered_address_and_birth_date(pages, registry):
    answer = register(pages, full_name="nguyễn  thị hồng nhung")  # case and spacing do not matter
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    user = account("nhung.lc")
    assert user.identity_status == "confirmed" and user.identity_checked_at is not None
    assert user.full_name == NHUNG["full_name"] and user.address == ADDRESS
    assert user.date_of_birth == date(1990, 5, 14)
    assert citizen_registry.sources_of(user) == {
        "full_name": "population_registry", "id_number": "population_registry", "address": "population_registry",
        "date_of_birth": "population_registry", "phone": "citizen"}
    [asked] = registry.lookups()
    assert asked["id_number"] == NHUNG["id_number"] and asked["purpose"] == "registration"
    assert asked["requester"] == {"system": "cong-dvc-lai-chau", "user": "anonymous"}
    [entry] = lookups()
    assert entry.object_type == "person" and entry.object_id == NHUNG["id_number"] and entry.actor == "anonymous"
    assert entry.details["purpose"] == "registration" and entry.details["outcome"] == "confirmed"
    assert entry.address


def test_a_name_that_does_not_match_is_refused_plainly_and_nothing_is_created(pages, registry):
    answer = register(pages, full_name="Nguyen Thi Hong Nhung")  # without diacritics: not the registered name
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert MISMATCH in html and 'id="full_name-error"' in html
    assert account("nhung.lc") is None
    [entry] = lookups()  # the lookup itself is kept in the audit log
    assert entry.details["outcome"] == "mismatch" and entry.object_id == NHUNG["id_number"]


def test_a_number_not_in_the_registry_is_refused(pages, registry):
    answer = register(pages, id_number="012190999999")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert NOT_FOUND in html and 'id="id_number-error"' in html
    assert account("nhung.lc") is None
    assert [e.details["outcome"] for e in lookups()] == ["not_found"]


@pytest.mark.parametrize("failure", ["down", "slow", "forged", "wrong_secret"])
def test_registration_works_when_the_registry_does_not_answer_and_is_marked_unconfirmed(
        pages, registry, app, monkeypatch, failure):
    if failure == "down":
        registry.control(fail_next=1, fail_status=503)
    elif failure == "slow":
        monkeypatch.setitem(app.config, "POPULATION_REGISTRY_TIMEOUT_SECONDS", 0.5)
        registry.control(sleep_next=1, sleep_seconds=2)
    elif failure == "forged":
        registry.control(bad_signature_next=1)  # an answer not signed with the shared secret
    else:
        monkeypatch.setitem(app.config, "POPULATION_REGISTRY_SECRET", "not-the-shared-secret")
    answer = register(pages)
    assert answer.status_code == 302
    user = account("nhung.lc")
    assert user.identity_status == "unconfirmed" and user.address is None and user.date_of_birth is None
    assert citizen_registry.sources_of(user)["full_name"] == "citizen"
    [entry] = lookups()
    assert entry.details["outcome"] == "unavailable"
    assert entry.details["reason"] == {"down": "HTTP 503", "slow": "timeout", "forged": "answer not signed by the registry",
                                       "wrong_secret": "HTTP 401"}[failure]
    if failure == "wrong_secret":
        assert registry.refused_signatures() == 1


def test_without_a_registry_nothing_is_asked(pages, registry, app, monkeypatch):
    without_registry(app, monkeypatch)
    assert register(pages).status_code == 302
    user = account("nhung.lc")
    assert user.identity_status is None and lookups() == [] and registry.lookups() == []
    assert citizen_registry.sources_of(user)["full_name"] == "citizen"


def test_the_registration_api_gives_the_same_refusal(client, registry):
    answer = client.post("/api/v1/auth/register", json={
        "username": "nhung.api", "password": PASSWORD, "full_name": "Nguyễn Thị Nhung", "id_number": NHUNG["id_number"],
        "phone": "0912345678"})
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["error"]["code"] == "registry_mismatch" and MISMATCH in body["error"]["message"]
    assert account("nhung.api") is None and [e.details["outcome"] for e in lookups()] == ["mismatch"]


def test_names_cannot_be_tested_against_numbers_in_bulk(pages, registry, app, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTRY_LOOKUPS_PER_WINDOW", 2)
    for guess in ("Nguyễn Văn An", "Nguyễn Thị Bình"):
        assert MISMATCH in register(pages, full_name=guess).get_data(as_text=True)
    answer = register(pages)  # even the right name: this address has asked enough for now
    assert "quá nhiều lần đăng ký từ địa chỉ mạng này" in answer.get_data(as_text=True)
    assert account("nhung.lc") is None and len(registry.lookups()) == 2


# ---------------------------------------------------------------------------------------------
# The profile


def test_the_profile_shows_where_each_field_came_from(client, pages, registry):
    register(pages)
    login(pages, "nhung.lc")
    html = client.get("/tai-khoan").get_data(as_text=True)
    assert html.count("Nguồn: Cơ sở dữ liệu quốc gia về dân cư") == 4
    assert 'data-field="phone">(Nguồn: do công dân tự khai)' in html
    assert ADDRESS in html and "14/05/1990" in html
    assert "đã được xác minh với Cơ sở dữ liệu quốc gia về dân cư" in html


def test_an_account_opened_by_vneid_names_vneid_as_the_source(client, pages, registry, app):
    identity = vneid.VneidIdentity(subject="sub-1", id_number="012190000101", full_name="Lò Văn Minh",
                                   phone="0912000101")
    user = vneid.sign_in(identity, client_address="127.0.0.1").user
    db.session.commit()
    assert citizen_registry.sources_of(user) == {"full_name": "vneid", "id_number": "vneid", "phone": "vneid"}
    outcome = citizen_registry.confirm_profile(user, client_address="127.0.0.1")
    db.session.commit()
    assert outcome.confirmed and set(outcome.changes) == {"date_of_birth", "address"}
    assert citizen_registry.sources_of(user) == {
        "full_name": "population_registry", "id_number": "population_registry", "phone": "vneid",
        "date_of_birth": "population_registry", "address": "population_registry"}


def test_the_citizen_confirms_the_profile_from_the_profile_page(client, pages, registry, app, monkeypatch):
    without_registry(app, monkeypatch)
    register(pages)
    monkeypatch.setitem(app.config, "POPULATION_REGISTRY_URL", registry.url)
    login(pages, "nhung.lc")
    page = client.get("/tai-khoan").get_data(as_text=True)
    assert "Xác minh và cập nhật từ CSDL quốc gia về dân cư" in page
    answer = client.post("/tai-khoan/xac-minh-dan-cu", data={"csrf_token": csrf_token_from(page)}, follow_redirects=True)
    assert "Đã xác minh họ tên và số định danh" in answer.get_data(as_text=True)
    user = account("nhung.lc")
    assert user.address == ADDRESS and user.date_of_birth == date(1990, 5, 14) and user.identity_status == "confirmed"
    [entry] = lookups()
    assert entry.user_id == user.id and entry.details == {"purpose": "profile", "outcome": "confirmed", "account": user.id}
    changed = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.registry_confirmed"))
    assert changed.details["after"] == {"date_of_birth": "1990-05-14", "address": ADDRESS}


def test_the_api_confirms_the_account(client, pages, registry, app, monkeypatch):
    without_registry(app, monkeypatch)
    register(pages)
    monkeypatch.setitem(app.config, "POPULATION_REGISTRY_URL", registry.url)
    token = client.post("/api/v1/auth/token", json={"username": "nhung.lc", "password": PASSWORD}).get_json()["token"]
    answer = client.post("/api/v1/me/identity", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["outcome"] == "confirmed" and body["changed"] == ["address", "date_of_birth"]
    assert body["date_of_birth"] == "1990-05-14" and body["sources"]["address"] == "population_registry"


def test_a_registry_down_leaves_the_profile_as_it_was(client, pages, registry, app, monkeypatch):
    without_registry(app, monkeypatch)
    register(pages)
    monkeypatch.setitem(app.config, "POPULATION_REGISTRY_URL", registry.url)
    registry.control(fail_next=1)
    user = account("nhung.lc")
    outcome = citizen_registry.confirm_profile(user, client_address="127.0.0.1")
    assert not outcome.confirmed and outcome.changes == {} and user.address is None
    assert user.identity_status == "unconfirmed"


# ---------------------------------------------------------------------------------------------
# The filing forms (LC-12: the judicial record certificate asks for the applicant's name, ID
# number, date of birth and permanent residence)


@pytest.fixture
def nhung(pages, registry, app, monkeypatch):
    """A citizen registered while the registry was off (nothing in the profile but what she typed)."""
    without_registry(app, monkeypatch)
    assert register(pages).status_code == 302
    monkeypatch.setitem(app.config, "POPULATION_REGISTRY_URL", registry.url)
    login(pages, "nhung.lc")
    return account("nhung.lc")


def lc12_form(html: str, **changes) -> dict:
    return {"full_name": NHUNG["full_name"], "id_number": NHUNG["id_number"], "birth_date": "1990-05-14",
            "residence": ADDRESS, "certificate_type": "1", "copies": "1", "purpose": "Xin việc", "phone": "0912345678",
            "email": "", "step": "next", "csrf_token": csrf_token_from(html),
            "idempotency_key": html.split('name="idempotency_key" value="')[1].split('"')[0], **changes}


def test_the_filing_form_is_prefilled_from_the_registry(client, nhung, registry):
    page = client.get("/ho-so/nop/LC-12")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    birth = re.search(r'<input[^>]*name="birth_date"[^>]*>', html).group(0)
    residence = re.search(r'<input[^>]*name="residence"[^>]*>', html).group(0)
    assert 'value="1990-05-14"' in birth and f'value="{ADDRESS}"' in residence
    # the notice, and the name, date of birth and residence fields' hints
    assert html.count("Lấy từ Cơ sở dữ liệu quốc gia về dân cư") == 4
    assert re.search(r'id="birth_date-hint">[^<]*Lấy từ Cơ sở dữ liệu quốc gia về dân cư', html)
    assert not re.search(r'id="phone-hint">[^<]*Lấy từ Cơ sở dữ liệu', html)
    [asked] = registry.lookups()
    assert asked["purpose"] == "filing_prefill" and asked["requester"]["user"] == "nhung.lc"
    [entry] = lookups()
    assert entry.details == {"purpose": "filing_prefill", "outcome": "confirmed", "account": nhung.id,
                             "procedure": "LC-12"}
    # the profile is not changed by opening a form
    assert account("nhung.lc").address is None


def test_a_confirmed_filing_is_stamped_and_submitted_without_asking_again(client, nhung, registry):
    html = client.get("/ho-so/nop/LC-12").get_data(as_text=True)
    answer = client.post("/ho-so/nop/LC-12", data=lc12_form(html))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    dossier = db.session.scalar(select(Dossier).where(Dossier.applicant_id == nhung.id))
    stamp = dossier.applicant["registry"]
    assert stamp["status"] == "confirmed" and stamp["address_as_registered"] is True
    attach_required(dossier, nhung)
    db.session.commit()
    filing.submit(dossier.id, nhung, client_address="127.0.0.1")
    db.session.commit()
    assert dossier.status == "submitted"
    assert [a["purpose"] for a in registry.lookups()] == ["filing_prefill", "filing"]  # not again at submission
    assert [e.details["purpose"] for e in lookups()] == ["filing_prefill", "filing"]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"full_name": "Nguyễn Thị Hồng Nhungg"}, "full_name", MISMATCH),
    ({"id_number": "012190999999"}, "id_number", NOT_FOUND),
    ({"birth_date": "1990-05-15"}, "birth_date", "Ngày sinh không khớp với ngày sinh đã đăng ký"),
])
def test_data_the_registry_contradicts_is_refused_with_a_clear_message(client, nhung, registry, change, field, message):
    html = client.get("/ho-so/nop/LC-12").get_data(as_text=True)
    answer = client.post("/ho-so/nop/LC-12", data=lc12_form(html, **change))
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert message in page and f'id="{field}-error"' in page
    # what the citizen typed is shown back as typed, never corrected
    assert f'value="{next(iter(change.values()))}"' in page
    assert db.session.scalar(select(Dossier).where(Dossier.applicant_id == nhung.id)) is None
    entry = lookups()[-1]
    assert entry.details["purpose"] == "filing" and entry.details["procedure"] == "LC-12"
    assert entry.object_id == change.get("id_number", NHUNG["id_number"])


def test_filing_works_while_the_registry_is_down_and_is_marked_unconfirmed(client, pages, nhung, registry, make_user):
    registry.control(fail_next=3)  # the prefill, the form's check and the submission's check
    page = client.get("/ho-so/nop/LC-12")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "tạm thời không phản hồi nên tờ khai chưa được điền sẵn" in html
    answer = client.post("/ho-so/nop/LC-12", data=lc12_form(html), follow_redirects=True)
    assert answer.status_code == 200
    assert "hồ sơ vẫn được lưu, thông tin người nộp được ghi là chưa xác minh" in answer.get_data(as_text=True)
    dossier = db.session.scalar(select(Dossier).where(Dossier.applicant_id == nhung.id))
    assert dossier.applicant["registry"]["status"] == "unconfirmed"
    attach_required(dossier, nhung)
    db.session.commit()
    filing.submit(dossier.id, nhung, client_address="127.0.0.1")
    db.session.commit()
    assert dossier.status == "submitted" and dossier.applicant["registry"]["status"] == "unconfirmed"
    assert [e.details["outcome"] for e in lookups()] == ["unavailable"] * 3
    # the one-stop officer sees that the applicant's identity is to be checked
    make_user(role="one_stop_officer", agency="so-tu-phap", username="motcua.tp")
    pages.logout()
    login(pages, "motcua.tp")
    office_page = client.get(f"/mot-cua/ho-so/{dossier.id}").get_data(as_text=True)
    assert "Chưa xác minh được (CSDL dân cư không phản hồi khi nộp)" in office_page


def test_submission_confirms_data_not_confirmed_yet_and_refuses_a_mismatch(client, nhung, registry):
    """A draft saved for later (or through the API) is checked at submission, on every door."""
    proc = procedure("LC-12")
    data = {"full_name": "Nguyễn Thị Hồng", "id_number": NHUNG["id_number"], "birth_date": "1990-05-14",
            "residence": "Bản Hon", "certificate_type": "1", "copies": 1, "purpose": "Xin việc", "phone": "0912345678"}
    dossier, _ = filing.start_draft(nhung, proc, data)
    attach_required(dossier, nhung)
    db.session.commit()
    with pytest.raises(FilingError) as refused:
        filing.submit(dossier.id, nhung, client_address="127.0.0.1")
    assert refused.value.code == "registry_mismatch" and refused.value.keeps_changes
    db.session.commit()
    assert dossier.status == "draft" and "registry" not in dossier.applicant
    filing.save_form(dossier, nhung, {**data, "full_name": NHUNG["full_name"]})
    filing.submit(dossier.id, nhung, client_address="127.0.0.1")
    db.session.commit()
    assert dossier.status == "submitted"
    assert dossier.applicant["registry"]["status"] == "confirmed"
    assert dossier.applicant["registry"]["address_as_registered"] is False  # kept as typed, noted
    assert filing.own_dossier(dossier.id, nhung).form_data["residence"] == "Bản Hon"
    assert [e.details["outcome"] for e in lookups()] == ["mismatch", "confirmed"]


def test_the_api_submission_answers_the_mismatch(client, nhung, registry):
    token = client.post("/api/v1/auth/token", json={"username": "nhung.lc", "password": PASSWORD}).get_json()["token"]
    proc = procedure("LC-12")
    data = {"full_name": "Nguyễn Hồng Nhung", "id_number": NHUNG["id_number"], "birth_date": "1990-05-14",
            "residence": ADDRESS, "certificate_type": "1", "copies": 1, "purpose": "Xin việc", "phone": "0912345678"}
    dossier, _ = filing.start_draft(nhung, proc, data)
    attach_required(dossier, nhung)
    db.session.commit()
    answer = client.post(f"/api/v1/dossiers/{dossier.id}/submit", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "registry_mismatch"
    assert [e.details["outcome"] for e in lookups()] == ["mismatch"]  # the refusal kept its audit entry


# ---------------------------------------------------------------------------------------------
# The audit log and the command line


def test_the_admin_audit_log_shows_each_lookup_with_labels(client, pages, registry, make_user):
    register(pages, full_name="Nguyễn Thị Nhung")
    make_user(role="admin", username="quantri")
    login(pages, "quantri")
    html = client.get("/quan-tri/nhat-ky?action=registry.lookup").get_data(as_text=True)
    assert "Tra cứu CSDL quốc gia về dân cư" in html
    assert f"Người có số định danh {NHUNG['id_number']}" in html
    assert "Mục đích: Đăng ký tài khoản" in html and "Kết quả: Họ tên không khớp" in html


def test_an_officer_checks_from_the_command_line(runner, registry, make_user):
    officer = make_user(role="one_stop_officer", agency="so-tu-phap", username="motcua.tp")
    result = runner.invoke(args=["registry", "check", NHUNG["id_number"], NHUNG["full_name"], "--by", "motcua.tp"])
    assert result.exit_code == 0, result.output
    assert "outcome: confirmed" in result.output and ADDRESS in result.output
    [entry] = lookups()
    assert entry.user_id == officer.id and entry.details["purpose"] == "officer_check"


def test_an_administrator_confirms_an_account_from_the_command_line(runner, pages, registry, app, monkeypatch,
                                                                   make_user):
    without_registry(app, monkeypatch)
    register(pages, full_name="Nguyễn Thị Nhung")  # registered while the registry was off, name misspelt
    make_user(role="admin", username="quantri")
    monkeypatch.setitem(app.config, "POPULATION_REGISTRY_URL", registry.url)
    refused = runner.invoke(args=["registry", "confirm-user", "nhung.lc", "--by", "quantri"])
    assert refused.exit_code != 0 and MISMATCH in refused.output
    user = account("nhung.lc")
    assert user.full_name == "Nguyễn Thị Nhung" and user.identity_status is None  # never corrected
    [entry] = lookups()  # the refused lookup is in the audit log, by the administrator
    assert entry.actor == "quantri" and entry.details["outcome"] == "mismatch" and entry.details["account"] == user.id


def test_the_command_line_says_when_the_registry_is_off(runner, app, monkeypatch, make_user):
    without_registry(app, monkeypatch)
    make_user(role="one_stop_officer", agency="so-tu-phap", username="motcua.tp")
    result = runner.invoke(args=["registry", "check", NHUNG["id_number"], NHUNG["full_name"], "--by", "motcua.tp"])
    assert result.exit_code != 0 and "POPULATION_REGISTRY_URL" in result.output and lookups() == []
