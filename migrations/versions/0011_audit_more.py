"""Audit log: an index for the admin's "from where" filter.

Reviewed by hand. The page filters by the start of an address ("10.1.")
newest first; (ip, created_at) serves that without reading the whole log.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_ip', ['ip', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_ip')
