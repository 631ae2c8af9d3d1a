"""stats_catalogue: the province's full procedure catalogue (catalogue_entries, the denominator of
the coverage targets) and plan targets with their decision (number, date, title) and scope
(province, agency, commune); the QĐ 766 digitisation counts: dossiers.has_scans (a paper document
scanned at the desk) and two more day counts (received_scanned, processed_e_result), the day
counts then rebuilt with the application's own definition (as 0010 does).

Revision ID: 0025_stats_catalogue
Revises: 0024_queue_search
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_stats_catalogue"
down_revision = "0024_queue_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "catalogue_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_vi", sa.String(length=500), nullable=False),
        sa.Column("field_name", sa.String(length=255), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("full_online_eligible", sa.Boolean(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level IN (2, 3, 4)", name=op.f("ck_catalogue_entries_level_known")),
        sa.CheckConstraint("tier IN ('province', 'commune', 'vertical')", name=op.f("ck_catalogue_entries_tier_known")),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_catalogue_entries_agency_id_agencies")),
        sa.ForeignKeyConstraint(["procedure_id"], ["procedures.id"],
                                name=op.f("fk_catalogue_entries_procedure_id_procedures")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_entries")),
        sa.UniqueConstraint("code", name=op.f("uq_catalogue_entries_code")),
    )
    op.create_index(op.f("ix_catalogue_entries_agency_id"), "catalogue_entries", ["agency_id"], unique=False)
    op.create_index(op.f("ix_catalogue_entries_procedure_id"), "catalogue_entries", ["procedure_id"], unique=False)
    with op.batch_alter_table("plan_targets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_number", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("decision_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("document_title", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("scope", sa.String(length=16), server_default="province", nullable=False))
        batch_op.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_plan_targets_agency_id"), ["agency_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_plan_targets_agency_id_agencies"), "agencies", ["agency_id"], ["id"])
        batch_op.create_check_constraint("scope_known", "scope IN ('province', 'agency', 'commune')")
        batch_op.create_check_constraint("agency_scope_has_agency", "(scope = 'agency') = (agency_id IS NOT NULL)")
    op.add_column("dossiers", sa.Column("has_scans", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index("ix_dossiers_procedure_fee_paid_at", "dossiers", ["procedure_id", "fee_paid_at"], unique=False,
                    postgresql_where=sa.text("fee_amount > 0"), sqlite_where=sa.text("fee_amount > 0"))
    op.add_column("dossier_day_counts", sa.Column("received_scanned", sa.Integer(), server_default="0", nullable=False))
    op.add_column("dossier_day_counts", sa.Column("processed_e_result", sa.Integer(), server_default="0",
                                                  nullable=False))
    op.execute("UPDATE dossiers SET has_scans = true WHERE EXISTS (SELECT 1 FROM dossier_files "
               "WHERE dossier_files.dossier_id = dossiers.id AND dossier_files.kind = 'scan')")

    from portal.models import Dossier, DossierDayCount
    from portal.statistics.daily import rebuild

    # As in 0010: only when the tables have every column of the models (else a later revision
    # that adds some rebuilds the table).
    inspector = sa.inspect(op.get_bind())
    if all({c.name for c in model.__table__.c} <= {c["name"] for c in inspector.get_columns(model.__tablename__)}
           for model in (Dossier, DossierDayCount)):
        rebuild(op.get_bind())


def downgrade():
    with op.batch_alter_table("dossier_day_counts", schema=None) as batch_op:
        batch_op.drop_column("processed_e_result")
        batch_op.drop_column("received_scanned")
    op.drop_index("ix_dossiers_procedure_fee_paid_at", table_name="dossiers")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("has_scans")
    with op.batch_alter_table("plan_targets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_plan_targets_agency_scope_has_agency"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_plan_targets_scope_known"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_plan_targets_agency_id_agencies"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_plan_targets_agency_id"))
        batch_op.drop_column("agency_id")
        batch_op.drop_column("scope")
        batch_op.drop_column("document_title")
        batch_op.drop_column("decision_date")
        batch_op.drop_column("decision_number")
    op.drop_index(op.f("ix_catalogue_entries_procedure_id"), table_name="catalogue_entries")
    op.drop_index(op.f("ix_catalogue_entries_agency_id"), table_name="catalogue_entries")
    op.drop_table("catalogue_entries")
