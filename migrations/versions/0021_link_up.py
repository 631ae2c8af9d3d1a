"""link_up: the agency whose step a dossier is at, when a procedure's process includes steps
taken by another agency (liên thông, e.g. the ward police inside a commune's birth procedure),
and the agency whose desk received a dossier for another agency's procedure ("file at any desk").

NULL for every existing dossier (at its own agency, received at its own desk). Added with ADD COLUMN ... REFERENCES (no
table rebuild on SQLite).

Revision ID: 0021_link_up
Revises: 0020_notification_channels
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_link_up"
down_revision = "0020_notification_channels"
branch_labels = None
depends_on = None


COLUMNS = ("step_agency_id", "desk_agency_id")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in place; Alembic would rebuild the table.
        for column in COLUMNS:
            op.execute(f"ALTER TABLE dossiers ADD COLUMN {column} INTEGER REFERENCES agencies (id)")
    else:
        for column in COLUMNS:
            op.add_column("dossiers", sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(f"fk_dossiers_{column}_agencies"), "dossiers", "agencies", [column], ["id"])
    op.create_index(op.f("ix_dossiers_step_agency_id"), "dossiers", ["step_agency_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_dossiers_step_agency_id"), table_name="dossiers")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        for column in COLUMNS:
            if op.get_bind().dialect.name == "postgresql":
                batch_op.drop_constraint(op.f(f"fk_dossiers_{column}_agencies"), type_="foreignkey")
            batch_op.drop_column(column)
