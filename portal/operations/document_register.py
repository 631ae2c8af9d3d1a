"""The register of issued documents (sổ đăng ký văn bản): the number printed after "Số:".

Every numbered document takes the next number of its issuing agency's book for the year
(Nghị định 30/2020/NĐ-CP: numbers run from 01 on 1 January to 31 December; numbers below 10 get a
leading zero) and is written as ``<number>/<kind>-<agency>``, e.g. ``05/QĐ-SYT``. Two books per
agency: ``outgoing`` for what the agency signs (results, apologies, stop notices) and ``desk`` for
the one-stop unit's forms (receipts, supplement requests, refusals).

``register`` is idempotent per (dossier, document, event): the same document rendered again gets
the same entry. Taking a number is an upsert on the counter row (PostgreSQL holds its row lock
until the transaction ends, so concurrent issues queue) and the entry's number is unique per
agency, book and year: a number is never given twice. Flushes only; the caller commits.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from portal.database import dialect_insert
from portal.extensions import db
from portal.models import Agency
from portal.models.register import DocumentRegisterCounter, RegisteredDocument

OUTGOING = "outgoing"
DESK = "desk"
BOOKS = (OUTGOING, DESK)


def next_number(agency_id: int, year: int, book: str) -> int:
    """Atomically take the next number of ``book`` of ``agency_id`` in ``year``."""
    connection = db.session.connection()  # a counter row, as dossiers.next_sequence
    return connection.execute(_next_number_statement(connection.dialect.name),
                              {"agency_id": agency_id, "year": year, "book": book}).scalar_one()


@cache
def _next_number_statement(dialect: str):
    counters = DocumentRegisterCounter.__table__
    statement = dialect_insert(dialect)(counters).values(
        agency_id=bindparam("agency_id"), year=bindparam("year"), book=bindparam("book"), last_number=1)
    return statement.on_conflict_do_update(
        index_elements=[counters.c.agency_id, counters.c.year, counters.c.book],
        set_={"last_number": counters.c.last_number + 1},
    ).returning(counters.c.last_number)


def format_symbol(number: int, kind: str, agency: Agency) -> str:
    """``05/QĐ-SYT``; a document without a kind abbreviation: ``05/SYT``."""
    tail = f"{kind}-{agency.symbol()}" if kind else agency.symbol()
    return f"{number:02d}/{tail}"


def find(dossier_id: int, document: str, event_seq: int = 0) -> RegisteredDocument | None:
    return db.session.scalar(select(RegisteredDocument).where(
        RegisteredDocument.dossier_id == dossier_id, RegisteredDocument.document == document,
        RegisteredDocument.event_seq == event_seq))


def register(agency: Agency, *, book: str, kind: str, dossier_id: int, document: str, title: str,
             issued_on: date, event_seq: int = 0) -> RegisteredDocument:
    """The register entry of ``document`` of dossier ``dossier_id``: the existing one, or a new
    one with the next number of ``agency``'s ``book`` for ``issued_on``'s year."""
    if book not in BOOKS:
        raise ValueError(f"unknown register book {book!r}")
    existing = find(dossier_id, document, event_seq)
    if existing is not None:
        return existing
    savepoint = db.session.begin_nested()
    try:
        number = next_number(agency.id, issued_on.year, book)
        entry = RegisteredDocument(
            agency_id=agency.id, year=issued_on.year, book=book, number=number,
            symbol=format_symbol(number, kind, agency), dossier_id=dossier_id, document=document,
            event_seq=event_seq, title=title[:500], issued_on=issued_on,
        )
        db.session.add(entry)
        db.session.flush()
        savepoint.commit()
    except IntegrityError:
        # The same document registered at the same moment by another request: take its entry
        # (this attempt's number goes back with the savepoint, so it is not lost either).
        savepoint.rollback()
        existing = find(dossier_id, document, event_seq)
        if existing is None:
            raise
        return existing
    return entry
