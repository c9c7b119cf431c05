"""Competencies, the training-hours ledger and certification.

Reviewed by hand. Frameworks -> domains -> competencies (bilingual, four level
descriptors and the tiers they apply to as JSON) are data loaded by
seed-demo or `flask import-framework`. competency_assessments holds mentor
and self ratings (ck level 1-4); ix_..._user_latest serves "latest rating per
competency". training_credits has one row per (source kind, source id,
person) (uq_training_credits_source), so a source re-derived never counts
twice; ix_training_credits_user_earned (user_id, earned_at, source_kind,
hours) serves one person's window sums and ix_training_credits_earned
(earned_at first) the dashboard's last-year sums for everyone, both read
from the index alone.
outside_courses keeps the uploaded certificate's stored name only.
certificates: a unique verification code, a partial unique index so two
issuers racing make one live certificate a day, revocation and the
coordinator's later decision (cleared_*). certificate_deadlines are the
renewal warnings the scheduler claims (ix_..._due). ehr_rollouts and
ehr_rollout_staff plan each facility's switch to the electronic record.

Revision ID: 0007
Revises: 0009
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certification_programmes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title_vi', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('description_vi', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('basis', sa.Text(), nullable=True),
    sa.Column('requirements', sa.JSON(), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('validity_days', sa.Integer(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('is_ehr', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certification_programmes')),
    sa.UniqueConstraint('code', name=op.f('uq_certification_programmes_code'))
    )
    op.create_table('competency_frameworks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('version', sa.String(length=20), nullable=False),
    sa.Column('title_vi', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('description_vi', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('basis', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competency_frameworks')),
    sa.UniqueConstraint('code', name=op.f('uq_competency_frameworks_code'))
    )
    op.create_table('competency_domains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title_vi', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['framework_id'], ['competency_frameworks.id'], name=op.f('fk_competency_domains_framework_id_competency_frameworks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competency_domains')),
    sa.UniqueConstraint('framework_id', 'code', name='uq_competency_domains_framework_code')
    )
    op.create_table('competencies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.Column('title_vi', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('description_vi', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('tiers', sa.JSON(), nullable=False),
    sa.Column('levels', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['competency_domains.id'], name=op.f('fk_competencies_domain_id_competency_domains'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['framework_id'], ['competency_frameworks.id'], name=op.f('fk_competencies_framework_id_competency_frameworks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competencies')),
    sa.UniqueConstraint('code', name=op.f('uq_competencies_code'))
    )
    with op.batch_alter_table('competencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competencies_domain_id'), ['domain_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competencies_framework_id'), ['framework_id'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('badge_salt', sa.String(length=32), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('revoke_reason', sa.Text(), nullable=True),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cleared_by_id', sa.Integer(), nullable=True),
    sa.Column('clear_reason', sa.Text(), nullable=True),
    sa.CheckConstraint('expires_on > issued_on', name=op.f('ck_certificates_dates')),
    sa.ForeignKeyConstraint(['cleared_by_id'], ['users.id'], name=op.f('fk_certificates_cleared_by_id_users')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_certificates_issued_by_id_users')),
    sa.ForeignKeyConstraint(['programme_id'], ['certification_programmes.id'], name=op.f('fk_certificates_programme_id_certification_programmes')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_certificates_revoked_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_certificates_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index('ix_certificates_programme_expiry', ['programme_id', 'expires_on'], unique=False)
        batch_op.create_index('ix_certificates_user_programme', ['user_id', 'programme_id', 'expires_on'], unique=False)
        batch_op.create_index('uq_certificates_live', ['user_id', 'programme_id', 'issued_on'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    op.create_table('competency_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=False),
    sa.Column('is_self', sa.Boolean(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('evidence_kind', sa.String(length=20), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("evidence_kind IN ('case', 'session', 'observation')", name=op.f('ck_competency_assessments_evidence_kind')),
    sa.CheckConstraint('level BETWEEN 1 AND 4', name=op.f('ck_competency_assessments_level')),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_competency_assessments_assessor_id_users')),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_competency_assessments_competency_id_competencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_competency_assessments_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competency_assessments'))
    )
    with op.batch_alter_table('competency_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competency_assessments_assessor_id'), ['assessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competency_assessments_competency_id'), ['competency_id'], unique=False)
        batch_op.create_index('ix_competency_assessments_user_latest', ['user_id', 'competency_id', 'is_self', 'assessed_on'], unique=False)

    op.create_table('ehr_rollouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('go_live_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_ehr_rollouts_facility_id_facilities')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_ehr_rollouts_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ehr_rollouts')),
    sa.UniqueConstraint('facility_id', name=op.f('uq_ehr_rollouts_facility_id'))
    )
    with op.batch_alter_table('ehr_rollouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ehr_rollouts_go_live_on'), ['go_live_on'], unique=False)

    op.create_table('outside_courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('provider', sa.String(length=300), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')", name=op.f('ck_outside_courses_content_type')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f('ck_outside_courses_status')),
    sa.CheckConstraint('ended_on >= started_on', name=op.f('ck_outside_courses_dates')),
    sa.CheckConstraint('hours > 0', name=op.f('ck_outside_courses_hours')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_outside_courses_decided_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outside_courses_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_courses')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_outside_courses_stored_name'))
    )
    with op.batch_alter_table('outside_courses', schema=None) as batch_op:
        batch_op.create_index('ix_outside_courses_status', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outside_courses_user_id'), ['user_id'], unique=False)

    op.create_table('training_credits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source_kind', sa.String(length=20), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('earned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source_kind IN ('session', 'presentation', 'case_answer', 'outside_course')", name=op.f('ck_training_credits_source_kind')),
    sa.CheckConstraint('hours >= 0', name=op.f('ck_training_credits_hours')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_credits_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_credits')),
    sa.UniqueConstraint('source_kind', 'source_id', 'user_id', name='uq_training_credits_source')
    )
    with op.batch_alter_table('training_credits', schema=None) as batch_op:
        batch_op.create_index('ix_training_credits_earned', ['earned_at', 'user_id', 'source_kind', 'hours'], unique=False)
        batch_op.create_index('ix_training_credits_user_earned', ['user_id', 'earned_at', 'source_kind', 'hours'], unique=False)

    op.create_table('certificate_deadlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('renewal_warning')", name=op.f('ck_certificate_deadlines_kind')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_deadlines_certificate_id_certificates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_deadlines')),
    sa.UniqueConstraint('certificate_id', 'kind', name='uq_certificate_deadlines_certificate_kind')
    )
    with op.batch_alter_table('certificate_deadlines', schema=None) as batch_op:
        batch_op.create_index('ix_certificate_deadlines_due', ['done_at', 'due_at'], unique=False)

    op.create_table('ehr_rollout_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rollout_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['rollout_id'], ['ehr_rollouts.id'], name=op.f('fk_ehr_rollout_staff_rollout_id_ehr_rollouts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ehr_rollout_staff_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ehr_rollout_staff')),
    sa.UniqueConstraint('rollout_id', 'user_id', name='uq_ehr_rollout_staff_rollout_user')
    )
    with op.batch_alter_table('ehr_rollout_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ehr_rollout_staff_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ehr_rollout_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ehr_rollout_staff_user_id'))

    op.drop_table('ehr_rollout_staff')
    with op.batch_alter_table('certificate_deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_deadlines_due')

    op.drop_table('certificate_deadlines')
    with op.batch_alter_table('training_credits', schema=None) as batch_op:
        batch_op.drop_index('ix_training_credits_user_earned')
        batch_op.drop_index('ix_training_credits_earned')

    op.drop_table('training_credits')
    with op.batch_alter_table('outside_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outside_courses_user_id'))
        batch_op.drop_index('ix_outside_courses_status')

    op.drop_table('outside_courses')
    with op.batch_alter_table('ehr_rollouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ehr_rollouts_go_live_on'))

    op.drop_table('ehr_rollouts')
    with op.batch_alter_table('competency_assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_competency_assessments_user_latest')
        batch_op.drop_index(batch_op.f('ix_competency_assessments_competency_id'))
        batch_op.drop_index(batch_op.f('ix_competency_assessments_assessor_id'))

    op.drop_table('competency_assessments')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('uq_certificates_live', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index('ix_certificates_user_programme')
        batch_op.drop_index('ix_certificates_programme_expiry')

    op.drop_table('certificates')
    with op.batch_alter_table('competencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competencies_framework_id'))
        batch_op.drop_index(batch_op.f('ix_competencies_domain_id'))

    op.drop_table('competencies')
    op.drop_table('competency_domains')
    op.drop_table('competency_frameworks')
    op.drop_table('certification_programmes')
