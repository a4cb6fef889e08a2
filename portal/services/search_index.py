"""Maintenance of the name-search index (the SQLite FTS5 shadow table)."""

from __future__ import annotations

from sqlalchemy import text

from ..extensions import db


def rebuild_index() -> None:
    """Rebuild the FTS5 table from cases (PostgreSQL indexes maintain themselves)."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("INSERT INTO cases_fts(cases_fts) VALUES ('rebuild')"))
    else:
        db.session.execute(text("REINDEX INDEX ix_cases_search_tsv"))
