"""citizen_registry: the population database behind accounts and filing. users.date_of_birth,
users.identity_status and users.identity_checked_at (the registry's confirmation of the name and
ID number), and citizen_data_sources: where each field of a citizen's profile came from (VNeID,
the population database, the citizen).

Revision ID: 0022_citizen_registry
Revises: 0021_link_up
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_citizen_registry"
down_revision = "0021_link_up"
branch_labels = None
depends_on = None


def upgrade():
    # Added columns only: SQLite does not rebuild this much-referenced table.
    op.add_column("users", sa.Column("date_of_birth", sa.Date(), nullable=True))
    op.add_column("users", sa.Column("identity_status", sa.String(length=16), nullable=True))
    op.add_column("users", sa.Column("identity_checked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "citizen_data_sources",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("source IN ('vneid', 'population_registry', 'citizen')",
                           name=op.f("ck_citizen_data_sources_source_known")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_citizen_data_sources_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "field", name=op.f("pk_citizen_data_sources")),
    )


def downgrade():
    op.drop_table("citizen_data_sources")
    for column in ("identity_checked_at", "identity_status", "date_of_birth"):
        op.drop_column("users", column)
