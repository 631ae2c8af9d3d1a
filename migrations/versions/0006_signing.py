"""signing: tables of this capability (hand-written; replace the bodies, keep the chain).

Revision ID: 0006_signing
Revises: 0005_office
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006_signing"
down_revision = "0005_office"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
