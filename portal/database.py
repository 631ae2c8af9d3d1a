"""Engine set-up shared by the app, the CLI and the tests."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event


def dialect_insert(dialect: str):
    """The ``insert`` construct with ``ON CONFLICT`` of the database ``dialect`` (PostgreSQL, or
    SQLite in development and tests): upserts of counters and rows that may exist already."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


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
