"""deferred_signing: result signing as a channel of the outbox (``signing``): the leader's approval or
refusal is committed with a signing job, run afterwards by ``flask outbox send --channel signing``
or by the dossier page's "sign now" (docs/signatures.md, "Deferred signing").

Revision ID: 0030_deferred_signing
Revises: 0029_demo_span
"""

from alembic import op

revision = "0030_deferred_signing"
down_revision = "0029_demo_span"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_outbox_messages_channel_known"), type_="check")
        batch_op.create_check_constraint("channel_known", "channel IN ('email', 'national', 'sms', 'zalo', 'signing')")


def downgrade():
    # a job not yet run would be lost: refuse rather than drop a leader's decision's signature
    pending = op.get_bind().exec_driver_sql(
        "SELECT count(*) FROM outbox_messages WHERE channel = 'signing' AND sent_at IS NULL").scalar()
    if pending:
        raise RuntimeError(f"{pending} result signing job(s) not yet run: run `flask outbox send --channel signing` first")
    op.execute("DELETE FROM outbox_messages WHERE channel = 'signing'")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_outbox_messages_channel_known"), type_="check")
        batch_op.create_check_constraint("channel_known", "channel IN ('email', 'national', 'sms', 'zalo')")
