"""citizen_filing: tables of this capability (hand-written; replace the bodies, keep the chain).

Revision ID: 0004_citizen_filing
Revises: 0003_files
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_citizen_filing"
down_revision = "0003_files"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
