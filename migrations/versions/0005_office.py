"""office: tables of this capability (hand-written; replace the bodies, keep the chain).

Revision ID: 0005_office
Revises: 0004_citizen_filing
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_office"
down_revision = "0004_citizen_filing"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
