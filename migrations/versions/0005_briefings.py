"""briefings: the briefing_packs table

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-23 18:41:49.805957

"""
import sqlalchemy as sa
from alembic import op

import portal.models.base

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('briefing_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.String(length=19), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('selection_json', sa.Text(), nullable=False),
    sa.Column('sections_json', sa.Text(), nullable=False),
    sa.Column('covering_note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=20), nullable=False),
    sa.Column('case_count', sa.Integer(), nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_briefing_packs_created_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_briefing_packs_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_packs')),
    sa.UniqueConstraint('document_id', name=op.f('uq_briefing_packs_document_id'))
    )
    with op.batch_alter_table('briefing_packs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_briefing_packs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_briefing_packs_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_briefing_packs_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_briefing_packs_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_briefing_packs_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('briefing_packs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_briefing_packs_status'))
        batch_op.drop_index(batch_op.f('ix_briefing_packs_organization_id'))
        batch_op.drop_index(batch_op.f('ix_briefing_packs_expires_at'))
        batch_op.drop_index(batch_op.f('ix_briefing_packs_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_briefing_packs_created_at'))

    op.drop_table('briefing_packs')
