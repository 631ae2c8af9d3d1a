"""dossier_day_counts: per-day dossier counts for the dashboard, and an index on dossiers.due_at.

Revision ID: 0010_dossier_day_counts
Revises: 0009_outbox_delivery

The table is derived data. It is filled here with the application's own definition
(portal.statistics.daily.rebuild) rather than a frozen copy: the definition must be the one the
running code keeps current, and a later revision that changes it rebuilds the table again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_dossier_day_counts"
down_revision = "0009_outbox_delivery"
branch_labels = None
depends_on = None

COUNTS = (
    "received", "received_online", "received_in_person", "received_post",
    "processed", "early", "on_time", "late", "refused", "stopped", "withdrawn", "returned",
    "in_process_change", "supplement_change", "overdue_change", "undated_change",
)


def upgrade():
    op.create_table(
        "dossier_day_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in COUNTS],
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_dossier_day_counts_agency_id_agencies")),
        sa.ForeignKeyConstraint(["procedure_id"], ["procedures.id"],
                                name=op.f("fk_dossier_day_counts_procedure_id_procedures")),
        sa.PrimaryKeyConstraint("day", "agency_id", "procedure_id", name=op.f("pk_dossier_day_counts")),
    )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index("ix_dossiers_due_at", ["due_at"], unique=False)

    from portal.statistics.daily import rebuild

    rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossiers_due_at")
    op.drop_table("dossier_day_counts")
