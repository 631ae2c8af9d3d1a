"""Logs without personal data or secrets: a request that fails on a database error whose statement,
parameters and (on PostgreSQL) DETAIL carry a password hash, an ID number, a phone number and an
e-mail address leaves none of them in the log, which still says what failed."""

from __future__ import annotations

import logging

import pytest
from werkzeug.security import generate_password_hash

from portal.config import normalize_database_url
from portal.log_redaction import redacted_traceback, scrub

ID_NUMBER = "012190987654"
PHONE = "0987111222"
EMAIL = "lo.van.pa.bimat@example.vn"
PASSWORD_HASH = generate_password_hash("MatKhauBiMat2026")
SECRETS = (ID_NUMBER, PHONE, EMAIL, PASSWORD_HASH, PASSWORD_HASH.rsplit("$", 1)[1])


@pytest.fixture
def failing_app(_app, database_url, tmp_path):
    """An application (as tests build it) with a route that stores users the database refuses."""
    from portal import create_app
    from portal.extensions import db
    from portal.models import User

    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
                      "STORAGE_DIR": str(tmp_path), "PROPAGATE_EXCEPTIONS": False})

    def person(username: str, role: str = "citizen") -> User:
        return User(username=username, password_hash=PASSWORD_HASH, full_name="Lò Văn Pả", id_number=ID_NUMBER,
                    phone=PHONE, email=EMAIL, role=role)

    @app.post("/_test/trung-so-dinh-danh")
    def duplicate_id_number():  # a unique index refuses the second row
        db.session.add_all([person("bimat1"), person("bimat2")])
        db.session.flush()
        return "", 204

    @app.post("/_test/vai-tro-la")
    def unknown_role():  # a CHECK constraint refuses the row ("Failing row contains (...)" on PostgreSQL)
        db.session.add(person("bimat3", role="hacker"))
        db.session.flush()
        return "", 204

    app.config["WTF_CSRF_ENABLED"] = False
    yield app
    with app.app_context():
        db.engine.dispose()


def logged_text(caplog) -> str:
    """Everything a handler would write: messages, tracebacks, stack information."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def test_every_engine_hides_bound_parameters(app):
    from portal.extensions import db

    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    assert db.engine.hide_parameters is True


@pytest.mark.parametrize("target", ["/_test/trung-so-dinh-danh", "/_test/vai-tro-la"])
def test_a_failed_request_logs_no_personal_data(failing_app, caplog, target):
    caplog.set_level(logging.INFO)
    response = failing_app.test_client().post(target)
    assert response.status_code == 500
    assert not any(value in response.get_data(as_text=True) for value in SECRETS)
    text = logged_text(caplog)
    assert f"Unhandled error on POST {target}" in text and "IntegrityError" in text  # still says what failed
    assert "INSERT INTO users" in text
    leaked = [value for value in SECRETS if value in text]
    assert leaked == [], f"the log holds {leaked}:\n{text[-2000:]}"


def test_records_of_any_logger_are_redacted(failing_app, caplog):
    """Flask's own ``log_exception`` or a library logging with ``exc_info`` go through the same redaction."""
    from portal.extensions import db
    from portal.models import User

    caplog.set_level(logging.INFO)
    with failing_app.app_context():
        db.session.add(User(username="bimat4", password_hash=PASSWORD_HASH, full_name="Lò Văn Pả",
                            id_number=ID_NUMBER, phone=PHONE, email=EMAIL, role="hacker"))
        try:
            db.session.flush()
        except Exception as caught:  # noqa: BLE001
            error = caught
        db.session.rollback()
    logging.getLogger("some.library").error("Exception on %s [%s] for %s", "/x", "POST", EMAIL, exc_info=error)
    logging.getLogger("other").warning("mail to %s failed: %s", EMAIL, error)
    text = logged_text(caplog)
    assert "Exception on /x [POST]" in text and "mail to [e-mail] failed" in text
    assert [value for value in SECRETS if value in text] == []


def test_scrub_leaves_ordinary_text():
    assert scrub(f"user {EMAIL} id {ID_NUMBER} phone +84987111222 hash {PASSWORD_HASH} ok") == (
        "user [e-mail] id [number] phone [number] hash [password hash] ok")
    ordinary = 'File "/srv/portal/operations/filing.py", line 120, in submit; dossier 42; HTTP 500; 2026-11-30'
    assert scrub(ordinary) == ordinary


def test_a_traceback_keeps_the_driver_names_but_not_its_values():
    class DriverError(Exception):  # the shape of psycopg's errors: sqlstate and diag
        sqlstate = "23505"

        class diag:  # noqa: N801
            table_name, column_name, constraint_name = "users", None, "uq_users_id_number"

    try:
        raise DriverError(f'duplicate key value violates unique constraint\nDETAIL:  Key (id_number)=({ID_NUMBER}) exists')
    except DriverError as error:
        text = redacted_traceback(error)
    last = text.splitlines()[-1]  # the exception's line (the source lines above quote this test)
    assert "SQLSTATE 23505" in last and "uq_users_id_number" in last and "Key (" not in last
    assert ID_NUMBER not in text
