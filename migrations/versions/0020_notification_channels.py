"""notification_channels: SMS and Zalo as two more channels of the outbox (with the provider's id
and delivery receipt of each message), and the channels each citizen chose.

Revision ID: 0020_notification_channels
Revises: 0019_vneid_accounts
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_notification_channels"
down_revision = "0019_vneid_accounts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_ref", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("receipt_status", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("receipt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_outbox_messages_channel_known"), type_="check")
        batch_op.create_check_constraint("channel_known", "channel IN ('email', 'national', 'sms', 'zalo')")
    # Added columns only: SQLite does not rebuild this much-referenced table.
    op.add_column("users", sa.Column("notify_email", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("users", sa.Column("notify_sms", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("users", sa.Column("notify_zalo", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    for column in ("notify_zalo", "notify_sms", "notify_email"):
        op.drop_column("users", column)
    op.execute("DELETE FROM outbox_messages WHERE channel IN ('sms', 'zalo')")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_outbox_messages_channel_known"), type_="check")
        batch_op.create_check_constraint("channel_known", "channel IN ('email', 'national')")
        batch_op.drop_column("receipt_at")
        batch_op.drop_column("receipt_status")
        batch_op.drop_column("provider_ref")
