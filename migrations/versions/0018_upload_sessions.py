"""upload_sessions: resumable uploads of citizens' documents (chunks received so far; the bytes
are in a partial file under the storage directory).

Revision ID: 0018_upload_sessions
Revises: 0017_national_seam
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_upload_sessions"
down_revision = "0017_national_seam"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "upload_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("document_key", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("declared_size", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_upload_sessions_dossier_id_dossiers")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_upload_sessions_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_sessions")),
    )
    with op.batch_alter_table("upload_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_upload_sessions_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_upload_sessions_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_upload_sessions_owner_id"), ["owner_id"], unique=False)


def downgrade():
    with op.batch_alter_table("upload_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_sessions_owner_id"))
        batch_op.drop_index(batch_op.f("ix_upload_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_upload_sessions_dossier_id"))
    op.drop_table("upload_sessions")
