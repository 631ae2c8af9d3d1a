"""dossiers events calendar

Revision ID: 0002_dossiers
Revises: 0001_foundation
Create Date: 2026-11-23 08:57:37.678455

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0002_dossiers'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dossier_code_counters',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last_sequence', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_dossier_code_counters_agency_id_agencies')),
    sa.PrimaryKeyConstraint('agency_id', 'day', name=op.f('pk_dossier_code_counters'))
    )
    op.create_table('working_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('periods', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_working_hours_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_hours')),
    sa.UniqueConstraint('agency_id', name=op.f('uq_working_hours_agency_id'))
    )
    op.create_table('calendar_overrides',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('day_off', 'working_day')", name=op.f('ck_calendar_overrides_kind_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_calendar_overrides_created_by_id_users')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_overrides'))
    )
    op.create_table('dossiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=True),
    sa.Column('applicant', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('form_version', sa.Integer(), nullable=False),
    sa.Column('form_snapshot', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('form_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('step_key', sa.String(length=64), nullable=True),
    sa.Column('step_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('step_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('holder_id', sa.Integer(), nullable=True),
    sa.Column('holder_role', sa.String(length=32), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('budget_minutes', sa.Integer(), nullable=True),
    sa.Column('pauses', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('paused_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resume_status', sa.String(length=32), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('original_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extended_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('timeliness', sa.String(length=16), nullable=True),
    sa.Column('result_kind', sa.String(length=16), nullable=True),
    sa.Column('result_proposed', sa.Boolean(), nullable=False),
    sa.Column('result_signed', sa.Boolean(), nullable=False),
    sa.Column('fee_amount', sa.Integer(), nullable=False),
    sa.Column('fee_paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('last_event_hash', sa.String(length=64), nullable=True),
    sa.CheckConstraint("channel IN ('online', 'in_person', 'post')", name=op.f('ck_dossiers_channel_known')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'accepted', 'not_accepted', 'in_process', 'supplement_requested', 'awaiting_fee', 'withdrawn', 'stopped', 'processed', 'returned')", name=op.f('ck_dossiers_status_known')),
    sa.CheckConstraint("timeliness IS NULL OR timeliness IN ('early', 'on_time', 'late')", name=op.f('ck_dossiers_timeliness_known')),
    sa.CheckConstraint('due_at IS NULL OR received_at IS NULL OR due_at >= received_at', name=op.f('ck_dossiers_due_after_received')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_dossiers_agency_id_agencies')),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_dossiers_applicant_id_users')),
    sa.ForeignKeyConstraint(['holder_id'], ['users.id'], name=op.f('fk_dossiers_holder_id_users')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedures.id'], name=op.f('fk_dossiers_procedure_id_procedures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossiers')),
    sa.UniqueConstraint('code', name=op.f('uq_dossiers_code'))
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index('ix_dossiers_agency_received', ['agency_id', 'received_at'], unique=False)
        batch_op.create_index('ix_dossiers_agency_status_due', ['agency_id', 'status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_procedure_id'), ['procedure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dossiers_status'), ['status'], unique=False)

    op.create_table('dossier_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=255), nullable=False),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=32), nullable=True),
    sa.Column('to_status', sa.String(length=32), nullable=False),
    sa.Column('from_step', sa.String(length=64), nullable=True),
    sa.Column('to_step', sa.String(length=64), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('step_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('step_timeliness', sa.String(length=16), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_dossier_events_actor_id_users')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_dossier_events_agency_id_agencies')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_events_dossier_id_dossiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_events')),
    sa.UniqueConstraint('dossier_id', 'seq', name='uq_dossier_events_dossier_seq')
    )
    with op.batch_alter_table('dossier_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_events_dossier_id'), ['dossier_id'], unique=False)



def downgrade():
    with op.batch_alter_table('dossier_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_events_dossier_id'))

    op.drop_table('dossier_events')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossiers_status'))
        batch_op.drop_index(batch_op.f('ix_dossiers_procedure_id'))
        batch_op.drop_index(batch_op.f('ix_dossiers_holder_id'))
        batch_op.drop_index(batch_op.f('ix_dossiers_applicant_id'))
        batch_op.drop_index('ix_dossiers_agency_status_due')
        batch_op.drop_index('ix_dossiers_agency_received')

    op.drop_table('dossiers')
    op.drop_table('calendar_overrides')
    op.drop_table('working_hours')
    op.drop_table('dossier_code_counters')
