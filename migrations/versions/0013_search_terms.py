"""search_terms (PostgreSQL): every term the name-search vectors hold, to spell prefixes out

A name search matches its last word as a prefix (a name being typed): "Hasan Halabi" is
hsn & hlb:*. In a GIN index a prefix is a partial match, which PostgreSQL reads in full
into a bitmap before combining it with the other words, where whole terms are combined by
skipping through their lists. Over the 100 partner queries of the bench, the name match
alone took 2.87 ms a query as a prefix and 1.51 ms spelt out, for the same cases
(`python -m bench.partner_queries --db postgres`). With the terms at hand, the
search spells a prefix out as the whole terms that start with it (search.query,
PREFIX_TERMS at most), which matches exactly the same cases.

* `search_terms`: each term of any case's search_tsv (migration 0011), in byte order
  (COLLATE "C") so that a prefix is a range of the primary key. A statement trigger on
  cases adds the terms of new and changed vectors, in the writing transaction, for every
  writer. Terms are never removed: a term no case holds any longer only costs an empty
  lookup, and the table stays a superset of the terms in use, which is all the search
  needs (`flask cases reindex` adds any missing term again).

SQLite keeps FTS5 prefix queries; this revision does nothing there.

Revision ID: 0013
Revises: 0012
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

FILL = """INSERT INTO search_terms (term)
          SELECT DISTINCT t FROM {source}, unnest(tsvector_to_array({vector})) AS t
          {where} ON CONFLICT DO NOTHING"""
ADDED = f"""CREATE OR REPLACE FUNCTION search_terms_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {FILL.format(source="new_rows", vector="search_tsv", where="")};
  RETURN NULL;
END $$"""
CHANGED = f"""CREATE OR REPLACE FUNCTION search_terms_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {FILL.format(source="new_rows n JOIN old_rows o ON o.id = n.id", vector="n.search_tsv",
               where="WHERE n.search_tsv IS DISTINCT FROM o.search_tsv")};
  RETURN NULL;
END $$"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE cases IN SHARE MODE")  # no case written between fill and triggers
    op.execute('CREATE TABLE search_terms (term text COLLATE "C" PRIMARY KEY)')
    op.execute(FILL.format(source="cases", vector="search_tsv", where=""))
    op.execute(ADDED)
    op.execute(CHANGED)
    op.execute("CREATE TRIGGER search_terms_insert AFTER INSERT ON cases "
               "REFERENCING NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION search_terms_added()")
    op.execute("CREATE TRIGGER search_terms_update AFTER UPDATE ON cases "
               "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION search_terms_changed()")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS search_terms_update ON cases")
    op.execute("DROP TRIGGER IF EXISTS search_terms_insert ON cases")
    op.execute("DROP FUNCTION IF EXISTS search_terms_changed()")
    op.execute("DROP FUNCTION IF EXISTS search_terms_added()")
    op.execute("DROP TABLE IF EXISTS search_terms")
