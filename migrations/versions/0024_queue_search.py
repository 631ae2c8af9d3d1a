"""queue_search: the office queue's search column, its default-queue index and the tab counts.

- ``dossiers.search_text``: the applicant's name folded (no case, no diacritics), the code, the ID
  number and the phone (normalised), filled here for existing dossiers and kept on every write by
  the model; on PostgreSQL a trigram index (extension ``pg_trgm``) serves "contains" searches.
- ``ix_dossiers_open_due``: (agency, due date, id) over open dossiers only, the default queue.
- ``queue_counts`` and ``queue_due_counts``: the counts on the queue tabs, filled here from the
  dossiers with the application's own definition (``portal.statistics.queue_counts.rebuild``).

Revision ID: 0024_queue_search
Revises: 0023_document_register
"""

import json
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0024_queue_search"
down_revision = "0023_document_register"
branch_labels = None
depends_on = None

OPEN = ("status IN ('submitted', 'accepted', 'in_process', 'supplement_requested', 'awaiting_fee', "
        "'processed')")


def _fold(text: str) -> str:
    # Frozen copy of portal.text.fold as of this revision (migrations do not import the app).
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())


def _phone(raw: str) -> str:
    digits = raw.strip().translate(str.maketrans("", "", " .-()\u00a0"))
    for prefix in ("+84", "0084"):
        if digits.startswith(prefix):
            return "0" + digits[len(prefix):]
    return digits


def _search_text(code, applicant: dict) -> str:
    # Frozen copy of portal.text.dossier_search_text as of this revision.
    parts = [_fold(str(applicant.get("full_name") or "")), (code or "").lower(),
             _fold(str(applicant.get("id_number") or "")).replace(" ", ""), _phone(str(applicant.get("phone") or ""))]
    return " | ".join(parts)[:400]


def _fill_search_text(connection) -> None:
    dossiers = sa.table("dossiers", sa.column("id", sa.Integer), sa.column("code", sa.String),
                        sa.column("applicant", sa.JSON), sa.column("search_text", sa.String))
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(dossiers.c.id, dossiers.c.code, dossiers.c.applicant).where(dossiers.c.id > last_id)
            .order_by(dossiers.c.id).limit(10000)).all()
        if not rows:
            break
        updates = []
        for row in rows:
            applicant = row.applicant if isinstance(row.applicant, dict) else json.loads(row.applicant or "{}")
            updates.append({"row_id": row.id, "folded": _search_text(row.code, applicant or {})})
        connection.execute(
            dossiers.update().where(dossiers.c.id == sa.bindparam("row_id"))
            .values(search_text=sa.bindparam("folded")), updates)
        last_id = rows[-1].id


def upgrade():
    # Added column only: SQLite does not rebuild this much-referenced table.
    op.add_column("dossiers", sa.Column("search_text", sa.String(length=400), server_default="", nullable=False))
    connection = op.get_bind()
    _fill_search_text(connection)
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index("ix_dossiers_search_text", "dossiers", ["search_text"], unique=False,
                    postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"})
    op.create_index("ix_dossiers_open_due", "dossiers", ["agency_id", "due_at", "id"], unique=False,
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    op.create_table(
        "queue_counts",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("holder_role", sa.String(length=32), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_queue_counts_agency_id_agencies")),
        sa.PrimaryKeyConstraint("agency_id", "status", "channel", "holder_role", "holder_id",
                                name=op.f("pk_queue_counts")),
    )
    op.create_table(
        "queue_due_counts",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_queue_due_counts_agency_id_agencies")),
        sa.PrimaryKeyConstraint("agency_id", "day", name=op.f("pk_queue_due_counts")),
    )

    from portal.statistics.queue_counts import rebuild

    rebuild(connection)


def downgrade():
    op.drop_table("queue_due_counts")
    op.drop_table("queue_counts")
    op.drop_index("ix_dossiers_open_due", table_name="dossiers")
    op.drop_index("ix_dossiers_search_text", table_name="dossiers")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("search_text")
