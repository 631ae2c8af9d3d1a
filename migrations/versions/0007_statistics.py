"""statistics: plan targets, and indexes on dossiers for the dashboard aggregates.

Revision ID: 0007_statistics
Revises: 0006_signing
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_statistics"
down_revision = "0006_signing"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plan_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_vi", sa.String(length=500), nullable=False),
        sa.Column("name_en", sa.String(length=500), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("comparator", sa.String(length=2), nullable=False),
        sa.Column("target_value", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("deadline_year", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("comparator IN ('>=', '<=')", name=op.f("ck_plan_targets_comparator_known")),
        sa.CheckConstraint("unit IN ('count', 'percent')", name=op.f("ck_plan_targets_unit_known")),
        sa.CheckConstraint("target_value >= 0", name=op.f("ck_plan_targets_target_not_negative")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_plan_targets_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_targets")),
        sa.UniqueConstraint("code", name=op.f("uq_plan_targets_code")),
    )
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.create_index("ix_dossiers_finished_at", ["finished_at"], unique=False)
        batch_op.create_index("ix_dossiers_returned_at", ["returned_at"], unique=False)


def downgrade():
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_index("ix_dossiers_returned_at")
        batch_op.drop_index("ix_dossiers_finished_at")
    op.drop_table("plan_targets")
