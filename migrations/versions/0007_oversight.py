"""oversight: notices, partner submissions, case changes; audit index per actor and time

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 19:40:52.218429

"""
import sqlalchemy as sa
from alembic import op

import portal.models.base

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_changes_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_changes'))
    )
    with op.batch_alter_table('case_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_changes_at'), ['at'], unique=False)
        batch_op.create_index('ix_case_changes_case', ['case_id', 'at'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_notices_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notices_case_id_cases')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_notices_organization_id_organizations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_acknowledged_at'), ['acknowledged_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_notices_user_kind', ['user_id', 'kind', 'created_at'], unique=False)

    op.create_table('partner_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=36), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('update_kind', sa.String(length=16), nullable=False),
    sa.Column('date', sa.String(length=21), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('result_case_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_partner_submissions_case_id_cases')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_partner_submissions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['facility_id'], ['facilities.id'], name=op.f('fk_partner_submissions_facility_id_facilities')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_partner_submissions_organization_id_organizations')),
    sa.ForeignKeyConstraint(['result_case_id'], ['cases.id'], name=op.f('fk_partner_submissions_result_case_id_cases')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_partner_submissions_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_submissions')),
    sa.UniqueConstraint('uid', name=op.f('uq_partner_submissions_uid'))
    )
    with op.batch_alter_table('partner_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_submissions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_submissions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_submissions_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_submissions_status'), ['status'], unique=False)

    # The bulk-read alert counts one account's reads of the last hour; the report filters
    # by account and time. (A plain CREATE INDEX: the append-only triggers are untouched.)
    op.create_index('ix_audit_events_actor_ts', 'audit_events', ['actor_id', 'ts'])


def downgrade():
    op.drop_index('ix_audit_events_actor_ts', table_name='audit_events')
    with op.batch_alter_table('partner_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_submissions_status'))
        batch_op.drop_index(batch_op.f('ix_partner_submissions_organization_id'))
        batch_op.drop_index(batch_op.f('ix_partner_submissions_created_at'))
        batch_op.drop_index(batch_op.f('ix_partner_submissions_case_id'))

    op.drop_table('partner_submissions')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_user_kind')
        batch_op.drop_index(batch_op.f('ix_notices_organization_id'))
        batch_op.drop_index(batch_op.f('ix_notices_acknowledged_at'))

    op.drop_table('notices')
    with op.batch_alter_table('case_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_case_changes_case')
        batch_op.drop_index(batch_op.f('ix_case_changes_at'))

    op.drop_table('case_changes')
