from __future__ import annotations

from portal.extensions import db
from portal.models import AuditEntry, User


def record(action: str, *, user: User | None = None, actor: str | None = None,
           object_type: str | None = None, object_id: object = None,
           address: str | None = None, **details) -> AuditEntry:
    entry = AuditEntry(
        user_id=user.id if user is not None else None,
        actor=actor or (user.username if user is not None else "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        address=address,
        details=details,
    )
    db.session.add(entry)
    return entry
