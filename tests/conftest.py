"""Shared fixtures.

The database schema comes from the migrations (never ``create_all``), once per session, on
SQLite or on PostgreSQL (``TEST_DATABASE_URL``). The catalogue is loaded once and committed.
Each test then runs inside a transaction that is rolled back at the end, whatever the code
under test committed (its commits become SAVEPOINT releases).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker

IN_CI = os.environ.get("CI", "").lower() == "true"


def require_tool(name: str) -> str:
    """The path of a system tool; skip with a visible reason without it (fail under CI)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install it; .ci/run does)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "sqlite")
    if url == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return _database_url(tmp_path_factory)


def compile_translations() -> None:
    """Build the .mo files from the committed .po files (as `make install` does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from portal.config import TRANSLATIONS_DIR

    for po in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as source:
            catalog = read_po(source)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    from portal import create_app
    from portal.config import normalize_database_url
    from portal.extensions import db
    from portal.operations.catalogue import load_catalogue

    compile_translations()
    app = create_app({
        "PORTAL_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SERVER_NAME": None,
        "STORAGE_DIR": str(tmp_path_factory.mktemp("files")),
    })
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        load_catalogue()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_app):
    """The application with a database transaction that is rolled back after the test."""
    from portal.extensions import db

    with _app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        # A plain SQLAlchemy session bound to the connection (Flask-SQLAlchemy's own session
        # class would pick the engine, not this connection), scoped per app context as usual.
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
        )
        try:
            yield _app
        finally:
            db.session.remove()
            db.session = original
            if transaction.is_active:
                transaction.rollback()
            connection.close()


@pytest.fixture
def db_session(app):
    from portal.extensions import db

    return db.session


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production, even though the test holds one
    (otherwise ``g`` and the database session would leak from one request into the next)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


class Pages:
    """Drive the HTML pages as a browser would: fetch the form, then post it with its token."""

    def __init__(self, client):
        self.client = client

    def submit(self, url: str, data: dict, follow: bool = False):
        page = self.client.get(url)
        token = csrf_token_from(page.get_data(as_text=True))
        return self.client.post(url, data={**data, "csrf_token": token}, follow_redirects=follow)

    def login(self, username: str, password: str):
        return self.submit("/dang-nhap", {"username": username, "password": password})

    def logout(self):
        page = self.client.get("/tai-khoan")
        token = csrf_token_from(page.get_data(as_text=True))
        return self.client.post("/dang-xuat", data={"csrf_token": token})


@pytest.fixture
def pages(client):
    return Pages(client)


PASSWORD = "HoaBanTrang2026"


@pytest.fixture
def make_user(app):
    """Factory: ``make_user(role="specialist", agency="so-tai-chinh")`` returns a committed user."""
    from portal.extensions import db
    from portal.operations import accounts

    counter = {"n": 0}

    def make(role: str = "citizen", agency: str | None = None, username: str | None = None, **kwargs):
        counter["n"] += 1
        name = username or f"{role.replace('_', '')}{counter['n']}"
        if role == "citizen":
            id_number = kwargs.pop("id_number", f"0121900{counter['n']:05d}")
            user = accounts.register_citizen(username=name, password=PASSWORD, full_name=kwargs.pop("full_name", "Lò Văn Pả"),
                                             id_number=id_number, phone="0912345678", email=kwargs.pop("email", None), **kwargs)
        else:
            user = accounts.create_staff_user(username=name, password=PASSWORD, role=role, agency_code=agency, **kwargs)
        db.session.commit()
        return user

    return make


def rechain_audit_log() -> None:
    """Chain the audit log again after a test deleted the entries it had really committed (the
    PostgreSQL concurrency tests clean up after themselves); otherwise every later
    ``flask audit verify`` of the session would report the gap. The caller commits."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import AuditChainHead, AuditEntry
    from portal.operations.audit import GENESIS, HEAD_ID, _fields, entry_digest

    seq, last = 0, GENESIS
    entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.seq.is_not(None)).order_by(AuditEntry.seq)))
    for entry in entries:  # two passes: seq is unique
        entry.seq = -entry.id
    db.session.flush()
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, last
        entry.hash = last = entry_digest(last, _fields(entry))
    head = db.session.get(AuditChainHead, HEAD_ID)
    head.seq, head.hash = seq, last


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def softhsm(tmp_path, monkeypatch):
    """A fresh softhsm2 token for this test (``tests/softhsm.py``): its ``TokenConfig``."""
    from signatures import token
    from tests.softhsm import make_token

    config = make_token(tmp_path / "softhsm", monkeypatch)
    yield config
    token.reset()
