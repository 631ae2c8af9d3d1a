"""outbox_messages: delivery state (sent_at, attempts, last_error) for the mail worker.

Revision ID: 0009_outbox_delivery
Revises: 0008_applicant_search
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_outbox_delivery"
down_revision = "0008_applicant_search"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_error", sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_messages_sent_at"), ["sent_at"], unique=False)


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_sent_at"))
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")
        batch_op.drop_column("sent_at")
