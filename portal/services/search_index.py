"""Maintenance of the name-search index (the SQLite FTS5 shadow table)."""

from __future__ import annotations

from sqlalchemy import text

from ..extensions import db


def rebuild_index() -> None:
    """Rebuild the FTS5 table from cases (SQLite); on PostgreSQL, rebuild the name index and
    add any term missing from search_terms (its triggers keep it whole; this repairs it)."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("INSERT INTO cases_fts(cases_fts) VALUES ('rebuild')"))
    else:
        db.session.execute(text("REINDEX INDEX ix_cases_search_tsv"))
        db.session.execute(text(
            "INSERT INTO search_terms (term) SELECT DISTINCT t FROM cases, "
            "unnest(tsvector_to_array(search_tsv)) AS t ON CONFLICT DO NOTHING"))
