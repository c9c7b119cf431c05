"""The e-mail queue claims one mail at a time: attempts and the last error
are kept, and a mail that failed too often is marked failed and leaves the
queue (email_pending false) instead of blocking or re-sending the others.

Reviewed by hand: three nullable or defaulted columns, nothing rewritten.

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('email_error', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('email_failed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('email_failed_at')
        batch_op.drop_column('email_error')
        batch_op.drop_column('email_attempts')
