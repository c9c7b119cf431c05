"""Cases, second pass: NCD follow-up (readings, current drugs, adherence,
complications screened, link to the asker's earlier case), coded outcomes,
the status that says what happened, identifier overrides under review, and
drafts that may lack the patient's age and sex.

Reviewed by hand.
- cases: new nullable columns only; `sex` becomes nullable, and the check
  `one_age` (exactly one age) becomes "at most one age" plus
  `patient_when_sent` (a sent case has exactly one age and a sex), so a
  draft can be saved before they are known. New checks name the coded
  outcome, the referral tier (only with "referred"), the NCD kind,
  adherence and the override review.
- case_readings, case_medications: rows of the follow-up section.
- Data: a case that was answered and not asked again since now reads
  "answered" (the asker's confirmation is no longer needed for that); the
  old confirmation time moves to answer_confirmed_at; recommended_at is set
  where a reply is the recommendation.

SQLite rebuilds `cases` for the changed checks (batch mode). Other tables
point at cases.id with ON DELETE CASCADE, and SQLite's DROP TABLE deletes
their rows when foreign keys are enforced: migrations/env.py switches
enforcement off for the run (outside any transaction, where SQLite honours
it) and checks every foreign key afterwards.

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None

NEW_CHECKS = {
    'patient_when_sent': "status = 'draft' OR ((age_years IS NULL) <> (age_months IS NULL) AND sex IS NOT NULL)",
    'outcome_code': "outcome_code IN ('managed_at_station', 'referred', 'died', 'lost_to_follow_up', 'unknown')",
    'referred_tier': "outcome_code = 'referred' OR referred_tier_code IS NULL",
    'ncd_kind': "ncd_kind IN ('hypertension', 'diabetes')",
    'adherence': "adherence IN ('good', 'partial', 'poor', 'unknown')",
    'override_review': "override_review IN ('cleared', 'withheld')",
}


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('recommended_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('referred_tier_code', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('close_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('ncd_kind', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('adherence', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('complications_screened', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_of_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('identifier_override_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('identifier_override_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('identifier_override_kinds', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('override_review', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('override_reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('override_reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.alter_column('sex', existing_type=sa.String(length=10), nullable=True)
        batch_op.drop_constraint(batch_op.f('ck_cases_one_age'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_cases_one_age'),
                                         'age_years IS NULL OR age_months IS NULL')
        for name, condition in NEW_CHECKS.items():
            batch_op.create_check_constraint(batch_op.f(f'ck_cases_{name}'), condition)
        batch_op.create_foreign_key(batch_op.f('fk_cases_referred_tier_code_tiers'), 'tiers',
                                    ['referred_tier_code'], ['code'])
        batch_op.create_foreign_key(batch_op.f('fk_cases_follow_up_of_id_cases'), 'cases',
                                    ['follow_up_of_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_cases_override_reviewed_by_id_users'), 'users',
                                    ['override_reviewed_by_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_cases_follow_up_of_id'), ['follow_up_of_id'], unique=False)

    op.create_table('case_readings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('systolic', sa.Integer(), nullable=True),
    sa.Column('diastolic', sa.Integer(), nullable=True),
    sa.Column('pulse', sa.Integer(), nullable=True),
    sa.Column('glucose', sa.Float(), nullable=True),
    sa.Column('hba1c', sa.Float(), nullable=True),
    sa.Column('weight', sa.Float(), nullable=True),
    sa.CheckConstraint('systolic IS NOT NULL OR diastolic IS NOT NULL OR pulse IS NOT NULL OR glucose IS NOT NULL OR hba1c IS NOT NULL OR weight IS NOT NULL', name=op.f('ck_case_readings_some_value')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_readings_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_readings'))
    )
    with op.batch_alter_table('case_readings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_readings_case_id'), ['case_id'], unique=False)

    op.create_table('case_medications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('dose', sa.String(length=60), nullable=True),
    sa.Column('frequency', sa.String(length=60), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_medications_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_medications'))
    )
    with op.batch_alter_table('case_medications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_medications_case_id'), ['case_id'], unique=False)

    # The old "answered" meant "the asker confirmed"; keep that time, then let
    # every case answered and not asked again since read "answered".
    op.execute("UPDATE cases SET answer_confirmed_at = answered_at "
               "WHERE answered_at IS NOT NULL AND status IN ('answered', 'closed')")
    op.execute("UPDATE cases SET status = 'answered', answered_at = last_answer_at, due_at = NULL "
               "WHERE status = 'open' AND last_answer_at IS NOT NULL AND NOT EXISTS ("
               "SELECT 1 FROM case_events e WHERE e.case_id = cases.id AND e.action = 'asked_again' "
               "AND e.created_at > cases.last_answer_at)")
    op.execute("UPDATE cases SET recommended_at = (SELECT MIN(r.created_at) FROM case_replies r "
               "WHERE r.case_id = cases.id AND r.is_recommendation) "
               "WHERE EXISTS (SELECT 1 FROM case_replies r WHERE r.case_id = cases.id AND r.is_recommendation)")


def downgrade():
    with op.batch_alter_table('case_medications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_medications_case_id'))
    op.drop_table('case_medications')
    with op.batch_alter_table('case_readings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_readings_case_id'))
    op.drop_table('case_readings')

    # Drafts without an age or a sex cannot go back under the old checks.
    op.execute("DELETE FROM cases WHERE status = 'draft' AND (sex IS NULL OR "
               "(age_years IS NULL AND age_months IS NULL))")
    op.execute("UPDATE cases SET answered_at = answer_confirmed_at, status = CASE WHEN status = 'answered' "
               "AND answer_confirmed_at IS NULL THEN 'open' ELSE status END")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_follow_up_of_id'))
        batch_op.drop_constraint(batch_op.f('fk_cases_override_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_cases_follow_up_of_id_cases'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_cases_referred_tier_code_tiers'), type_='foreignkey')
        for name in NEW_CHECKS:
            batch_op.drop_constraint(batch_op.f(f'ck_cases_{name}'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_cases_one_age'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_cases_one_age'),
                                         '(age_years IS NULL) <> (age_months IS NULL)')
        batch_op.alter_column('sex', existing_type=sa.String(length=10), nullable=False)
        for column in ('override_reviewed_by_id', 'override_reviewed_at', 'override_review',
                       'identifier_override_kinds', 'identifier_override_at', 'identifier_override_reason',
                       'follow_up_of_id', 'complications_screened', 'adherence', 'ncd_kind', 'close_reason',
                       'referred_tier_code', 'outcome_code', 'recommended_at', 'answer_confirmed_at'):
            batch_op.drop_column(column)
