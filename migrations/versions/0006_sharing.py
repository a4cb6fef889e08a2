"""sharing: share grants (share_grants) and the cases they name (share_grant_cases)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 19:39:21.216775

"""
import sqlalchemy as sa
from alembic import op

import portal.models.base

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('share_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('filter_params', sa.Text(), nullable=True),
    sa.Column('filter_source_id', sa.Integer(), nullable=True),
    sa.Column('filter_name', sa.String(length=100), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_share_grants_created_by_id_users')),
    sa.ForeignKeyConstraint(['filter_source_id'], ['saved_filters.id'], name=op.f('fk_share_grants_filter_source_id_saved_filters'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_share_grants_organization_id_organizations')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_share_grants_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_grants')),
    sa.UniqueConstraint('uid', name=op.f('uq_share_grants_uid'))
    )
    with op.batch_alter_table('share_grants', schema=None) as batch_op:
        batch_op.create_index('ix_share_grants_org_active', ['organization_id', 'revoked_at', 'expires_at'], unique=False)

    op.create_table('share_grant_cases',
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_share_grant_cases_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['grant_id'], ['share_grants.id'], name=op.f('fk_share_grant_cases_grant_id_share_grants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('grant_id', 'case_id', name=op.f('pk_share_grant_cases'))
    )
    with op.batch_alter_table('share_grant_cases', schema=None) as batch_op:
        batch_op.create_index('ix_share_grant_cases_case', ['case_id', 'grant_id'], unique=False)



def downgrade():
    with op.batch_alter_table('share_grant_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_share_grant_cases_case')

    op.drop_table('share_grant_cases')
    with op.batch_alter_table('share_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_share_grants_org_active')

    op.drop_table('share_grants')
