"""statistics: tables of this capability (hand-written; replace the bodies, keep the chain).

Revision ID: 0007_statistics
Revises: 0006_signing
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0007_statistics"
down_revision = "0006_signing"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
