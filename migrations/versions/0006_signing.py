"""signing: certificates of the deployment PKI and remote-signing sessions (hand-written).

Revision ID: 0006_signing
Revises: 0005_office
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_signing"
down_revision = "0005_office"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "signing_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("certificate_pem", sa.Text(), nullable=False),
        sa.Column("chain_pem", sa.Text(), nullable=False),
        sa.Column("private_key_pem", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("purpose IN ('ca', 'person', 'seal', 'tsa')",
                           name=op.f("ck_signing_certificates_purpose_known")),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"],
                                name=op.f("fk_signing_certificates_agency_id_agencies")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_signing_certificates_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_certificates")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_signing_certificates_fingerprint")),
        sa.UniqueConstraint("serial", name=op.f("uq_signing_certificates_serial")),
    )
    with op.batch_alter_table("signing_certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signing_certificates_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_signing_certificates_purpose"), ["purpose"], unique=False)
        batch_op.create_index(batch_op.f("ix_signing_certificates_user_id"), ["user_id"], unique=False)

    op.create_table(
        "remote_signing_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("prepared", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result_file_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["certificate_id"], ["signing_certificates.id"],
                                name=op.f("fk_remote_signing_sessions_certificate_id_signing_certificates")),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"],
                                name=op.f("fk_remote_signing_sessions_dossier_id_dossiers")),
        sa.ForeignKeyConstraint(["result_file_id"], ["dossier_files.id"],
                                name=op.f("fk_remote_signing_sessions_result_file_id_dossier_files")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_remote_signing_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_signing_sessions")),
    )
    with op.batch_alter_table("remote_signing_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remote_signing_sessions_dossier_id"), ["dossier_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_remote_signing_sessions_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("remote_signing_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remote_signing_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_remote_signing_sessions_dossier_id"))
    op.drop_table("remote_signing_sessions")
    with op.batch_alter_table("signing_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_certificates_user_id"))
        batch_op.drop_index(batch_op.f("ix_signing_certificates_purpose"))
        batch_op.drop_index(batch_op.f("ix_signing_certificates_agency_id"))
    op.drop_table("signing_certificates")
