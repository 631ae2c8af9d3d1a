"""The register of issued documents (sổ đăng ký văn bản): numbers per agency, book and year, never
given twice, also when documents are issued at the same moment (PostgreSQL, real threads)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Agency
from portal.models.register import DocumentRegisterCounter, RegisteredDocument
from portal.operations import document_register

TEST_YEAR = 2999  # rows of this year belong to these tests only
THREADS = 2
PER_THREAD = 25


@pytest.fixture
def office(make_user):
    from tests.integration.lifecycle_helpers import build_office

    return build_office(make_user)


def _agency(code: str) -> Agency:
    return db.session.scalar(select(Agency).where(Agency.code == code))


def test_numbers_run_per_agency_book_and_year(app):
    health, police = _agency("so-y-te"), _agency("cong-an-tinh")
    on = date(2026, 3, 2)

    def take(agency, book, kind, seq, day=on):
        return document_register.register(agency, book=book, kind=kind, dossier_id=None, document="test",
                                          title="Thử", issued_on=day, event_seq=seq)

    first, second = take(health, "outgoing", "QĐ", 1), take(health, "outgoing", "", 2)
    assert (first.number, first.symbol) == (1, "01/QĐ-SYT") and (second.number, second.symbol) == (2, "02/SYT")
    assert take(health, "desk", "TNHS", 3).number == 1  # another book
    assert take(police, "outgoing", "GP", 4).symbol == "01/GP-CAT"  # another agency, its own symbol
    assert take(health, "outgoing", "QĐ", 5, date(2027, 1, 1)).symbol == "01/QĐ-SYT"  # a new year starts at 01
    assert take(health, "outgoing", "QĐ", 6).number == 3
    with pytest.raises(ValueError):
        take(health, "nowhere", "QĐ", 7)


def test_the_same_document_keeps_its_number_and_a_number_is_unique(app, office):
    from tests.integration.lifecycle_helpers import new_submitted, vn

    dossier = new_submitted(office, vn(2026, 11, 23, 8, 0))
    agency = dossier.agency
    kwargs = dict(book="outgoing", kind="QĐ", dossier_id=dossier.id, document="result", title="Thử",
                  issued_on=date(2026, 11, 23))
    entry = document_register.register(agency, **kwargs)
    again = document_register.register(agency, **{**kwargs, "issued_on": date(2026, 12, 1)})
    assert again.id == entry.id and again.symbol == entry.symbol and again.issued_on == date(2026, 11, 23)
    db.session.add(RegisteredDocument(agency_id=agency.id, year=2026, book="outgoing", number=entry.number,
                                      symbol="x", dossier_id=None, document="other", event_seq=0, title="x",
                                      issued_on=date(2026, 11, 23)))
    with pytest.raises(IntegrityError):  # the database itself refuses a number given twice
        db.session.flush()
    db.session.rollback()


@pytest.fixture
def committed(_app):
    if not _app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("concurrent numbering runs on PostgreSQL (the PostgreSQL pass of make test)")
    with _app.app_context():
        yield _agency("so-y-te").id
        db.session.rollback()
        db.session.execute(delete(RegisteredDocument).where(RegisteredDocument.year == TEST_YEAR))
        db.session.execute(delete(DocumentRegisterCounter).where(DocumentRegisterCounter.year == TEST_YEAR))
        db.session.commit()


def test_concurrent_issues_never_share_a_number(_app, committed):
    """Two threads issue documents of one agency at the same moment, each in its own transaction:
    every number is taken once, and together they are 1..N without a gap."""
    barrier = threading.Barrier(THREADS)
    taken: list[list[int]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def run(t: int) -> None:
        with _app.app_context():
            try:
                agency = db.session.get(Agency, committed)
                barrier.wait()
                for i in range(PER_THREAD):
                    entry = document_register.register(
                        agency, book="outgoing", kind="QĐ", dossier_id=None, document=f"thread-{t}",
                        title="Thử", issued_on=date(TEST_YEAR, 5, 1), event_seq=i)
                    taken[t].append(entry.number)
                    db.session.commit()
            except BaseException as error:  # reported below, with the thread's numbers
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    numbers = sorted(n for per_thread in taken for n in per_thread)
    assert numbers == list(range(1, THREADS * PER_THREAD + 1)), taken
    stored = list(db.session.scalars(select(RegisteredDocument.number).where(
        RegisteredDocument.year == TEST_YEAR, RegisteredDocument.agency_id == committed)))
    assert sorted(stored) == numbers
