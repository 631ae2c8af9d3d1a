"""office: indexes of the one-stop work queues.

Revision ID: 0005_office
Revises: 0004_citizen_filing
"""

import sqlalchemy as sa
from alembic import op

RUNNING = "status IN ('accepted', 'in_process', 'awaiting_fee')"

revision = "0005_office"
down_revision = "0004_citizen_filing"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index("ix_dossiers_agency_id_id", ["agency_id", "id"], unique=False)
        batch_op.create_index("ix_dossiers_agency_holder_status", ["agency_id", "holder_role", "status"], unique=False)
        batch_op.create_index("ix_dossiers_agency_channel_status", ["agency_id", "channel", "status"], unique=False)
        batch_op.create_index("ix_dossiers_running_due", ["agency_id", "due_at", "id"], unique=False,
                              postgresql_where=sa.text(RUNNING), sqlite_where=sa.text(RUNNING))


def downgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossiers_running_due")
        batch_op.drop_index("ix_dossiers_agency_channel_status")
        batch_op.drop_index("ix_dossiers_agency_holder_status")
        batch_op.drop_index("ix_dossiers_agency_id_id")
