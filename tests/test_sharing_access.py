"""The gate's sharing rules (portal/access.py): grants, expiry, revocation and consent,
decided in SQL on SQLite and PostgreSQL (SECURITY.md T3, A7; DESIGN.md detail tiers)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from portal import access
from portal.models import Case, utcnow

from .sharing_helpers import consented_case, make_grant, shared

pytestmark = pytest.mark.security


def visible_ids(org) -> set[int]:
    from portal.extensions import db
    return set(db.session.scalars(access.visible_cases_for_org(org).with_only_columns(Case.id)))


def test_partner_sees_exactly_the_granted_cases_at_the_granted_tier(db, users, orgs):
    staff = users["staff"]
    one, two, other = (consented_case(staff, shared()) for _ in range(3))
    make_grant(orgs["a"], "detailed", [one, two])
    make_grant(orgs["b"], "summary", [other])
    assert visible_ids(orgs["a"]) == {one.id, two.id}
    assert visible_ids(orgs["b"]) == {other.id}
    assert access.effective_tiers_for_org(orgs["a"], [one.id, two.id, other.id]) == {
        one.id: "detailed", two.id: "detailed"}
    assert access.effective_tier(users["viewer_a"], one) == "detailed"
    assert access.effective_tier(users["viewer_a"], other) is None
    assert access.effective_tier(users["staff"], other) == "office"


def test_highest_active_grant_wins(db, users, orgs):
    case = consented_case(users["staff"], shared(identification_referral=True))
    make_grant(orgs["a"], "summary", [case])
    make_grant(orgs["a"], "identification", [case], revoked=True)
    make_grant(orgs["a"], "identification", [case], days=-1)
    assert access.effective_tiers_for_org(orgs["a"], [case.id]) == {case.id: "summary"}
    make_grant(orgs["a"], "detailed", [case])
    assert access.effective_tiers_for_org(orgs["a"], [case.id]) == {case.id: "detailed"}


@pytest.mark.parametrize("state", ["expired", "revoked"])
def test_inactive_grants_show_nothing(db, users, orgs, state):
    case = consented_case(users["staff"], shared())
    make_grant(orgs["a"], "detailed", [case], days=-1 if state == "expired" else 30,
               revoked=state == "revoked")
    assert visible_ids(orgs["a"]) == set()
    assert access.effective_tier(users["viewer_a"], case) is None


def test_expiry_applies_without_any_write(db, users, orgs, clock):
    case = consented_case(users["staff"], shared())
    make_grant(orgs["a"], "summary", [case], days=1)
    assert visible_ids(orgs["a"]) == {case.id}
    clock.shift(86400 + 1)
    assert visible_ids(orgs["a"]) == set()


def test_inactive_organisation_sees_nothing(db, users, orgs):
    case = consented_case(users["staff"], shared())
    make_grant(orgs["a"], "summary", [case])
    orgs["a"].active = False
    db.session.flush()
    assert visible_ids(orgs["a"]) == set()


CONSENT_CASES = [
    # (sources, expected tier for A at an identification grant, for B)
    ([], None, None),  # no source: internal
    ([shared()], "detailed", "detailed"),
    ([shared(identification_referral=True)], "identification", "identification"),
    ([{"consent_level": "public"}], "detailed", "detailed"),
    ([{"consent_level": "internal", "identification_referral": True}], None, None),
    ([shared(), {"consent_level": "internal"}], None, None),  # most restrictive wins
    ([shared(refused_orgs=["a"])], None, "detailed"),
    ([shared(identification_referral=True), shared(refused_orgs=["b"])], "identification", None),
    ([{"consent_level": "named_partners", "allowed_orgs": ["b"]}], None, "detailed"),
    ([{"consent_level": "named_partners", "allowed_orgs": ["a", "b"]},
      {"consent_level": "named_partners", "allowed_orgs": ["a"]}], "detailed", None),
    ([{"consent_level": "named_partners", "allowed_orgs": ["a"], "identification_referral": True},
      shared()], "identification", None),
    ([{"consent_level": "named_partners", "allowed_orgs": []}], None, None),
]


@pytest.mark.parametrize("sources,tier_a,tier_b", CONSENT_CASES)
def test_consent_caps_and_excludes_whatever_the_grants(db, users, orgs, sources, tier_a, tier_b):
    def resolve(source):
        out = dict(source)
        for key in ("allowed_orgs", "refused_orgs"):
            out[key] = [orgs[k].id for k in source.get(key, [])]
        return out
    case = consented_case(users["staff"], *[resolve(s) for s in sources])
    make_grant(orgs["a"], "identification", [case])
    make_grant(orgs["b"], "identification", [case])
    assert access.effective_tiers_for_org(orgs["a"], [case.id]).get(case.id) == tier_a
    assert access.effective_tiers_for_org(orgs["b"], [case.id]).get(case.id) == tier_b
    assert (case.id in visible_ids(orgs["a"])) == (tier_a is not None)


def test_consent_withdrawal_applies_on_the_next_query(db, users, orgs):
    case = consented_case(users["staff"], shared())
    make_grant(orgs["a"], "detailed", [case])
    assert visible_ids(orgs["a"]) == {case.id}
    case.sources[0].consent_level = "internal"
    db.session.flush()
    assert visible_ids(orgs["a"]) == set()


def test_sql_consent_agrees_with_case_consent_shown_to_staff(db, users, orgs):
    """The SQL predicate and access.case_consent() (the office's view) never disagree."""
    rng = random.Random(7)
    levels = ["internal", "named_partners", "all_partners", "public"]
    made = []
    for _ in range(40):
        sources = []
        for _s in range(rng.randint(0, 3)):
            allowed = [o.id for o in (orgs["a"], orgs["b"]) if rng.random() < 0.5]
            refused = [o.id for o in (orgs["a"], orgs["b"]) if rng.random() < 0.2]
            sources.append({"consent_level": rng.choice(levels), "allowed_orgs": allowed,
                            "refused_orgs": refused,
                            "identification_referral": rng.random() < 0.5})
        made.append(consented_case(users["staff"], *sources))
    for org in (orgs["a"], orgs["b"]):
        make_grant(org, "identification", made)
        tiers = access.effective_tiers_for_org(org, [c.id for c in made])
        for case in made:
            consent = access.case_consent(case)
            allowed = (consent["level"] != "internal" and org.id not in consent["refused_orgs"]
                       and (consent["level"] != "named_partners"
                            or org.id in consent["allowed_orgs"]))
            expected = None if not allowed else (
                "identification" if consent["identification_referral"] else "detailed")
            assert tiers.get(case.id) == expected, (case.id, consent)


def test_filter_grant_covers_new_matching_cases_and_only_those(db, users, orgs):
    staff = users["staff"]
    make_grant(orgs["a"], "summary", params={"status": "released"})
    released = consented_case(staff, shared(), status="released")
    other = consented_case(staff, shared(), status="detained")
    assert visible_ids(orgs["a"]) == {released.id}
    later = consented_case(staff, shared(), status="released")
    assert visible_ids(orgs["a"]) == {released.id, later.id}
    assert other.id not in visible_ids(orgs["a"])


def test_several_name_filters_combine_in_one_query(db, users, orgs):
    staff = users["staff"]
    salma = consented_case(staff, shared(), first_name_lat="Salma", first_name_ar="سلمى",
                           family_name_lat="Haddad", family_name_ar="حداد")
    yusuf = consented_case(staff, shared(), first_name_lat="Yusuf", first_name_ar="يوسف",
                           family_name_lat="Haddad", family_name_ar="حداد")
    consented_case(staff, shared())  # Mohammad al-Halabi
    make_grant(orgs["a"], "summary", params={"q": "Salma Haddad"})
    make_grant(orgs["a"], "detailed", params={"q": "يوسف حداد"})
    assert visible_ids(orgs["a"]) == {salma.id, yusuf.id}
    assert access.effective_tiers_for_org(orgs["a"], [salma.id, yusuf.id]) == {
        salma.id: "summary", yusuf.id: "detailed"}


def test_a_filter_that_no_longer_parses_shares_nothing(db, users, orgs):
    consented_case(users["staff"], shared())
    make_grant(orgs["a"], "detailed", params={"facility": "99999"})
    make_grant(orgs["a"], "detailed", params={"sort": "name"})  # no criterion
    assert visible_ids(orgs["a"]) == set()


def test_deleted_cases_are_never_visible(db, users, orgs):
    case = consented_case(users["staff"], shared())
    make_grant(orgs["a"], "detailed", [case])
    case.deleted_at = utcnow()
    db.session.flush()
    assert visible_ids(orgs["a"]) == set()
    assert access.effective_tiers_for_org(orgs["a"], [case.id]) == {}


def test_case_audience_lists_grants_and_consent_caps(db, users, orgs):
    case = consented_case(users["staff"], shared(refused_orgs=[orgs["b"].id]))
    make_grant(orgs["a"], "identification", [case])
    make_grant(orgs["b"], "summary", params={"status": case.status})
    audience = {row["organization"].id: row for row in access.case_audience(case)}
    assert audience[orgs["a"].id]["granted"] == "identification"
    assert audience[orgs["a"].id]["tier"] == "detailed"  # no referral consent
    assert audience[orgs["b"].id]["tier"] is None  # refused


def test_office_organisation_is_never_a_grantee(db, users, orgs):
    case = consented_case(users["staff"], shared())
    make_grant(orgs["office"], "detailed", [case])
    assert visible_ids(orgs["office"]) == set()


def test_both_forms_of_the_coverage_select_the_same_cases(db, users, orgs):
    """The counting form (from the grants), the paging form (per case) and the form that
    checks search candidates (a set of the grants' cases) agree."""
    staff = users["staff"]
    named = [consented_case(staff, shared()) for _ in range(3)]
    consented_case(staff, shared(), status="released")
    consented_case(staff, shared(), status="detained")
    make_grant(orgs["a"], "detailed", named[:2])
    make_grant(orgs["a"], "summary", params={"status": "released"})
    make_grant(orgs["a"], "summary", params={"q": "Mohammad"})
    coverage = access._coverage(orgs["a"].id)
    for ranks in (None, {1}, {0}):
        per_case = set(db.session.scalars(select(Case.id).where(coverage.covers(ranks))))
        assert per_case
        for form in ("grants", "set"):
            assert set(db.session.scalars(select(Case.id).where(
                coverage.covers(ranks, form=form)))) == per_case, form
