"""Idempotency keys: a client may send a key (the ``Idempotency-Key`` header, or the hidden field of
an office form) with a request that changes something. The first request with a key records it
with a digest of what was asked, in the same transaction as the change; the same request with the
same key returns that first outcome instead of changing anything again (a retry after a lost
response, a double click), and the same key with another request is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from functools import cache

from sqlalchemy import select

from portal.database import dialect_insert
from portal.extensions import db
from portal.models import User
from portal.models.filing import IdempotencyKey
from portal.operations.dossiers import DossierError

_KEY = re.compile(r"[\x21-\x7e]{1,100}")


class KeyInvalid(DossierError):
    status = 400


class KeyReused(DossierError):
    status = 409


def checked_key(key: str | None) -> str | None:
    """The client's key (printable ASCII, at most 100 characters), or ``None`` when none was sent."""
    key = (key or "").strip() or None
    if key is not None and not _KEY.fullmatch(key):
        raise KeyInvalid("idempotency_key_invalid", "printable ASCII, at most 100 characters")
    return key


def _plain(value: object) -> object:
    if isinstance(value, bytes):
        return {"sha256": hashlib.sha256(value).hexdigest()}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return str(value)


def digest(request: object) -> str:
    """A stable digest of what a request asked for (a dataclass or plain JSON-like values)."""
    plain = asdict(request) if is_dataclass(request) and not isinstance(request, type) else request
    canonical = json.dumps(plain, sort_keys=True, ensure_ascii=False, default=_plain)
    return hashlib.sha256(canonical.encode()).hexdigest()


def recorded(user: User, key: str, request_digest: str) -> int | None:
    """The dossier of the first request with ``key``, or ``None``; another request with it is refused."""
    row = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key))
    if row is None:
        return None
    if row.request_hash != request_digest:
        raise KeyReused("idempotency_key_reused", "this key was used for another request")
    return row.dossier_id


def remember(user: User, key: str, request_digest: str, dossier_id: int) -> None:
    """Record ``key`` with the outcome: one INSERT now (a concurrent twin fails on the unique
    key here), on the session's connection: nothing else the session holds is flushed, and the
    statement skips the ORM's execution path (a plain table row)."""
    db.session.connection().execute(_REMEMBER, {
        "user_id": user.id, "key": key, "request_hash": request_digest, "dossier_id": dossier_id})


_REMEMBER = IdempotencyKey.__table__.insert()


def claim(user: User, key: str, request_digest: str, dossier_id: int) -> bool:
    """Record ``key`` with the outcome unless a request holds it already: one
    ``INSERT ... ON CONFLICT DO NOTHING`` on the session's connection, no savepoint. ``False``
    when the key is taken, by an earlier request or by a concurrent one that committed first
    (PostgreSQL waits for that one to end, then takes the key if it rolled back); the caller
    then undoes what it wrote and answers with ``recorded``."""
    connection = db.session.connection()
    return connection.execute(_claim_statement(connection.dialect.name), {
        "user_id": user.id, "key": key, "request_hash": request_digest, "dossier_id": dossier_id}).first() is not None


@cache
def _claim_statement(dialect: str):
    keys = IdempotencyKey.__table__
    return (dialect_insert(dialect)(keys).on_conflict_do_nothing(index_elements=[keys.c.user_id, keys.c.key])
            .returning(keys.c.id))
