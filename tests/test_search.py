"""Name normalisation (ARABIC-SEARCH.md §1), cross-script keys and ranking, and search
through the register's query builder on the test database (SQLite or PostgreSQL)."""

import pytest
from sqlalchemy import select, text

from portal.models import Case
from portal.search import arabic_key, latin_keys, skeleton_tokens
from portal.search.query import ranked_ids
from portal.search.ranking import cross_match

from .case_helpers import make_case
from .conftest import ON_POSTGRES

# Pairs that must normalise to the same key (Arabic key, or Latin key for Latin pairs).
SAME = [
    ("محمد", "محمّد"), ("محمد", "مُحَمَّد"), ("محمد", "محمـــد"), ("أحمد", "احمد"),
    ("إبراهيم", "ابراهيم"), ("آمنة", "امنه"), ("ٱسامة", "اسامه"), ("فاطمة", "فاطمه"),
    ("هدى", "هدي"), ("مصطفى", "مصطفي"), ("الحلبي", "حلبي"), ("عبد الرحمن", "عبدالرحمن"),
    ("رؤوف", "رءوف"), ("وائل", "وايل"), ("ﻻمع", "لامع"), ("محمد\u200f", "محمد"),
    ("عصام\u202e", "عصام"), ("یوسف", "يوسف"), ("١٩٨٧", "1987"), ("سُلَيْمان", "سليمان"),
    ("Mohammad", "Muhammad"), ("Mohamed", "Mohammed"), ("Mahmoud", "Mahmud"),
    ("Youssef", "Yusuf"), ("Khaled", "Khalid"), ("Hussein", "Hussain"), ("al-Halabi", "Halabi"),
    ("El Halabi", "Alhalabi"), ("Abdel Rahman", "Abdulrahman"), ("Abd al-Rahman", "Abdurrahman"),
    ("Abdullah", "Abdallah"), ("Fatima", "Fatimah"), ("Zeinab", "Zaynab"), ("Leila", "Layla"),
    ("Ibrahim", "Ibraheem"), ("Rami", "Ramy"), ("Sweid", "Suwayd"), ("Omar", "Umar"),
]
DIFFERENT = [("محمد", "محمود"), ("حسن", "حسين"), ("سامر", "سمير"), ("Mohammad", "Mahmoud"),
             ("Hassan", "Hussein"), ("Khaled", "Khalil")]


def key(text: str) -> str:
    from portal.search import has_arabic
    return arabic_key(text) if has_arabic(text) else " ".join(latin_keys(text))


@pytest.mark.parametrize("one,other", SAME)
def test_spelling_variants_normalise_alike(one, other):
    assert key(one) == key(other)


def test_at_least_thirty_spelling_pairs_are_covered():
    assert len(SAME) >= 30


@pytest.mark.parametrize("one,other", DIFFERENT)
def test_different_names_stay_different(one, other):
    assert key(one) != key(other)


@pytest.mark.parametrize("latin,arabic", [("Muhammad", "محمد"), ("Mahmoud", "محمود"),
                                          ("Khalil", "خليل"), ("Hussein", "حسين"),
                                          ("Uthman", "عثمان"), ("Zeinab", "زينب"),
                                          ("Halabi", "حلبي"), ("Sayyed", "سيد")])
def test_latin_spellings_match_their_arabic_name(latin, arabic):
    assert cross_match(latin.lower(), arabic_key(arabic))


@pytest.mark.parametrize("latin,arabic", [("Mahmoud", "محمد"), ("Muhammad", "محمود"),
                                          ("Hussein", "حسن"), ("Hassan", "حسين")])
def test_latin_spellings_do_not_match_another_name(latin, arabic):
    assert not cross_match(latin.lower(), arabic_key(arabic))


def test_skeleton_is_shared_by_both_scripts():
    assert skeleton_tokens("محمد الحلبي") == skeleton_tokens("Muhammad al-Halabi") == ("mhmd", "hlb")



@pytest.fixture
def register(db, users):
    staff = users["staff"]
    made = {
        "target": make_case(staff),
        "twin": make_case(staff, first_name_ar="محمود", first_name_lat="Mahmoud"),
        "arabic_only": make_case(staff, first_name_ar="خليل", father_name_ar="سمير",
                                 family_name_ar="الخطيب", first_name_lat="",
                                 father_name_lat="", family_name_lat=""),
        "other": make_case(staff, first_name_ar="حسن", father_name_ar="علي",
                           family_name_ar="درويش", first_name_lat="Hassan",
                           father_name_lat="Ali", family_name_lat="Darwish"),
    }
    db.session.commit()
    return made


def search(q):
    from portal.extensions import db
    base = select(Case).where(Case.deleted_at.is_(None))
    ids = ranked_ids(base, q)
    by_id = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(ids)))}
    return [by_id[i].reference for i in ids]


@pytest.mark.parametrize("query", ["مُحَمَّد أحمد الحلبى", "محمـد احمد حلبي", "Muhammad Ahmed Halabi",
                                   "Mohamed Ahmad El Halabi", "Mohammad Ahmad al-Halaby"])
def test_name_search_finds_variants_and_never_confuses_mahmoud(register, query):
    found = search(query)
    assert found[:1] == [register["target"].reference]
    assert register["twin"].reference not in found[:3]


def test_latin_query_finds_a_case_recorded_only_in_arabic(register):
    assert search("Khalil Samir al-Khatib")[:1] == [register["arabic_only"].reference]


def test_prefix_of_the_last_name_matches(register):
    assert register["arabic_only"].reference in search("خليل الخط")


def test_typo_still_finds_the_case(register):
    assert search("Hassan Ali Darwihs")[:1] == [register["other"].reference]


def test_the_index_follows_a_renamed_case(register, db):
    from portal.services.cases.register import refresh_search_keys
    case = register["other"]
    case.first_name_ar, case.first_name_lat = "يامن", "Yamen"
    refresh_search_keys(case)
    db.session.commit()
    assert search("Yamen Darwish")[:1] == search("يامن درويش")[:1] == [case.reference]
    from portal.search.query import _index_match, _strict
    from portal.search.ranking import query_tokens
    for old in ("Hassan Ali Darwish", "حسن علي درويش"):  # no longer an exact match
        strict = _index_match(_strict(query_tokens(old)))
        assert db.session.scalars(select(Case.id).where(strict)).all() == []


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL session settings")
def test_the_portals_postgresql_sessions_get_its_planner_settings(app, db):
    """PORTAL_PG_OPTIONS reaches every pooled connection (config.py: with the server's
    defaults a common name searched by a partner hashed every source, in three processes)."""
    with db.engine.connect() as conn:
        assert conn.scalar(text("SHOW random_page_cost")) == "1.1"
        assert conn.scalar(text("SHOW max_parallel_workers_per_gather")) == "0"
        assert conn.scalar(text("SHOW jit")) == "off"


def test_deleted_cases_are_not_found(register, db):
    register["other"].deleted_at = register["other"].created_at
    db.session.commit()
    assert register["other"].reference not in search("Hassan Ali Darwish")


def test_a_full_name_in_order_leaves_out_the_same_names_in_another_order(db, users):
    """محمد جمال موسى is Muhammad son of Jamal; جمال محمد موسى is Jamal son of Muhammad,
    another person. Typed in full and in order, the name finds the first only; typed in part,
    or in an order no case has, it still finds both."""
    staff = users["staff"]
    son = make_case(staff, first_name_ar="محمد", father_name_ar="جمال", family_name_ar="موسى",
                    first_name_lat="Muhammad", father_name_lat="Jamal", family_name_lat="Musa")
    father = make_case(staff, first_name_ar="جمال", father_name_ar="محمد",
                       family_name_ar="موسى", first_name_lat="Jamal",
                       father_name_lat="Muhammad", family_name_lat="Musa")
    db.session.commit()
    assert search("محمد جمال موسى") == [son.reference]
    assert search("Jamal Muhammad Musa") == [father.reference]
    assert set(search("محمد موسى")) == {son.reference, father.reference}
    assert set(search("موسى محمد جمال")) == {son.reference, father.reference}


def test_the_index_query_leaves_out_terms_another_implies():
    """mhmd AND mhmd* matches what mhmd matches; the index need not read every mhmd* word.
    A prefix implied by nothing else stays, and so does a longer exact term."""
    from portal.search.query import _essential
    assert _essential([[("mhmd", False)], [("mhmd", True)]]) == [frozenset({("mhmd", False)})]
    assert _essential([[("mhmd", True)], [("hms", True)]]) == [
        frozenset({("mhmd", True)}), frozenset({("hms", True)})]
    assert _essential([[("hlb", True)], [("hlby", False)], [("-", False)]]) == [
        frozenset({("hlby", False)})]
    either = frozenset({("mhmd", False), ("محمد", False)})  # محمد is no mhmd* word: both stay
    assert _essential([[("mhmd", False), ("محمد", False)], [("mhmd", True)]]) == [
        either, frozenset({("mhmd", True)})]
    assert _essential([[("mhmd", False), ("محمد", False)], [("mhmd", True), ("محمد", True)]]
                      ) == [either]
    assert _essential([[("mhmd", True)], [("mhmd", False), ("hsn", False)]]) == [
        frozenset({("mhmd", True)}), frozenset({("mhmd", False), ("hsn", False)})]



@pytest.mark.parametrize("who", ["staff", "viewer_a"])
def test_a_search_cut_short_at_the_candidate_cap_says_more_cases_may_match(
        client, db, users, orgs, login, monkeypatch, who):
    """The index query is looser than ranking: "Muhammad Almohammad" reads every case with a
    Muhammad, and ranking keeps those with two. When the index's candidates stop at
    CANDIDATE_CAP, the page says that more cases may match, in the reader's language, and
    offers no page after the last ranked one; a search that read every candidate gives its
    count as exact. For staff and for a partner (whose search checks candidates against its
    subset)."""
    from portal.search import query

    from .sharing_helpers import consented_case, make_grant, shared
    staff = users["staff"]
    wanted = consented_case(staff, shared(), family_name_ar="المحمد",
                            family_name_lat="Almohammad")
    others = [consented_case(staff, shared(), first_name_ar="أحمد", father_name_ar="محمد",
                             family_name_ar=family, first_name_lat="Ahmad",
                             father_name_lat="Mohammad", family_name_lat=f"X{n}")
              for n, family in enumerate(("درويش", "الخطيب", "العلي", "الحسن", "الشامي"))]
    make_grant(orgs["a"], "detailed", [wanted, *others])
    db.session.commit()
    login(users[who])
    url = "/cases/?q=Muhammad+Almohammad"

    whole = client.get(url).get_data(as_text=True)
    assert wanted.reference in whole and "1 case matches." in whole
    assert "more may match" not in whole

    monkeypatch.setattr(query, "CANDIDATE_CAP", 3)  # the index reads the cases in id order
    cut = client.get(url).get_data(as_text=True)
    assert wanted.reference in cut
    assert "1 case found; more may match. Add a name or a filter to narrow the search." in cut
    assert "More than" not in cut and "page=2" not in cut
    users[who].preferred_locale = "ar"
    db.session.commit()
    arabic = client.get(url).get_data(as_text=True)
    assert "عُثر على حالة واحدة، وقد تطابق البحثَ حالاتٌ أخرى." in arabic


def test_a_cut_search_offers_no_page_after_its_last_ranked_one():
    """A capped list (a total counted up to COUNT_CAP) may go on past its last counted page;
    a cut search has ranked all it will show, so a full last page has no "next"."""
    from portal.search.query import Page
    full = list(range(50))
    assert Page(full, 1, 50, 50, True).has_next
    assert not Page(full, 1, 50, 50, True, ranked=True).has_next
    assert Page(full, 1, 50, 120, True, ranked=True).has_next
