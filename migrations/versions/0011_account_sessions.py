"""Account sessions: users.session_generation and api_tokens.session_generation (revocation of
every web session and API token of an account), login_counters (sign-in throttling).

Revision ID: 0011_account_sessions
Revises: 0010_dossier_day_counts
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_account_sessions"
down_revision = "0010_dossier_day_counts"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "login_counters",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("counting_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "username", "address", name=op.f("pk_login_counters")),
    )


def downgrade():
    op.drop_table("login_counters")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
