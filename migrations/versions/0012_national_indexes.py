"""Indexes found by bench/explain.py at national size (issue 12).

Reviewed by hand. The coordinator's home and /groups/overview count every
group's current members by role and tier; at 10,000 groups (110,000
memberships) that was a Seq Scan of group_memberships on every load. A
partial index on the current rows, covering (role, group_id, tier_code,
user_id), serves the counts and the mentor list by an index-only scan.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_group_memberships_current_role', 'group_memberships',
                    ['role', 'group_id', 'tier_code', 'user_id'], unique=False,
                    sqlite_where=sa.text('left_on IS NULL'), postgresql_where=sa.text('left_on IS NULL'))


def downgrade():
    op.drop_index('ix_group_memberships_current_role', table_name='group_memberships',
                  sqlite_where=sa.text('left_on IS NULL'), postgresql_where=sa.text('left_on IS NULL'))
