"""agency_admin: agencies of the two-level local government (centre, vertical agency), the
printed header of their forms (governing body, printed name), their one-stop unit and contacts.

Revision ID: 0014_agency_admin
Revises: 0012_audit_anchors
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_agency_admin"
down_revision = "0013_staff_accounts"
branch_labels = None
depends_on = None

LEVELS_BEFORE = "level IN ('province', 'department', 'district', 'commune')"
LEVELS_AFTER = "level IN ('province', 'department', 'centre', 'commune', 'vertical', 'district')"


def upgrade():
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_agencies_level_known"), type_="check")
        batch_op.create_check_constraint("level_known", LEVELS_AFTER)
        batch_op.add_column(sa.Column("governing_body", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("printed_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("one_stop_unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f("ix_agencies_one_stop_unit_id"), ["one_stop_unit_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_agencies_one_stop_unit_id_agencies"), "agencies",
                                    ["one_stop_unit_id"], ["id"])


def downgrade():
    # Agencies of the new levels have no place in the old schema: they become departments.
    op.execute("UPDATE agencies SET level = 'department' WHERE level IN ('centre', 'vertical')")
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_agencies_one_stop_unit_id_agencies"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_agencies_one_stop_unit_id"))
        for column in ("address", "email", "phone", "one_stop_unit_id", "printed_name", "governing_body"):
            batch_op.drop_column(column)
        batch_op.drop_constraint(op.f("ck_agencies_level_known"), type_="check")
        batch_op.create_check_constraint("level_known", LEVELS_BEFORE)
