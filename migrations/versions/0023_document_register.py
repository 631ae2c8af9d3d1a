"""document_register: the register of issued documents (sổ đăng ký văn bản, per agency, book and
year, numbers never reused) and the agencies' place name and document symbol.

Revision ID: 0023_document_register
Revises: 0022_citizen_registry
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_document_register"
down_revision = "0022_citizen_registry"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_register_counters",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("book", sa.String(length=16), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"],
                                name=op.f("fk_document_register_counters_agency_id_agencies")),
        sa.PrimaryKeyConstraint("agency_id", "year", "book", name=op.f("pk_document_register_counters")),
    )
    op.create_table(
        "registered_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("book", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=64), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("document", sa.String(length=32), nullable=False),
        sa.Column("event_seq", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"],
                                name=op.f("fk_registered_documents_agency_id_agencies")),
        sa.ForeignKeyConstraint(["dossier_id"], ["dossiers.id"],
                                name=op.f("fk_registered_documents_dossier_id_dossiers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registered_documents")),
        sa.UniqueConstraint("agency_id", "year", "book", "number", name="uq_registered_documents_number"),
        sa.UniqueConstraint("dossier_id", "document", "event_seq", name="uq_registered_documents_document"),
    )
    op.create_index(op.f("ix_registered_documents_agency_id"), "registered_documents", ["agency_id"])
    op.create_index(op.f("ix_registered_documents_dossier_id"), "registered_documents", ["dossier_id"])
    # Added columns only: SQLite does not rebuild this much-referenced table.
    op.add_column("agencies", sa.Column("place_name", sa.String(length=100), nullable=True))
    op.add_column("agencies", sa.Column("document_symbol", sa.String(length=32), nullable=True))


def downgrade():
    op.drop_column("agencies", "document_symbol")
    op.drop_column("agencies", "place_name")
    op.drop_index(op.f("ix_registered_documents_dossier_id"), table_name="registered_documents")
    op.drop_index(op.f("ix_registered_documents_agency_id"), table_name="registered_documents")
    op.drop_table("registered_documents")
    op.drop_table("document_register_counters")
