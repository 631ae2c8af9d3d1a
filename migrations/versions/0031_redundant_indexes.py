"""redundant_indexes: four single-column indexes whose column leads a unique constraint of the
same table (``dossier_events.dossier_id``: ``uq_dossier_events_dossier_seq``; and likewise in
``procedure_versions`` and ``registered_documents``). The constraint's index serves every look-up
the single-column one served; dropping them saves an index write per row, on every lifecycle
event above all.

Revision ID: 0031_redundant_indexes
Revises: 0030_deferred_signing
"""

from alembic import op

revision = "0031_redundant_indexes"
down_revision = "0030_deferred_signing"
branch_labels = None
depends_on = None

INDEXES = (
    ("dossier_events", "ix_dossier_events_dossier_id", "dossier_id"),
    ("procedure_versions", "ix_procedure_versions_procedure_id", "procedure_id"),
    ("registered_documents", "ix_registered_documents_agency_id", "agency_id"),
    ("registered_documents", "ix_registered_documents_dossier_id", "dossier_id"),
)


def upgrade():
    for table, name, _column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)


def downgrade():
    for table, name, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, [column], unique=False)
