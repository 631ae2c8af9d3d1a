"""dossiers.applicant_search: the applicant's name folded for search without diacritics.

Revision ID: 0008_applicant_search
Revises: 0007_statistics
"""

import json
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0008_applicant_search"
down_revision = "0007_statistics"
branch_labels = None
depends_on = None


def _fold(text: str) -> str:
    # Frozen copy of portal.text.fold as of this revision (migrations do not import the app).
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return " ".join(stripped.lower().split())


def upgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applicant_search", sa.String(length=255), nullable=False, server_default=""))
    connection = op.get_bind()
    dossiers = sa.table("dossiers", sa.column("id", sa.Integer), sa.column("applicant", sa.JSON),
                        sa.column("applicant_search", sa.String))
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(dossiers.c.id, dossiers.c.applicant).where(dossiers.c.id > last_id)
            .order_by(dossiers.c.id).limit(5000)).all()
        if not rows:
            break
        updates = []
        for row in rows:
            applicant = row.applicant if isinstance(row.applicant, dict) else json.loads(row.applicant or "{}")
            updates.append({"row_id": row.id, "folded": _fold(applicant.get("full_name") or "")[:255]})
        connection.execute(
            dossiers.update().where(dossiers.c.id == sa.bindparam("row_id"))
            .values(applicant_search=sa.bindparam("folded")), updates)
        last_id = rows[-1].id


def downgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("applicant_search")
