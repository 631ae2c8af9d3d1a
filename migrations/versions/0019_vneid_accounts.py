"""vneid_accounts: users.identity_provider, the national sign-on an account is opened by
("vneid"), NULL for a local-password account never linked.

Revision ID: 0019_vneid_accounts
Revises: 0017_national_seam
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_vneid_accounts"
down_revision = "0018_upload_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identity_provider", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("identity_provider")
