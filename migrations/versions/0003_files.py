"""files

Revision ID: 0003_files
Revises: 0002_dossiers
Create Date: 2026-11-23 09:02:00.155796

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003_files'
down_revision = '0002_dossiers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('file_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_file_blobs'))
    )
    op.create_table('dossier_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('document_key', sa.String(length=64), nullable=True),
    sa.Column('blob_sha256', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['blob_sha256'], ['file_blobs.sha256'], name=op.f('fk_dossier_files_blob_sha256_file_blobs')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_files_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_dossier_files_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_files'))
    )
    with op.batch_alter_table('dossier_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_files_blob_sha256'), ['blob_sha256'], unique=False)
        batch_op.create_index('ix_dossier_files_dossier_kind', ['dossier_id', 'kind'], unique=False)



def downgrade():
    with op.batch_alter_table('dossier_files', schema=None) as batch_op:
        batch_op.drop_index('ix_dossier_files_dossier_kind')
        batch_op.drop_index(batch_op.f('ix_dossier_files_blob_sha256'))

    op.drop_table('dossier_files')
    op.drop_table('file_blobs')
