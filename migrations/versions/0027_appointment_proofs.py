"""appointment_proofs: how each printed appointment was computed (verification code, inputs,
calendar hash); the count of supplement requests; per-procedure clock rules, the longer limit of
remote areas and the permit flag; the remote-area flag of agencies.

Revision ID: 0027_appointment_proofs
Revises: 0026_speed_indexes
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = "0027_appointment_proofs"
down_revision = "0026_speed_indexes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "appointment_proofs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("calculation", JSON, nullable=False),
        sa.Column("calendar_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('receipt', 'apology')", name=op.f("ck_appointment_proofs_kind_known")),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"], name=op.f("fk_appointment_proofs_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_proofs")),
        sa.UniqueConstraint("code", name=op.f("uq_appointment_proofs_code")),
    )
    op.create_index(op.f("ix_appointment_proofs_dossier_id"), "appointment_proofs", ["dossier_id"], unique=False)
    # Added columns only: SQLite does not rebuild these much-referenced tables.
    op.add_column("dossiers", sa.Column("supplement_requests", sa.Integer(), server_default="0", nullable=False))
    op.add_column("dossiers", sa.Column("remote_area", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("procedures", sa.Column("remote_processing_days", sa.Integer(), nullable=True))
    op.add_column("procedures", sa.Column("clock_rules", JSON, nullable=True))
    op.add_column("procedures", sa.Column("permit", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("agencies", sa.Column("remote_area", sa.Boolean(), server_default=sa.false(), nullable=False))
    # Dossiers already asked to supplement: count their requests.
    op.execute("UPDATE dossiers SET supplement_requests = (SELECT COUNT(*) FROM dossier_events e "
               "WHERE e.dossier_id = dossiers.id AND e.action = 'request_supplement')")


def downgrade():
    op.drop_column("agencies", "remote_area")
    op.drop_column("procedures", "permit")
    op.drop_column("procedures", "clock_rules")
    op.drop_column("procedures", "remote_processing_days")
    op.drop_column("dossiers", "remote_area")
    op.drop_column("dossiers", "supplement_requests")
    op.drop_index(op.f("ix_appointment_proofs_dossier_id"), table_name="appointment_proofs")
    op.drop_table("appointment_proofs")
