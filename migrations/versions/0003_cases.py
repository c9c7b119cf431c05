"""Case consultations: cases, working diagnoses, replies, attachments,
timers, the audit trail and teaching nominations.

Reviewed by hand. The patient is de-identified by construction: there is no
column for a name or any identifier. Vitals are columns (range-checked in the
service, filterable); diagnoses are rows so search by ICD-10 code or chapter
uses an index. case_timers holds escalation deadlines and outcome reminders
as rows (due_at, done_at) for the scheduler to claim; ix_cases_inbox serves
the inbox (group, tier asked, status, urgency, deadline) in order, and
ix_cases_group_recent a group's cases newest first. The table is named `cases`
because chat (0004) refers to cases.id.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('province_code', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('urgency_rank', sa.SmallInteger(), nullable=False),
    sa.Column('age_years', sa.Integer(), nullable=True),
    sa.Column('age_months', sa.Integer(), nullable=True),
    sa.Column('sex', sa.String(length=10), nullable=False),
    sa.Column('pregnancy', sa.String(length=16), nullable=False),
    sa.Column('complaint', sa.Text(), nullable=False),
    sa.Column('history', sa.Text(), nullable=True),
    sa.Column('examination', sa.Text(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('systolic', sa.Integer(), nullable=True),
    sa.Column('diastolic', sa.Integer(), nullable=True),
    sa.Column('pulse', sa.Integer(), nullable=True),
    sa.Column('temperature', sa.Float(), nullable=True),
    sa.Column('spo2', sa.Integer(), nullable=True),
    sa.Column('resp_rate', sa.Integer(), nullable=True),
    sa.Column('glucose', sa.Float(), nullable=True),
    sa.Column('weight', sa.Float(), nullable=True),
    sa.Column('height', sa.Float(), nullable=True),
    sa.Column('patient_consent', sa.Boolean(), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('asker_tier_code', sa.String(length=20), nullable=False),
    sa.Column('first_tier_code', sa.String(length=20), nullable=True),
    sa.Column('current_tier_code', sa.String(length=20), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_answer_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_answer_tier_code', sa.String(length=20), nullable=True),
    sa.Column('last_answer_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('outcome_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("pregnancy IN ('unknown', 'not_pregnant', 'pregnant', 'not_applicable')", name=op.f('ck_cases_pregnancy')),
    sa.CheckConstraint("sex IN ('female', 'male', 'other')", name=op.f('ck_cases_sex')),
    sa.CheckConstraint("status = 'draft' OR patient_consent", name=op.f('ck_cases_consent_to_send')),
    sa.CheckConstraint("status IN ('draft', 'open', 'answered', 'closed')", name=op.f('ck_cases_status')),
    sa.CheckConstraint("urgency IN ('routine', 'urgent', 'emergency')", name=op.f('ck_cases_urgency')),
    sa.CheckConstraint('(age_years IS NULL) <> (age_months IS NULL)', name=op.f('ck_cases_one_age')),
    sa.ForeignKeyConstraint(['asker_id'], ['users.id'], name=op.f('fk_cases_asker_id_users')),
    sa.ForeignKeyConstraint(['asker_tier_code'], ['tiers.code'], name=op.f('fk_cases_asker_tier_code_tiers')),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['users.id'], name=op.f('fk_cases_claimed_by_id_users')),
    sa.ForeignKeyConstraint(['current_tier_code'], ['tiers.code'], name=op.f('fk_cases_current_tier_code_tiers')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_cases_facility_id_facilities')),
    sa.ForeignKeyConstraint(['first_answer_tier_code'], ['tiers.code'], name=op.f('fk_cases_first_answer_tier_code_tiers')),
    sa.ForeignKeyConstraint(['first_tier_code'], ['tiers.code'], name=op.f('fk_cases_first_tier_code_tiers')),
    sa.ForeignKeyConstraint(['group_id'], ['mentoring_groups.id'], name=op.f('fk_cases_group_id_mentoring_groups')),
    sa.ForeignKeyConstraint(['province_code'], ['provinces.code'], name=op.f('fk_cases_province_code_provinces')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_asker_id'), ['asker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index('ix_cases_group_recent', ['group_id', 'id'], unique=False)
        batch_op.create_index('ix_cases_inbox', ['group_id', 'current_tier_code', 'status', 'urgency_rank', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_province_code'), ['province_code'], unique=False)
        batch_op.create_index('ix_cases_status_sent', ['status', 'sent_at'], unique=False)

    op.create_table('case_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('thumb_name', sa.String(length=80), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')", name=op.f('ck_case_attachments_content_type')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_attachments_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_case_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_case_attachments_stored_name'))
    )
    with op.batch_alter_table('case_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_attachments_case_id'), ['case_id'], unique=False)

    op.create_table('case_diagnoses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('chapter', sa.String(length=6), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_diagnoses_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_diagnoses')),
    sa.UniqueConstraint('case_id', 'code', name='uq_case_diagnoses_case_code')
    )
    with op.batch_alter_table('case_diagnoses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_diagnoses_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_diagnoses_chapter'), ['chapter'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_diagnoses_code'), ['code'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_events_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index('ix_case_events_case_time', ['case_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_events_user_id'), ['user_id'], unique=False)

    op.create_table('case_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('is_recommendation', sa.Boolean(), nullable=False),
    sa.Column('author_tier_code', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_replies_author_id_users')),
    sa.ForeignKeyConstraint(['author_tier_code'], ['tiers.code'], name=op.f('fk_case_replies_author_tier_code_tiers')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_replies_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['case_replies.id'], name=op.f('fk_case_replies_parent_id_case_replies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_replies'))
    )
    with op.batch_alter_table('case_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_replies_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_replies_case_id'), ['case_id'], unique=False)

    op.create_table('case_teaching_nominations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('nominated_by_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_teaching_nominations_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['users.id'], name=op.f('fk_case_teaching_nominations_nominated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_teaching_nominations')),
    sa.UniqueConstraint('case_id', name='uq_case_teaching_nominations_case_id')
    )
    op.create_table('case_timers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('tier_code', sa.String(length=20), nullable=True),
    sa.Column('days', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('escalation', 'outcome_reminder')", name=op.f('ck_case_timers_kind')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_timers_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tier_code'], ['tiers.code'], name=op.f('fk_case_timers_tier_code_tiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_timers'))
    )
    with op.batch_alter_table('case_timers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_timers_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_case_timers_due', ['done_at', 'due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('case_timers', schema=None) as batch_op:
        batch_op.drop_index('ix_case_timers_due')
        batch_op.drop_index(batch_op.f('ix_case_timers_case_id'))

    op.drop_table('case_timers')
    op.drop_table('case_teaching_nominations')
    with op.batch_alter_table('case_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_replies_case_id'))
        batch_op.drop_index(batch_op.f('ix_case_replies_author_id'))

    op.drop_table('case_replies')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_user_id'))
        batch_op.drop_index('ix_case_events_case_time')

    op.drop_table('case_events')
    with op.batch_alter_table('case_diagnoses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_diagnoses_code'))
        batch_op.drop_index(batch_op.f('ix_case_diagnoses_chapter'))
        batch_op.drop_index(batch_op.f('ix_case_diagnoses_case_id'))

    op.drop_table('case_diagnoses')
    with op.batch_alter_table('case_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_attachments_case_id'))

    op.drop_table('case_attachments')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_sent')
        batch_op.drop_index(batch_op.f('ix_cases_province_code'))
        batch_op.drop_index('ix_cases_inbox')
        batch_op.drop_index('ix_cases_group_recent')
        batch_op.drop_index(batch_op.f('ix_cases_facility_id'))
        batch_op.drop_index(batch_op.f('ix_cases_asker_id'))

    op.drop_table('cases')
