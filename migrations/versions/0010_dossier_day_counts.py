"""dossier_day_counts: per-day dossier counts for the dashboard; dossiers.has_files; indexes.

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
    "received", "received_online", "received_in_person", "received_post", "received_digitised",
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
        batch_op.add_column(sa.Column("has_files", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index("ix_dossiers_due_at", ["due_at"], unique=False)
        batch_op.create_index("ix_dossiers_fee_paid_at", ["fee_paid_at"], unique=False,
                              postgresql_where=sa.text("fee_amount > 0"), sqlite_where=sa.text("fee_amount > 0"))
    op.execute("UPDATE dossiers SET has_files = true WHERE EXISTS "
               "(SELECT 1 FROM dossier_files WHERE dossier_files.dossier_id = dossiers.id)")

    from portal.statistics.daily import rebuild

    # The application's definition may use columns a later revision adds (0025: has_scans,
    # received_scanned, ...); that revision rebuilds the table itself. Rebuild here only when the
    # tables already have every column of the models.
    from portal.models import Dossier, DossierDayCount

    inspector = sa.inspect(op.get_bind())
    if all({c.name for c in model.__table__.c} <= {c["name"] for c in inspector.get_columns(model.__tablename__)}
           for model in (Dossier, DossierDayCount)):
        rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossiers_fee_paid_at")
        batch_op.drop_index("ix_dossiers_due_at")
        batch_op.drop_column("has_files")
    op.drop_table("dossier_day_counts")
