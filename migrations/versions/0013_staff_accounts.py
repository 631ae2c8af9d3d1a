"""staff_accounts: two-factor sign-in (TOTP) on users, one-time password resets, and the hash
chain of the audit log (seq, prev_hash, hash on audit_entries; its head row). Existing entries
are chained here, in id order, with the digest the application uses
(portal.operations.audit.entry_digest).

Revision ID: 0013_staff_accounts
Revises: 0012_audit_anchors
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_staff_accounts"
down_revision = "0012_audit_anchors"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("totp_enrolled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_password_resets_user_id_users")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_password_resets_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_resets_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entries_seq"), ["seq"])
    head = op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    seq, last = _chain_existing_entries()
    op.bulk_insert(head, [{"id": 1, "seq": seq, "hash": last}])


def _chain_existing_entries() -> tuple[int, str]:
    from portal.models.types import JSONType, UTCDateTime
    from portal.operations.audit import GENESIS, entry_digest

    entries = sa.table("audit_entries", sa.column("id", sa.Integer), sa.column("at", UTCDateTime),
                       sa.column("user_id", sa.Integer), sa.column("actor", sa.String),
                       sa.column("action", sa.String), sa.column("object_type", sa.String),
                       sa.column("object_id", sa.String), sa.column("address", sa.String),
                       sa.column("details", JSONType), sa.column("seq", sa.Integer),
                       sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
    bind = op.get_bind()
    seq, last = 0, GENESIS
    for row in bind.execute(sa.select(entries).order_by(entries.c.id)).mappings().all():
        seq += 1
        fields = {**row, "seq": seq}
        digest = entry_digest(last, fields)
        bind.execute(entries.update().where(entries.c.id == row["id"])
                     .values(seq=seq, prev_hash=last, hash=digest))
        last = digest
    return seq, last


def downgrade():
    op.drop_table("audit_chain_head")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_entries_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_resets_user_id"))
    op.drop_table("password_resets")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enrolled_at")
        batch_op.drop_column("totp_secret")
