"""PostgreSQL spells a name search's prefix out as the whole terms that start with it
(search.query._spelled_out, from search_terms, migration 0013). The cases found must be
exactly those the prefix finds, however the terms were written, and when the terms are too
many or missing the prefix stays. SQLite keeps FTS5 prefixes. Fictional names."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from portal.models import Case
from portal.search import query as search_query
from portal.search.ranking import query_tokens
from portal.services.cases.register import refresh_search_keys

from .case_helpers import make_case
from .conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(not ON_POSTGRES, reason="a PostgreSQL table and triggers")

NAMES = [("Qadir", "Halab"), ("Qadir", "Halabi"), ("Qadir", "Halabiyya"), ("Qadir", "Halbouni"),
         ("Qadir", "Hamwi"), ("Nizar", "Halabi"), ("Qadri", "Halab")]


def strict_ids(db, q: str) -> set[int]:
    match = search_query._index_match(search_query._strict(query_tokens(q)))
    return set(db.session.scalars(select(Case.id).where(Case.deleted_at.is_(None), match)))


def prefix_ids(db, q: str) -> set[int]:
    """The same query with its prefixes left as prefixes: what the index matched before."""
    tsq = search_query._tsquery(search_query._strict(query_tokens(q)))
    return set(db.session.scalars(text(
        "SELECT id FROM cases WHERE deleted_at IS NULL "
        "AND search_tsv @@ to_tsquery('simple', :q)"), {"q": tsq}))


def terms(db) -> set[str]:
    return set(db.session.scalars(text("SELECT term FROM search_terms")))


@pytest.fixture
def named(db, users):
    cases = [make_case(users["staff"], first_name_lat=first, family_name_lat=family,
                       first_name_ar="", family_name_ar="", father_name_ar="",
                       father_name_lat="", mother_name_ar="", mother_name_lat="")
             for first, family in NAMES]
    db.session.commit()
    return cases


def test_a_spelt_out_prefix_finds_exactly_what_the_prefix_finds(db, named):
    for q in ("Qadir Halb", "Qadir Halab", "Qadir Halabi", "Qadir Ham", "Halab", "Qad",
              "Nizar Halb", "Qadir Zzz", "Qadir"):
        assert strict_ids(db, q) == prefix_ids(db, q), q
    assert len(strict_ids(db, "Qadir Halb")) == 5  # hlb and hlbn, Qadir and Qadri alike
    spelt = search_query._tsquery(search_query._spelled_out(
        search_query._strict(query_tokens("Qadir Halab"))))
    assert ":*" not in spelt  # the prefix became whole terms


def test_a_prefix_of_too_many_terms_stays_a_prefix(db, named, monkeypatch):
    monkeypatch.setattr(search_query, "PREFIX_TERMS", 1)  # hlb* starts hlb and hlbn
    spelt = search_query._tsquery(search_query._spelled_out(
        search_query._strict(query_tokens("Qadir Halb"))))
    assert ":*" in spelt
    assert strict_ids(db, "Qadir Halb") == prefix_ids(db, "Qadir Halb")


def missing_terms(db) -> set[str]:
    """Terms some case's vector holds that search_terms lacks (a prefix spelt out without
    them would miss those cases)."""
    return set(db.session.scalars(text(
        "SELECT DISTINCT t FROM cases, unnest(tsvector_to_array(search_tsv)) AS t "
        "WHERE NOT EXISTS (SELECT 1 FROM search_terms WHERE term = t)")))


def test_the_terms_follow_new_and_renamed_cases(db, named, users):
    assert missing_terms(db) == set()
    case = named[0]
    case.family_name_lat = "Zabadani"
    refresh_search_keys(case)
    db.session.commit()
    assert missing_terms(db) == set()
    assert strict_ids(db, "Qadir Zabad") == {case.id} == prefix_ids(db, "Qadir Zabad")
    added = make_case(users["staff"], first_name_lat="Wassim", family_name_lat="Zabadani",
                      first_name_ar="وسيم", family_name_ar="الزبداني", father_name_ar="",
                      father_name_lat="", mother_name_ar="", mother_name_lat="")
    db.session.commit()
    assert missing_terms(db) == set()
    assert strict_ids(db, "Wassim Zabad") == {added.id} == strict_ids(db, "وسيم الزبد")


def test_reindex_restores_lost_terms(db, named, runner):
    before = terms(db)
    db.session.execute(text("DELETE FROM search_terms"))
    db.session.commit()
    assert strict_ids(db, "Qadir Halab") == prefix_ids(db, "Qadir Halab")  # no term: a prefix
    assert missing_terms(db)
    result = runner.invoke(args=["cases", "reindex"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert terms(db) == before and missing_terms(db) == set()
