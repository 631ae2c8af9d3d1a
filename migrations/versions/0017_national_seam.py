"""national_seam: one transactional outbox for every background delivery (channel, event id,
per-dossier order, back-off, parking) and the dossiers handed over by the national portal
(source, national code).

Revision ID: 0017_national_seam
Revises: 0012_audit_anchors
"""

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017_national_seam"
down_revision = "0016_feedback_inbox"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=16), server_default="email", nullable=False))
        batch_op.add_column(sa.Column("event_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("dedup_key", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("dossier_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("payload", JSON, nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column("to_address", existing_type=sa.String(length=255), nullable=True)
        batch_op.alter_column("subject", existing_type=sa.String(length=255), nullable=True)
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=True)
    # Messages written before this revision get their stable event id now.
    connection = op.get_bind()
    outbox = sa.table("outbox_messages", sa.column("id", sa.Integer), sa.column("event_id", sa.String))
    for (message_id,) in connection.execute(sa.select(outbox.c.id).where(outbox.c.event_id.is_(None))).all():
        connection.execute(outbox.update().where(outbox.c.id == message_id).values(event_id=str(uuid.uuid4())))
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.alter_column("event_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_messages_event_id"), ["event_id"])
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_messages_dedup_key"), ["dedup_key"])
        batch_op.create_unique_constraint("uq_outbox_messages_channel_dossier_seq", ["channel", "dossier_id", "seq"])
        batch_op.create_foreign_key(batch_op.f("fk_outbox_messages_dossier_id_dossiers"), "dossiers",
                                    ["dossier_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_outbox_messages_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index("ix_outbox_messages_channel_pending", ["channel", "sent_at", "parked_at"], unique=False)
        batch_op.create_check_constraint("channel_known", "channel IN ('email', 'national')")

    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=16), server_default="portal", nullable=False))
        batch_op.add_column(sa.Column("national_code", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("national_digest", sa.String(length=64), nullable=True))
        # Added columns and an index only: SQLite does not rebuild this much-referenced table.
        batch_op.create_index("ix_dossiers_national_code", ["national_code"], unique=True)


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild of dossiers would fail on
    # the rows that reference it.
    op.drop_index("ix_dossiers_national_code", table_name="dossiers")
    for column in ("national_digest", "national_code", "source"):
        op.drop_column("dossiers", column)
    op.execute("DELETE FROM outbox_messages WHERE channel <> 'email'")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_outbox_messages_channel_known"), type_="check")
        batch_op.drop_index("ix_outbox_messages_channel_pending")
        batch_op.drop_index(batch_op.f("ix_outbox_messages_dossier_id"))
        batch_op.drop_constraint(batch_op.f("fk_outbox_messages_dossier_id_dossiers"), type_="foreignkey")
        batch_op.drop_constraint("uq_outbox_messages_channel_dossier_seq", type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_outbox_messages_dedup_key"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_outbox_messages_event_id"), type_="unique")
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("subject", existing_type=sa.String(length=255), nullable=False)
        batch_op.alter_column("to_address", existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_column("parked_at")
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("payload")
        batch_op.drop_column("seq")
        batch_op.drop_column("dossier_id")
        batch_op.drop_column("dedup_key")
        batch_op.drop_column("event_id")
        batch_op.drop_column("channel")
