"""register_epoch: a counter that every write to the register's visibility inputs advances

The case list shows how many cases a user may see. Counting a partner's subset evaluates
the grants and every source's consent for up to 10,000 cases (100-300 ms at 250,000 cases),
so access.visible_total() keeps the count per worker, keyed by this counter: the database
advances it, in the writing transaction, on every INSERT, UPDATE or DELETE of the tables
that decide what a list holds (cases, their timeline, tags and sources, consent,
organisations, grants). Triggers see every writer (ORM, bulk inserts, imports, restores);
the count cache can never outlive a change. Visibility itself is never cached.

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLES = ('cases', 'case_timeline', 'case_tags', 'case_sources', 'case_source_consent_orgs',
          'organizations', 'share_grants', 'share_grant_cases')
BUMP = 'UPDATE register_epoch SET value = value + 1 WHERE id = 1'


def upgrade():
    op.create_table('register_epoch',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('value', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_epoch')))
    op.execute('INSERT INTO register_epoch (id, value) VALUES (1, 1)')
    if op.get_bind().dialect.name == 'sqlite':
        for table in TABLES:  # SQLite has row triggers only
            for verb in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(f'CREATE TRIGGER {table}_epoch_{verb.lower()} AFTER {verb} '
                           f'ON {table} BEGIN {BUMP}; END')
        return
    # Once per transaction: every UPDATE of the one row in a single transaction leaves a row
    # version the next must step over, so a bulk import of n statements would cost n².
    # The flag is transaction-local (set_config(..., true)) and the commit publishes the new
    # value with all the transaction's writes at once.
    op.execute(f"""CREATE FUNCTION register_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
                   BEGIN
                     IF coalesce(current_setting('portal.epoch_bumped', true), '') <> '1' THEN
                       {BUMP};
                       PERFORM set_config('portal.epoch_bumped', '1', true);
                     END IF;
                     RETURN NULL;
                   END $$""")
    for table in TABLES:
        op.execute(f'CREATE TRIGGER {table}_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                   f'ON {table} FOR EACH STATEMENT EXECUTE FUNCTION register_epoch_bump()')


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in TABLES:
        if sqlite:
            for verb in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER IF EXISTS {table}_epoch_{verb}')
        else:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_epoch ON {table}')
    if not sqlite:
        op.execute('DROP FUNCTION IF EXISTS register_epoch_bump()')
    op.drop_table('register_epoch')
