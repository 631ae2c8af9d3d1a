"""Engine set-up shared by the app, the CLI and the tests."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, make_transient_to_detached

_INSERTED = "rows_inserted_directly"


def dialect_insert(dialect: str):
    """The ``insert`` construct with ``ON CONFLICT`` of the database ``dialect`` (PostgreSQL, or
    SQLite in development and tests): upserts of counters and rows that may exist already."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def add_as_inserted(session: Session, objects: Iterable[object]) -> None:
    """Put objects whose rows this transaction has just inserted itself (a Core ``INSERT ...
    RETURNING``, not the unit of work) into ``session`` as loaded: no INSERT at the next flush,
    no query when their columns are read. As with the rows a flush inserts, a rollback of the
    transaction or savepoint they were inserted in takes them out of the session again
    (``_expunge_rolled_back``): otherwise they would stay in its identity map naming rows that
    are gone, and a row given the same key again (SQLite reuses ids) could not be attached."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    inserted = session.info.setdefault(_INSERTED, [])
    for obj in objects:
        make_transient_to_detached(obj)
        session.add(obj)
        inserted.append((transaction, obj))


def _inside(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _expunge_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    inserted = session.info.get(_INSERTED)
    if not inserted:
        return
    outermost = previous_transaction.parent is None  # everything goes, stale entries included
    kept = []
    for transaction, obj in inserted:
        if outermost or _inside(transaction, previous_transaction):
            if obj in session:
                session.expunge(obj)
        else:
            kept.append((transaction, obj))
    session.info[_INSERTED] = kept


@event.listens_for(Session, "after_commit")
def _forget_inserted(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint released: the outermost commit decides
        session.info.pop(_INSERTED, None)


def _sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so that
    # SAVEPOINTs and rollbacks behave as on PostgreSQL; enforce foreign keys.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def configure_engines(app: Flask) -> None:
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite" and not getattr(engine, "_portal_configured", False):
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
            engine._portal_configured = True
