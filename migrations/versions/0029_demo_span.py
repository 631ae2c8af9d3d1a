"""demo_span: the span of a demo run (``flask demo generate --months``) is part of its identity,
so that a run is resumed only by the same command; earlier runs covered 12 months.

Revision ID: 0029_demo_span
Revises: 0028_fee_paid_day_counts
"""

import sqlalchemy as sa
from alembic import op

revision = "0029_demo_span"
down_revision = "0028_fee_paid_day_counts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("demo_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("months", sa.Integer(), server_default="12", nullable=False))


def downgrade():
    with op.batch_alter_table("demo_runs", schema=None) as batch_op:
        batch_op.drop_column("months")
