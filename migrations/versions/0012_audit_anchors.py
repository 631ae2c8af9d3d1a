"""audit_anchors: the daily public audit anchor (Merkle root of the day's dossier events, its
RFC 3161 timestamp and detached CMS signature); signing certificates of purpose 'anchor'.

Revision ID: 0012_audit_anchors
Revises: 0011_account_sessions
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_audit_anchors"
down_revision = "0011_account_sessions"
branch_labels = None
depends_on = None

PURPOSES_BEFORE = "purpose IN ('ca', 'person', 'seal', 'tsa')"
PURPOSES_AFTER = "purpose IN ('ca', 'person', 'seal', 'tsa', 'anchor')"


def _purposes(check: str) -> None:
    with op.batch_alter_table("signing_certificates", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_signing_certificates_purpose_known"), type_="check")
        batch_op.create_check_constraint("purpose_known", check)


def upgrade():
    _purposes(PURPOSES_AFTER)
    op.create_table(
        "audit_anchors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("timestamp_token", sa.LargeBinary(), nullable=False),
        sa.Column("timestamped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["certificate_id"], ["signing_certificates.id"],
                                name=op.f("fk_audit_anchors_certificate_id_signing_certificates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchors")),
        sa.UniqueConstraint("day", name=op.f("uq_audit_anchors_day")),
    )


def downgrade():
    op.drop_table("audit_anchors")
    op.execute("DELETE FROM signing_certificates WHERE purpose = 'anchor'")
    _purposes(PURPOSES_BEFORE)
