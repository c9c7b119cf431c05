"""Live chat: rooms, messages, read marks and urgent-message acknowledgements.

Reviewed by hand. A room belongs to one group, one case or one pair of
people (ck_chat_rooms_owner; one room each, by the partial unique index on
group rooms and the unique case_id and pair). (author_id, client_id) is unique
so a resend after a lost ack is stored once. Read state is one row per
(room, person) holding the last message id read: receipts and unread counts
are comparisons, not a row per message. chat_acknowledgements is both the
"who has acknowledged" record and the reminder row (due_at, done_at) that
the scheduler claims (ix_chat_acknowledgements_due). chat_attachments holds
at most one re-encoded image per message (files under instance/uploads/).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('chat_rooms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('user_low_id', sa.Integer(), nullable=True),
    sa.Column('user_high_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'group' AND group_id IS NOT NULL AND case_id IS NULL AND user_low_id IS NULL) OR (kind = 'case' AND case_id IS NOT NULL AND user_low_id IS NULL) OR (kind = 'direct' AND group_id IS NULL AND case_id IS NULL AND user_low_id IS NOT NULL AND user_high_id IS NOT NULL AND user_low_id < user_high_id)", name=op.f('ck_chat_rooms_owner')),
    sa.CheckConstraint("kind IN ('group', 'case', 'direct')", name=op.f('ck_chat_rooms_kind')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_chat_rooms_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['mentoring_groups.id'], name=op.f('fk_chat_rooms_group_id_mentoring_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_high_id'], ['users.id'], name=op.f('fk_chat_rooms_user_high_id_users')),
    sa.ForeignKeyConstraint(['user_low_id'], ['users.id'], name=op.f('fk_chat_rooms_user_low_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_rooms')),
    sa.UniqueConstraint('case_id', name='uq_chat_rooms_case_id'),
    sa.UniqueConstraint('user_low_id', 'user_high_id', name='uq_chat_rooms_pair')
    )
    with op.batch_alter_table('chat_rooms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_rooms_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_rooms_user_high_id'), ['user_high_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_rooms_user_low_id'), ['user_low_id'], unique=False)
        batch_op.create_index('uq_chat_rooms_group', ['group_id'], unique=True, sqlite_where=sa.text("kind = 'group'"), postgresql_where=sa.text("kind = 'group'"))

    op.create_table('chat_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('length(body) <= 4000', name=op.f('ck_chat_messages_body_length')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_chat_messages_author_id_users')),
    sa.ForeignKeyConstraint(['room_id'], ['chat_rooms.id'], name=op.f('fk_chat_messages_room_id_chat_rooms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_messages')),
    sa.UniqueConstraint('author_id', 'client_id', name='uq_chat_messages_author_client')
    )
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.create_index('ix_chat_messages_room_id_id', ['room_id', 'id'], unique=False)

    op.create_table('chat_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('thumb_name', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name=op.f('ck_chat_attachments_content_type')),
    sa.ForeignKeyConstraint(['message_id'], ['chat_messages.id'], name=op.f('fk_chat_attachments_message_id_chat_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_attachments')),
    sa.UniqueConstraint('message_id', name=op.f('uq_chat_attachments_message_id')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_chat_attachments_stored_name'))
    )

    op.create_table('chat_read_states',
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_read_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['chat_rooms.id'], name=op.f('fk_chat_read_states_room_id_chat_rooms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_chat_read_states_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('room_id', 'user_id', name=op.f('pk_chat_read_states'))
    )
    with op.batch_alter_table('chat_read_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_read_states_user_id'), ['user_id'], unique=False)

    op.create_table('chat_acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminders_sent', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['chat_messages.id'], name=op.f('fk_chat_acknowledgements_message_id_chat_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_chat_acknowledgements_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_acknowledgements')),
    sa.UniqueConstraint('message_id', 'user_id', name='uq_chat_acknowledgements_message_user')
    )
    with op.batch_alter_table('chat_acknowledgements', schema=None) as batch_op:
        batch_op.create_index('ix_chat_acknowledgements_due', ['done_at', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_acknowledgements_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('chat_acknowledgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_acknowledgements_user_id'))
        batch_op.drop_index('ix_chat_acknowledgements_due')

    op.drop_table('chat_acknowledgements')
    with op.batch_alter_table('chat_read_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_read_states_user_id'))

    op.drop_table('chat_read_states')
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_messages_room_id_id')

    op.drop_table('chat_attachments')
    op.drop_table('chat_messages')
    with op.batch_alter_table('chat_rooms', schema=None) as batch_op:
        batch_op.drop_index('uq_chat_rooms_group', sqlite_where=sa.text("kind = 'group'"), postgresql_where=sa.text("kind = 'group'"))
        batch_op.drop_index(batch_op.f('ix_chat_rooms_user_low_id'))
        batch_op.drop_index(batch_op.f('ix_chat_rooms_user_high_id'))
        batch_op.drop_index(batch_op.f('ix_chat_rooms_group_id'))

    op.drop_table('chat_rooms')
