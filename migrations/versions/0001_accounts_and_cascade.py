"""Accounts and the 1-4-4-2 cascade: tiers, provinces, communes, facilities,
users, API tokens, mentoring groups and memberships.

Reviewed by hand: constraint names follow the metadata naming convention;
the four tiers are reference data and are inserted here, not by seed code,
so every database (demo or province) has them. Provinces and communes come
from `flask --app wsgi import-admin-units` (the data changes with reforms;
the schema does not).

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mentoring_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentoring_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_mentoring_groups_name'))
    )
    op.create_table('provinces',
    sa.Column('code', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('division_type', sa.String(length=60), nullable=False),
    sa.Column('codename', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_provinces'))
    )
    op.create_table('tiers',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_tiers')),
    sa.UniqueConstraint('rank', name=op.f('uq_tiers_rank'))
    )
    op.create_table('communes',
    sa.Column('code', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('division_type', sa.String(length=60), nullable=False),
    sa.Column('codename', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['province_code'], ['provinces.code'], name=op.f('fk_communes_province_code_provinces')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_communes'))
    )
    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_communes_province_code'), ['province_code'], unique=False)

    op.create_table('facilities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('tier_code', sa.String(length=20), nullable=False),
    sa.Column('province_code', sa.Integer(), nullable=False),
    sa.Column('commune_code', sa.Integer(), nullable=True),
    sa.Column('area', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('central_hospital', 'provincial_hospital', 'provincial_cdc', 'regional_health_centre', 'commune_health_station')", name=op.f('ck_facilities_kind')),
    sa.ForeignKeyConstraint(['commune_code'], ['communes.code'], name=op.f('fk_facilities_commune_code_communes')),
    sa.ForeignKeyConstraint(['province_code'], ['provinces.code'], name=op.f('fk_facilities_province_code_provinces')),
    sa.ForeignKeyConstraint(['tier_code'], ['tiers.code'], name=op.f('fk_facilities_tier_code_tiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_facilities'))
    )
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_facilities_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_facilities_province_code'), ['province_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_facilities_tier_code'), ['tier_code'], unique=False)
        batch_op.create_index('uq_facilities_name_province', ['name', 'province_code'], unique=True)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('tier_code', sa.String(length=20), nullable=True),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('auth_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("language IN ('vi', 'en')", name=op.f('ck_users_language')),
    sa.CheckConstraint("role IN ('worker', 'mentor', 'coordinator', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_users_facility_id_facilities')),
    sa.ForeignKeyConstraint(['tier_code'], ['tiers.code'], name=op.f('fk_users_tier_code_tiers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_facility_id'), ['facility_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_tier_code'), ['tier_code'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('group_memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tier_code', sa.String(length=20), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("role IN ('mentor', 'member')", name=op.f('ck_group_memberships_role')),
    sa.CheckConstraint('left_on IS NULL OR left_on >= joined_on', name=op.f('ck_group_memberships_dates')),
    sa.ForeignKeyConstraint(['group_id'], ['mentoring_groups.id'], name=op.f('fk_group_memberships_group_id_mentoring_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supervisor_id'], ['group_memberships.id'], name=op.f('fk_group_memberships_supervisor_id_group_memberships')),
    sa.ForeignKeyConstraint(['tier_code'], ['tiers.code'], name=op.f('fk_group_memberships_tier_code_tiers')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_memberships_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_memberships'))
    )
    with op.batch_alter_table('group_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_memberships_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_group_memberships_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_group_memberships_current', ['group_id', 'user_id'], unique=True, sqlite_where=sa.text('left_on IS NULL'), postgresql_where=sa.text('left_on IS NULL'))

    tiers = sa.table("tiers", sa.column("code", sa.String), sa.column("rank", sa.Integer))
    op.bulk_insert(tiers, [
        {"code": "central", "rank": 1},
        {"code": "provincial", "rank": 2},
        {"code": "district", "rank": 3},
        {"code": "commune", "rank": 4},
    ])


def downgrade():
    with op.batch_alter_table('group_memberships', schema=None) as batch_op:
        batch_op.drop_index('uq_group_memberships_current', sqlite_where=sa.text('left_on IS NULL'), postgresql_where=sa.text('left_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_group_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_group_memberships_group_id'))

    op.drop_table('group_memberships')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_tier_code'))
        batch_op.drop_index(batch_op.f('ix_users_facility_id'))

    op.drop_table('users')
    with op.batch_alter_table('facilities', schema=None) as batch_op:
        batch_op.drop_index('uq_facilities_name_province')
        batch_op.drop_index(batch_op.f('ix_facilities_tier_code'))
        batch_op.drop_index(batch_op.f('ix_facilities_province_code'))
        batch_op.drop_index(batch_op.f('ix_facilities_commune_code'))

    op.drop_table('facilities')
    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communes_province_code'))

    op.drop_table('communes')
    op.drop_table('tiers')
    op.drop_table('provinces')
    op.drop_table('mentoring_groups')
