"""events: joint events, their organisations, history, agenda, materials, RSVPs,
attendance, calendar-feed tokens, and the users' own time zone.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 18:41:46.379818

"""
import sqlalchemy as sa
from alembic import op

import portal.models.base

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_tokens_token_hash'))
    )
    with op.batch_alter_table('calendar_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('title_ar', sa.String(length=200), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('description_ar', sa.Text(), nullable=False),
    sa.Column('starts_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('organizer_org_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_org_id', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('languages', sa.String(length=40), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_events_created_by_id_users')),
    sa.ForeignKeyConstraint(['organizer_org_id'], ['organizations.id'], name=op.f('fk_events_organizer_org_id_organizations')),
    sa.ForeignKeyConstraint(['proposed_by_org_id'], ['organizations.id'], name=op.f('fk_events_proposed_by_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('uid', name=op.f('uq_events_uid'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_organizer_org_id'), ['organizer_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_proposed_by_org_id'), ['proposed_by_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_status'), ['status'], unique=False)

    op.create_table('event_agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('speaker', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_agenda_items_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_agenda_items'))
    )
    with op.batch_alter_table('event_agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_agenda_items_event_id'), ['event_id'], unique=False)

    op.create_table('event_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.Column('follow_up_user_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_attendance_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['follow_up_user_id'], ['users.id'], name=op.f('fk_event_attendance_follow_up_user_id_users')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_event_attendance_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_attendance')),
    sa.UniqueConstraint('event_id', name=op.f('uq_event_attendance_event_id'))
    )
    op.create_table('event_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('old_starts_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('old_ends_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('old_timezone', sa.String(length=64), nullable=False),
    sa.Column('new_starts_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('new_ends_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('new_timezone', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_event_changes_actor_id_users')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_changes_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_changes'))
    )
    with op.batch_alter_table('event_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_changes_event_id'), ['event_id'], unique=False)

    op.create_table('event_materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('extension', sa.String(length=8), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_event_materials_added_by_id_users')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_materials_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_materials'))
    )
    with op.batch_alter_table('event_materials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_materials_event_id'), ['event_id'], unique=False)

    op.create_table('event_organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_organizations_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_event_organizations_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_organizations')),
    sa.UniqueConstraint('event_id', 'organization_id', name=op.f('uq_event_organizations_event_id'))
    )
    with op.batch_alter_table('event_organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_organizations_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_organizations_organization_id'), ['organization_id'], unique=False)

    op.create_table('event_rsvps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('response', sa.String(length=10), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('waitlist_position', sa.Integer(), nullable=True),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_rsvps_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_event_rsvps_organization_id_organizations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_event_rsvps_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_rsvps')),
    sa.UniqueConstraint('event_id', 'organization_id', name=op.f('uq_event_rsvps_event_id'))
    )
    with op.batch_alter_table('event_rsvps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_rsvps_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_rsvps_organization_id'), ['organization_id'], unique=False)

    # A nullable column: SQLite adds it in place, no table rebuild needed.
    op.add_column('users', sa.Column('timezone', sa.String(length=64), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('timezone')

    with op.batch_alter_table('event_rsvps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_rsvps_organization_id'))
        batch_op.drop_index(batch_op.f('ix_event_rsvps_event_id'))

    op.drop_table('event_rsvps')
    with op.batch_alter_table('event_organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_organizations_organization_id'))
        batch_op.drop_index(batch_op.f('ix_event_organizations_event_id'))

    op.drop_table('event_organizations')
    with op.batch_alter_table('event_materials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_materials_event_id'))

    op.drop_table('event_materials')
    with op.batch_alter_table('event_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_changes_event_id'))

    op.drop_table('event_changes')
    op.drop_table('event_attendance')
    with op.batch_alter_table('event_agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_agenda_items_event_id'))

    op.drop_table('event_agenda_items')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_status'))
        batch_op.drop_index(batch_op.f('ix_events_starts_at'))
        batch_op.drop_index(batch_op.f('ix_events_proposed_by_org_id'))
        batch_op.drop_index(batch_op.f('ix_events_organizer_org_id'))
        batch_op.drop_index(batch_op.f('ix_events_ends_at'))

    op.drop_table('events')
    with op.batch_alter_table('calendar_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_tokens_user_id'))

    op.drop_table('calendar_tokens')
