"""cases (PostgreSQL): the name-search vector stored in a generated column

The GIN index was on an expression, to_tsvector(search_ar || ' ' || search_sk). A bitmap
scan of it rechecks every row it reads, and the recheck computed the vector again (about
5 µs a row); the planner, without statistics on the expression, also guessed 25 matches
for a name that 95,000 cases hold. A common name searched by a partner, whose subset is
one case in twelve of those matches, read 25,000 rows that way (45 ms). Stored in a
column, the recheck reads the vector and ANALYZE knows its terms: counting the 95,000
cases holding "mhmd" went from 445 ms to 50 ms. See bench/README.md (P2).

SQLite keeps its FTS5 table (migration 0002); this revision does nothing there. On
PostgreSQL, adding a stored column rewrites the cases table under an exclusive lock: about
10 s at 250,000 cases on a 2-core machine; run it in a maintenance window.

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

VECTOR = "to_tsvector('simple'::regconfig, search_ar || ' ' || search_sk)"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE cases ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS "
               f"({VECTOR}) STORED")
    op.execute("CREATE INDEX ix_cases_search_tsv ON cases USING gin (search_tsv) "
               "WHERE deleted_at IS NULL")
    op.execute("DROP INDEX IF EXISTS ix_cases_search_ts")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_cases_search_ts ON cases USING gin ({VECTOR}) "
               "WHERE deleted_at IS NULL")
    op.execute("DROP INDEX IF EXISTS ix_cases_search_tsv")
    op.execute("ALTER TABLE cases DROP COLUMN search_tsv")
