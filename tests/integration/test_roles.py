from sqlalchemy import select

from portal.extensions import db
from portal.models import Agency, Procedure
from tests.conftest import PASSWORD


def _agency_with_procedures():
    return db.session.scalar(select(Agency).join(Procedure, Procedure.agency_id == Agency.id).limit(1))


def test_citizens_cannot_open_the_office_or_admin(pages, client, make_user):
    make_user(username="lovanpa")
    pages.login("lovanpa", PASSWORD)
    assert client.get("/mot-cua/").status_code == 403
    assert client.get("/quan-tri/nguoi-dung").status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/mot-cua/")
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]


def test_officers_see_only_their_agency_procedures(pages, client, make_user):
    agency = _agency_with_procedures()
    other = db.session.scalar(select(Agency).where(Agency.id != agency.id).join(Procedure, Procedure.agency_id == Agency.id).limit(1))
    make_user(role="one_stop_officer", agency=agency.code, username="canbo")
    response = pages.login("canbo", PASSWORD)
    assert response.headers["Location"].endswith("/mot-cua/")
    html = client.get("/mot-cua/").get_data(as_text=True)
    own = db.session.scalars(select(Procedure).where(Procedure.agency_id == agency.id)).all()
    others = db.session.scalars(select(Procedure).where(Procedure.agency_id == other.id)).all()
    assert all(p.code in html for p in own)
    assert not any(f"({p.code}," in html for p in others)
    assert client.get("/quan-tri/nguoi-dung").status_code == 403


def test_admin_sees_users(pages, client, make_user):
    make_user(role="admin", username="quantri")
    make_user(username="lovanpa")
    pages.login("quantri", PASSWORD)
    html = client.get("/quan-tri/nguoi-dung").get_data(as_text=True)
    assert "lovanpa" in html and "quantri" in html


def test_staff_need_an_agency(app):
    import pytest

    from portal.operations import accounts

    with pytest.raises(accounts.AccountError) as error:
        accounts.create_staff_user(username="khongcoquan", password=PASSWORD, role="specialist", agency_code=None)
    assert error.value.code == "agency_required"


def test_create_user_command(runner):
    agency = _agency_with_procedures()
    result = runner.invoke(args=["create-user", "chuyenvien1", "--role", "specialist", "--agency", agency.code,
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["create-user", "chuyenvien1", "--role", "specialist", "--agency", agency.code,
                                 "--password", PASSWORD])
    assert result.exit_code != 0 and "đã có người sử dụng" in result.output
    result = runner.invoke(args=["create-user", "canbo2", "--role", "specialist", "--agency", "khong-co", "--password", PASSWORD])
    assert result.exit_code != 0 and "Không tìm thấy cơ quan" in result.output


def test_create_user_prompts_for_the_password(runner):
    agency = _agency_with_procedures()
    result = runner.invoke(args=["create-user", "vanthu1", "--role", "clerk", "--agency", agency.code],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output


def test_demo_accounts_cover_every_role_and_are_idempotent(runner):
    from portal.models import User
    from workflow.states import Role

    first = runner.invoke(args=["demo", "accounts"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "accounts"])
    assert second.exit_code == 0, second.output
    roles = set(db.session.scalars(select(User.role)).all())
    assert {r.value for r in Role} <= roles
