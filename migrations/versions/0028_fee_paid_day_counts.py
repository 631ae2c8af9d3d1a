"""fee_paid_day_counts: the dossiers whose fee was paid, per Vietnam day, in the day counts (the
online-payment rate's denominator, read by the current year's dashboard from the day counts
instead of counting the year's paid dossiers); the table is rebuilt with the application's
definition (``portal.statistics.daily.rebuild``), as in 0010 and 0025.

Revision ID: 0028_fee_paid_day_counts
Revises: 0027_appointment_proofs
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_fee_paid_day_counts"
down_revision = "0027_appointment_proofs"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("dossier_day_counts", sa.Column("fee_paid", sa.Integer(), server_default="0", nullable=False))

    from portal.models import Dossier, DossierDayCount
    from portal.statistics.daily import rebuild

    # Only when the tables have every column of the models (else a later revision that adds
    # some rebuilds the table).
    inspector = sa.inspect(op.get_bind())
    if all({c.name for c in model.__table__.c} <= {c["name"] for c in inspector.get_columns(model.__tablename__)}
           for model in (Dossier, DossierDayCount)):
        if op.get_bind().dialect.name == "postgresql":
            op.execute("SET LOCAL jit = off")  # as flask demo generate's rebuild: JIT costs more than it saves
        rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table("dossier_day_counts", schema=None) as batch_op:
        batch_op.drop_column("fee_paid")
