"""Teaching sessions, and chat rooms of kind "session".

Reviewed by hand. A session is one occurrence (its RSVPs, register,
reminders and room hang off it); session_series holds an RFC 5545 rule and
how far its occurrences are materialised, and (series_id, original_start)
is unique so re-expanding never makes a twin. session_reminders are the
deadline rows the scheduler claims (ix_session_reminders_due). The register
is session_attendance (one line per person, the minutes that count) with its
join/leave segments and the corrections (reason, who, when).
calendar_feed_tokens keeps only the SHA-256 of a subscription secret.

chat_rooms gains session_id (unique, CASCADE) and the kind "session"; on
SQLite the table is rebuilt (batch mode) and both check constraints,
ck_chat_rooms_kind and ck_chat_rooms_owner, are replaced by name.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

OLD_KIND = "kind IN ('group', 'case', 'direct')"
NEW_KIND = "kind IN ('group', 'case', 'direct', 'session')"
OLD_OWNER = ("(kind = 'group' AND group_id IS NOT NULL AND case_id IS NULL AND user_low_id IS NULL) OR "
             "(kind = 'case' AND case_id IS NOT NULL AND user_low_id IS NULL) OR "
             "(kind = 'direct' AND group_id IS NULL AND case_id IS NULL AND user_low_id IS NOT NULL "
             "AND user_high_id IS NOT NULL AND user_low_id < user_high_id)")
NEW_OWNER = ("(kind = 'group' AND group_id IS NOT NULL AND case_id IS NULL AND user_low_id IS NULL "
             "AND session_id IS NULL) OR "
             "(kind = 'case' AND case_id IS NOT NULL AND user_low_id IS NULL AND session_id IS NULL) OR "
             "(kind = 'direct' AND group_id IS NULL AND case_id IS NULL AND user_low_id IS NOT NULL "
             "AND user_high_id IS NOT NULL AND user_low_id < user_high_id AND session_id IS NULL) OR "
             "(kind = 'session' AND session_id IS NOT NULL AND group_id IS NULL AND case_id IS NULL "
             "AND user_low_id IS NULL)")


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feed_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feed_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_tokens_token_hash'))
    )
    with op.batch_alter_table('calendar_feed_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feed_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('session_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('dtstart', sa.DateTime(timezone=True), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('materialised_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['host_id'], ['users.id'], name=op.f('fk_session_series_host_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_series'))
    )
    with op.batch_alter_table('session_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_series_host_id'), ['host_id'], unique=False)

    op.create_table('workshops',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_workshops_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshops'))
    )
    op.create_table('teaching_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('original_start', sa.DateTime(timezone=True), nullable=True),
    sa.Column('workshop_id', sa.Integer(), nullable=True),
    sa.Column('host_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('competency_codes', sa.JSON(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=True),
    sa.Column('video_url', sa.String(length=500), nullable=True),
    sa.Column('video_generated', sa.Boolean(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('recording_url', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('scheduled', 'cancelled', 'held')", name=op.f('ck_teaching_sessions_status')),
    sa.CheckConstraint('capacity IS NULL OR capacity > 0', name=op.f('ck_teaching_sessions_capacity')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_teaching_sessions_duration')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_teaching_sessions_created_by_id_users')),
    sa.ForeignKeyConstraint(['host_id'], ['users.id'], name=op.f('fk_teaching_sessions_host_id_users')),
    sa.ForeignKeyConstraint(['series_id'], ['session_series.id'], name=op.f('fk_teaching_sessions_series_id_session_series')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_teaching_sessions_workshop_id_workshops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teaching_sessions')),
    sa.UniqueConstraint('series_id', 'original_start', name='uq_teaching_sessions_occurrence')
    )
    with op.batch_alter_table('teaching_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_teaching_sessions_host_time', ['host_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_teaching_sessions_series_id'), ['series_id'], unique=False)
        batch_op.create_index('ix_teaching_sessions_starts_at', ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_teaching_sessions_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('session_agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('presenter_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('didactic', 'case')", name=op.f('ck_session_agenda_items_kind')),
    sa.CheckConstraint('minutes > 0', name=op.f('ck_session_agenda_items_minutes')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_session_agenda_items_case_id_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['presenter_id'], ['users.id'], name=op.f('fk_session_agenda_items_presenter_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['teaching_sessions.id'], name=op.f('fk_session_agenda_items_session_id_teaching_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_agenda_items'))
    )
    with op.batch_alter_table('session_agenda_items', schema=None) as batch_op:
        batch_op.create_index('ix_session_agenda_items_presenter', ['presenter_id', 'session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_agenda_items_session_id'), ['session_id'], unique=False)

    op.create_table('session_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('corrected', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('minutes >= 0', name=op.f('ck_session_attendance_minutes')),
    sa.ForeignKeyConstraint(['session_id'], ['teaching_sessions.id'], name=op.f('fk_session_attendance_session_id_teaching_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_attendance_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_attendance')),
    sa.UniqueConstraint('session_id', 'user_id', name='uq_session_attendance_session_user')
    )
    with op.batch_alter_table('session_attendance', schema=None) as batch_op:
        batch_op.create_index('ix_session_attendance_user', ['user_id', 'session_id'], unique=False)

    op.create_table('session_attendance_segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('left_at IS NULL OR left_at >= joined_at', name=op.f('ck_session_attendance_segments_order')),
    sa.ForeignKeyConstraint(['session_id'], ['teaching_sessions.id'], name=op.f('fk_session_attendance_segments_session_id_teaching_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_attendance_segments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_attendance_segments'))
    )
    with op.batch_alter_table('session_attendance_segments', schema=None) as batch_op:
        batch_op.create_index('ix_session_attendance_segments_open', ['session_id', 'user_id', 'left_at'], unique=False)

    op.create_table('session_audiences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('tier_code', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['mentoring_groups.id'], name=op.f('fk_session_audiences_group_id_mentoring_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['teaching_sessions.id'], name=op.f('fk_session_audiences_session_id_teaching_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tier_code'], ['tiers.code'], name=op.f('fk_session_audiences_tier_code_tiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_audiences'))
    )
    with op.batch_alter_table('session_audiences', schema=None) as batch_op:
        batch_op.create_index('ix_session_audiences_group', ['group_id', 'session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_audiences_session_id'), ['session_id'], unique=False)

    op.create_table('session_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_session_feedback_rating')),
    sa.ForeignKeyConstraint(['session_id'], ['teaching_sessions.id'], name=op.f('fk_session_feedback_session_id_teaching_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_feedback_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_feedback')),
    sa.UniqueConstraint('session_id', 'user_id', name='uq_session_feedback_session_user')
    )
    with op.batch_alter_table('session_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_feedback_user_id'), ['user_id'], unique=False)

    op.create_table('session_rsvps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.String(length=5), nullable=False),
    sa.Column('waitlist_position', sa.Integer(), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("response IN ('yes', 'no', 'maybe')", name=op.f('ck_session_rsvps_response')),
    sa.ForeignKeyConstraint(['session_id'], ['teaching_sessions.id'], name=op.f('fk_session_rsvps_session_id_teaching_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_rsvps_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_rsvps')),
    sa.UniqueConstraint('session_id', 'user_id', name='uq_session_rsvps_session_user')
    )
    with op.batch_alter_table('session_rsvps', schema=None) as batch_op:
        batch_op.create_index('ix_session_rsvps_user', ['user_id', 'response'], unique=False)

    op.create_table('session_attendance_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('previous_minutes', sa.Integer(), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('corrected_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['users.id'], name=op.f('fk_session_attendance_corrections_corrected_by_id_users')),
    sa.ForeignKeyConstraint(['record_id'], ['session_attendance.id'], name=op.f('fk_session_attendance_corrections_record_id_session_attendance'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_attendance_corrections'))
    )
    with op.batch_alter_table('session_attendance_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_attendance_corrections_record_id'), ['record_id'], unique=False)

    op.create_table('session_materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('review_status', sa.String(length=10), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')", name=op.f('ck_session_materials_content_type')),
    sa.CheckConstraint("review_status IN ('in_review', 'approved', 'rejected')", name=op.f('ck_session_materials_review_status')),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['session_agenda_items.id'], name=op.f('fk_session_materials_agenda_item_id_session_agenda_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_session_materials_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['teaching_sessions.id'], name=op.f('fk_session_materials_session_id_teaching_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_session_materials_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_materials')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_session_materials_stored_name'))
    )
    with op.batch_alter_table('session_materials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_materials_session_id'), ['session_id'], unique=False)

    op.create_table('session_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('offset_minutes', sa.Integer(), nullable=True),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('reminder', 'slides', 'end')", name=op.f('ck_session_reminders_kind')),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['session_agenda_items.id'], name=op.f('fk_session_reminders_agenda_item_id_session_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['teaching_sessions.id'], name=op.f('fk_session_reminders_session_id_teaching_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_reminders'))
    )
    with op.batch_alter_table('session_reminders', schema=None) as batch_op:
        batch_op.create_index('ix_session_reminders_due', ['done_at', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_reminders_session_id'), ['session_id'], unique=False)

    with op.batch_alter_table('chat_rooms', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_chat_rooms_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_chat_rooms_owner'), type_='check')
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint('uq_chat_rooms_session_id', ['session_id'])
        batch_op.create_foreign_key(batch_op.f('fk_chat_rooms_session_id_teaching_sessions'), 'teaching_sessions', ['session_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(batch_op.f('ck_chat_rooms_kind'), NEW_KIND)
        batch_op.create_check_constraint(batch_op.f('ck_chat_rooms_owner'), NEW_OWNER)



def downgrade():
    # Session rooms have no place in the older schema: they go with their sessions.
    op.execute("DELETE FROM chat_rooms WHERE kind = 'session'")
    with op.batch_alter_table('chat_rooms', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_chat_rooms_owner'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_chat_rooms_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_chat_rooms_session_id_teaching_sessions'), type_='foreignkey')
        batch_op.drop_constraint('uq_chat_rooms_session_id', type_='unique')
        batch_op.drop_column('session_id')
        batch_op.create_check_constraint(batch_op.f('ck_chat_rooms_kind'), OLD_KIND)
        batch_op.create_check_constraint(batch_op.f('ck_chat_rooms_owner'), OLD_OWNER)

    with op.batch_alter_table('session_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_reminders_session_id'))
        batch_op.drop_index('ix_session_reminders_due')

    op.drop_table('session_reminders')
    with op.batch_alter_table('session_materials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_materials_session_id'))

    op.drop_table('session_materials')
    with op.batch_alter_table('session_attendance_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_attendance_corrections_record_id'))

    op.drop_table('session_attendance_corrections')
    with op.batch_alter_table('session_rsvps', schema=None) as batch_op:
        batch_op.drop_index('ix_session_rsvps_user')

    op.drop_table('session_rsvps')
    with op.batch_alter_table('session_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_feedback_user_id'))

    op.drop_table('session_feedback')
    with op.batch_alter_table('session_audiences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_audiences_session_id'))
        batch_op.drop_index('ix_session_audiences_group')

    op.drop_table('session_audiences')
    with op.batch_alter_table('session_attendance_segments', schema=None) as batch_op:
        batch_op.drop_index('ix_session_attendance_segments_open')

    op.drop_table('session_attendance_segments')
    with op.batch_alter_table('session_attendance', schema=None) as batch_op:
        batch_op.drop_index('ix_session_attendance_user')

    op.drop_table('session_attendance')
    with op.batch_alter_table('session_agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_agenda_items_session_id'))
        batch_op.drop_index('ix_session_agenda_items_presenter')

    op.drop_table('session_agenda_items')
    with op.batch_alter_table('teaching_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teaching_sessions_workshop_id'))
        batch_op.drop_index('ix_teaching_sessions_starts_at')
        batch_op.drop_index(batch_op.f('ix_teaching_sessions_series_id'))
        batch_op.drop_index('ix_teaching_sessions_host_time')

    op.drop_table('teaching_sessions')
    op.drop_table('workshops')
    with op.batch_alter_table('session_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_series_host_id'))

    op.drop_table('session_series')
    with op.batch_alter_table('calendar_feed_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feed_tokens_user_id'))

    op.drop_table('calendar_feed_tokens')
