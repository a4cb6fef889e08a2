"""cases (PostgreSQL): the ids of the grants naming each case, for the name search's index

A partner's name search asks for the cases matching a name AMONG the cases its grants name
(or its grants' filters select). The name index alone cannot answer that: for a common name
PostgreSQL read every case holding it and dropped those outside the subset row by row
("Mohamed El Halabi": 12,433 rows read for 1,043 kept, 24 ms; "Muhammad Almohammad":
25,000 read for 2,000). With the grant ids of each case on its own row, in a GIN index, the
database intersects the name's bitmap with the subset's (grants OR filters) before it reads
a row (1,399 rows read, 15 ms; 2,818 for 2,000). The plans: `python -m bench.profile --db
postgres --as partner "/cases/?q=Mohamed+El+Halabi"`; bench/README.md (P2) has the figures.

* `cases.share_grant_ids`: the ids of the grants whose explicit selection names the case
  (share_grant_cases), revoked and expired ones included: which of them count is decided
  on every request from the organisation's active grants (access._Coverage), exactly as
  before. It is derived data, kept by the triggers below in the writing transaction, by
  every writer (ORM, bulk inserts, restores); nothing else writes it and the ORM does not
  map it. The array changes by appending and removing, never by recomputing from the
  table, so two grants naming one case at the same time both land (a concurrent UPDATE
  re-evaluates the expression against the row the other committed).
* The name index loses its `WHERE deleted_at IS NULL`: PostgreSQL will not AND two bitmaps
  of partial indexes with the same predicate (choose_bitmap_and treats the second as
  redundant), so the name index and the grant index would never be combined.

SQLite has no GIN index and keeps probing share_grant_cases; this revision does nothing
there. On PostgreSQL it fills the column for every case a grant names and rebuilds the name
index: about 10 s at 250,000 cases and 250,000 grant rows on a 2-core machine.

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# Each function reads the transition table of its trigger's statement, grouped by case.
ADD = """CREATE OR REPLACE FUNCTION share_grant_ids_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cases c
     SET share_grant_ids = (SELECT array_agg(DISTINCT g ORDER BY g)
                              FROM unnest(c.share_grant_ids || n.ids) AS g)
    FROM (SELECT case_id, array_agg(grant_id) AS ids FROM new_rows GROUP BY case_id) n
   WHERE c.id = n.case_id;
  RETURN NULL;
END $$"""
REMOVE = """CREATE OR REPLACE FUNCTION share_grant_ids_remove() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cases c
     SET share_grant_ids = coalesce((SELECT array_agg(g ORDER BY g)
                                       FROM unnest(c.share_grant_ids) AS g
                                      WHERE g <> ALL (o.ids)), '{}')
    FROM (SELECT case_id, array_agg(grant_id) AS ids FROM old_rows GROUP BY case_id) o
   WHERE c.id = o.case_id;
  RETURN NULL;
END $$"""
CLEAR = """CREATE OR REPLACE FUNCTION share_grant_ids_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE cases SET share_grant_ids = '{}' WHERE share_grant_ids <> '{}';
  RETURN NULL;
END $$"""
# Triggers of one event fire in name order: an UPDATE removes the old pairs, then adds the new.
TRIGGERS = (
    ("share_grant_ids_1_insert", "INSERT", "NEW TABLE AS new_rows", "share_grant_ids_add"),
    ("share_grant_ids_2_delete", "DELETE", "OLD TABLE AS old_rows", "share_grant_ids_remove"),
    ("share_grant_ids_3_update_old", "UPDATE", "OLD TABLE AS old_rows",
     "share_grant_ids_remove"),
    ("share_grant_ids_4_update_new", "UPDATE", "NEW TABLE AS new_rows", "share_grant_ids_add"),
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # No grant row may change between the fill and the triggers (until this commits).
    op.execute("LOCK TABLE share_grant_cases IN SHARE MODE")
    # A constant default: no rewrite of the table.
    op.execute("ALTER TABLE cases ADD COLUMN share_grant_ids integer[] NOT NULL DEFAULT '{}'")
    op.execute("""UPDATE cases c SET share_grant_ids = g.ids
                    FROM (SELECT case_id, array_agg(grant_id ORDER BY grant_id) AS ids
                            FROM share_grant_cases GROUP BY case_id) g
                   WHERE c.id = g.case_id""")
    for function in (ADD, REMOVE, CLEAR):
        op.execute(function)
    for name, event, referencing, function in TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON share_grant_cases "
                   f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
    op.execute("CREATE TRIGGER share_grant_ids_5_truncate AFTER TRUNCATE ON share_grant_cases "
               "FOR EACH STATEMENT EXECUTE FUNCTION share_grant_ids_clear()")
    op.execute("CREATE INDEX ix_cases_share_grant_ids ON cases USING gin (share_grant_ids)")
    op.execute("DROP INDEX ix_cases_search_tsv")
    op.execute("CREATE INDEX ix_cases_search_tsv ON cases USING gin (search_tsv)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_cases_search_tsv")
    op.execute("CREATE INDEX ix_cases_search_tsv ON cases USING gin (search_tsv) "
               "WHERE deleted_at IS NULL")
    for name, *_ in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON share_grant_cases")
    op.execute("DROP TRIGGER IF EXISTS share_grant_ids_5_truncate ON share_grant_cases")
    for function in ("share_grant_ids_add", "share_grant_ids_remove", "share_grant_ids_clear"):
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.execute("DROP INDEX IF EXISTS ix_cases_share_grant_ids")
    op.execute("ALTER TABLE cases DROP COLUMN share_grant_ids")
