"""speed_indexes: the progress of demo generator runs (resumable ``flask demo generate``), and a
partial index on the due dates of unfinished received dossiers for the current year's dashboard
("due later than now" reads only those; on PostgreSQL with the columns it reads, index-only).

Revision ID: 0026_speed_indexes
Revises: 0025_stats_catalogue
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_speed_indexes"
down_revision = "0025_stats_catalogue"
branch_labels = None
depends_on = None

OPEN_RECEIVED = "finished_at IS NULL AND received_at IS NOT NULL"


def upgrade():
    op.create_table(
        "demo_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("reference_day", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_runs")),
    )
    op.create_index("ix_dossiers_unfinished_due", "dossiers", ["due_at"], unique=False,
                    postgresql_where=sa.text(OPEN_RECEIVED), sqlite_where=sa.text(OPEN_RECEIVED),
                    postgresql_include=["agency_id", "procedure_id", "received_at", "finished_at", "paused_since"])


def downgrade():
    op.drop_index("ix_dossiers_unfinished_due", table_name="dossiers")
    op.drop_table("demo_runs")
