"""Maintenance of the name-search index (the SQLite FTS5 shadow table)."""

from __future__ import annotations

from sqlalchemy import text

from ...extensions import db


def rebuild_index() -> None:
    """Rebuild the FTS5 table from cases (SQLite); on PostgreSQL, rebuild the name index, add
    any term missing from search_terms and set the grant ids on each case row again from
    share_grant_cases (triggers keep both; this repairs what a writer bypassing them left)."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("INSERT INTO cases_fts(cases_fts) VALUES ('rebuild')"))
    else:
        db.session.execute(text("REINDEX INDEX ix_cases_search_tsv"))
        db.session.execute(text(
            "INSERT INTO search_terms (term) SELECT DISTINCT t FROM cases, "
            "unnest(tsvector_to_array(search_tsv)) AS t ON CONFLICT DO NOTHING"))
        db.session.execute(text("LOCK TABLE share_grant_cases IN SHARE MODE"))
        db.session.execute(text(
            "UPDATE cases c SET share_grant_ids = coalesce(g.ids, '{}') FROM cases k "
            "LEFT JOIN (SELECT case_id, array_agg(grant_id ORDER BY grant_id) AS ids "
            "FROM share_grant_cases GROUP BY case_id) g ON g.case_id = k.id "
            "WHERE c.id = k.id AND c.share_grant_ids IS DISTINCT FROM coalesce(g.ids, '{}')"))
