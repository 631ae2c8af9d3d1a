"""procedure_versions: every change of a procedure made in the application (or by a changed
catalogue file) is a version row with the full entry, its author and reason; the live row keeps
its version number and a national code; a dossier keeps the version it was filed under.

Revision ID: 0015_procedure_versions
Revises: 0012_audit_anchors
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_procedure_versions"
down_revision = "0014_agency_admin"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "procedure_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("snapshot", JSON, nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["procedure_id"], ["procedures.id"],
                                name=op.f("fk_procedure_versions_procedure_id_procedures")),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_procedure_versions_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_versions")),
        sa.UniqueConstraint("procedure_id", "number", name="uq_procedure_versions_procedure_number"),
    )
    with op.batch_alter_table("procedure_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_versions_procedure_id"), ["procedure_id"], unique=False)
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("national_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("procedure_version", sa.Integer(), nullable=True))
    # Dossiers older than versions were filed under each procedure's first version.
    op.execute("UPDATE dossiers SET procedure_version = 1")


def downgrade():
    # The versions first: on SQLite the batch below rebuilds "procedures", which they reference.
    with op.batch_alter_table("procedure_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_versions_procedure_id"))
    op.drop_table("procedure_versions")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("procedure_version")
    with op.batch_alter_table("procedures", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("national_code")
