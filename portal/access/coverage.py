"""Which cases a partner organisation may see, and at which tier: its
active share grants, reduced to SQL (_Coverage), combined with each case's consent.

A partner organisation sees a case when an ACTIVE grant (not revoked, not expired, the
organisation active and not the office) covers it, by explicit membership or by the grant's
copied filter, AND the case's consent allows the organisation. Everything here is SQL: the
database decides, nothing is loaded and filtered in Python, and nothing is cached, so a
revocation, an expiry or a consent change applies from the next request.

How several sources' consents combine (the most restrictive wins, as case_consent() shows
staff):
  * no source, or any source whose level is not a sharing level ("internal", or a value
    this code does not know: fail closed) → shared with nobody;
  * an organisation refused by ANY source never sees the case, whatever the grants;
  * sources at "named_partners" must EACH allow the organisation;
  * the identification tier needs at least one source that allows identification referral
    (redact() lists only those sources' relation and channel); otherwise it is capped at
    "detailed". Overriding a consent cap is not possible.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import (
    Integer,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    union,
)
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from ..models import Case, GrantCase, Organization, ShareGrant, Source, SourceConsentOrg, utcnow

# The detail tiers, lowest first ("office" is never granted: it is the office's own view).
TIERS = ("summary", "detailed", "identification", "office")
TIER_RANK = {name: rank for rank, name in enumerate(TIERS)}

SHARING_LEVELS = ("named_partners", "all_partners", "public")
GRANTABLE = ("summary", "detailed", "identification")


def _org_id(org) -> int:
    return org if isinstance(org, int) else org.id


@dataclass(frozen=True)
class _Coverage:
    """An organisation's active grants, reduced to what the visibility SQL needs."""

    org_id: int
    explicit: dict[int, tuple[int, ...]]  # tier rank → ids of the active grants
    filters: tuple[tuple[int, ColumnElement], ...]  # (tier rank, the copied filter's predicate)

    @property
    def empty(self) -> bool:
        return not self.explicit

    def ranks(self) -> set[int]:
        return set(self.explicit)

    def covers(self, ranks: set[int] | None = None, *,
               form: str = "probe") -> ColumnElement[bool]:
        """The cases one of the grants at `ranks` (default: any) selects (consent aside).

        Equivalent forms, each fastest for one kind of query (bench/sharing_visibility.py
        times them):
        * "probe": an EXISTS probe per case (share_grant_cases by case) OR the filters: best
          when the query walks cases in an index order and stops early (a page, an export
          chunk);
        * "grants": "id IN (the grants' cases UNION the filters' matches)": both databases
          then start from the grants, the fastest way to count the subset;
        * "rows": "id IN (the grants' cases) OR the filters": the grants' cases are read once
          into a hashed set that each row is looked up in, best for checking thousands of
          rows found another way;
        * "set": the form a name search's index can combine with (the candidates of a name
          search): on PostgreSQL the grant ids kept on the case row (_named_by), elsewhere
          "rows". The ids on the row are derived data (migration 0012's triggers): they only
          narrow a search's candidates, whose page is then loaded through "probe" and a
          name-matching decision reads "rows" (ListScope.page, _name_keys)."""
        ranks = self.ranks() if ranks is None else ranks
        ids = [i for r in sorted(ranks) for i in self.explicit.get(r, ())]
        if not ids:
            return false()
        predicates = [pred for rank, pred in self.filters if rank in ranks]
        named_ids = select(GrantCase.case_id).where(GrantCase.grant_id.in_(ids))
        if form == "grants":
            matched = [select(Case.id).where(pred).correlate(None) for pred in predicates]
            return Case.id.in_(union(named_ids, *matched) if matched else named_ids)
        if form in ("set", "rows"):
            named = _named_by(ids) if form == "set" else Case.id.in_(named_ids)
            return or_(named, *predicates)
        if form != "probe":
            raise ValueError(form)
        named = exists().where(GrantCase.case_id == Case.id, GrantCase.grant_id.in_(ids))
        return or_(named, *predicates)


def _named_by(grant_ids: list[int]) -> ColumnElement[bool]:
    """SQL: one of these grants names the case explicitly, in the form that a name search's
    index can combine with. PostgreSQL: the grant ids that migration 0012's triggers keep on
    the case row, through their GIN index, so the database intersects the name's matches
    with the subset before it reads a row, rather than reading every row a common name
    matches (`python -m bench.partner_queries` measures it). SQLite: the grants' cases as a set.

    Never the only check: ListScope.page loads the cases it shows through the "probe" form
    too, which reads share_grant_cases, so an id left on a row by a writer that bypassed the
    triggers can widen a search's candidates but never what a partner is shown."""
    if db.engine.dialect.name == "postgresql":
        return _SHARE_GRANT_IDS.overlap(list(grant_ids))
    return Case.id.in_(select(GrantCase.case_id).where(GrantCase.grant_id.in_(grant_ids)))


# Derived data no writer but the triggers touches: not mapped on Case (PostgreSQL only).
_SHARE_GRANT_IDS = literal_column("cases.share_grant_ids", type_=ARRAY(Integer))


def grant_filter_predicate(params: dict | None) -> ColumnElement[bool] | None:
    """The SQL predicate of a grant's copied filter; None when the grant has no filter.

    A filter that no longer parses (reference data removed) or has no criterion selects
    nothing: fail closed rather than share the whole register."""
    from ..search import filters as case_filters
    from ..search.query import apply_filters
    if not params:
        return None
    f, errors = case_filters.parse(params)
    if errors or not f.active:
        return false()
    where = apply_filters(select(Case.id), f, with_name=True).whereclause
    return where if where is not None else false()


def _coverage(org_id: int) -> _Coverage:
    rows = db.session.execute(
        select(ShareGrant.id, ShareGrant.tier, ShareGrant.filter_params)
        .join(Organization, Organization.id == ShareGrant.organization_id)
        .where(ShareGrant.organization_id == org_id, ShareGrant.revoked_at.is_(None),
               ShareGrant.expires_at > utcnow(), Organization.active.is_(True),
               Organization.kind != "office")
        .order_by(ShareGrant.id)).all()
    explicit: dict[int, list[int]] = {}
    filters: list[tuple[int, ColumnElement]] = []
    for grant_id, tier, params in rows:
        if tier not in GRANTABLE:
            continue  # an unknown tier in the database grants nothing (fail closed)
        explicit.setdefault(TIER_RANK[tier], []).append(grant_id)
        if params:
            predicate = grant_filter_predicate(json.loads(params))
            filters.append((TIER_RANK[tier], predicate))
    return _Coverage(org_id, {r: tuple(ids) for r, ids in explicit.items()}, tuple(filters))


def consent_allows(org) -> ColumnElement[bool]:
    """SQL: the case has a source and none of its sources blocks `org` (module docstring).

    One probe per case: the least of "this source lets `org` see the case" (1) or not (0)
    over the case's sources, each with its row for `org` (the source table by case, its named
    organisations by key); no source gives NULL, which counts as a refusal. An aggregate
    sub-select stays a per-case probe on both databases (the planner never turns it into a
    join with every source), and reads each source once, where one EXISTS probe for a source
    and another for a blocking one would read them twice (`python -m bench.partner_queries`
    measures it)."""
    org_id = _org_id(org)
    named = SourceConsentOrg
    blocking = or_(Source.consent_level.not_in(SHARING_LEVELS), named.allowed.is_(False),
                   and_(Source.consent_level == "named_partners", named.allowed.is_not(True)))
    sources = Source.__table__.outerjoin(named.__table__, and_(
        named.source_id == Source.id, named.organization_id == org_id))
    verdict = (select(func.min(sql_case((blocking, 0), else_=1))).select_from(sources)
               .where(Source.case_id == Case.id).scalar_subquery())
    return func.coalesce(verdict, 0) == 1


def referral_allowed() -> ColumnElement[bool]:
    """SQL: at least one source of the case allows identification referral."""
    return exists().where(Source.case_id == Case.id, Source.identification_referral.is_(True))


def org_case_filter(org) -> ColumnElement[bool]:
    """SQL predicate of the cases organisation `org` (object or id) may see (not deletion)."""
    coverage = _coverage(_org_id(org))
    if coverage.empty:
        return false()
    return and_(coverage.covers(), consent_allows(coverage.org_id))


def visible_cases_for_org(org) -> Select:
    """The live cases a partner organisation may see, decided in SQL."""
    return select(Case).where(Case.deleted_at.is_(None), org_case_filter(org))


def _tier_rank(coverage: _Coverage) -> ColumnElement[int]:
    """SQL: the effective tier rank of a visible case (highest grant, capped by consent)."""
    ident, detailed = TIER_RANK["identification"], TIER_RANK["detailed"]
    whens = []
    if ident in coverage.explicit:
        whens.append((and_(coverage.covers({ident}), referral_allowed()), ident))
    if {ident, detailed} & coverage.ranks():
        whens.append((coverage.covers({ident, detailed}), detailed))
    if not whens:
        return literal(TIER_RANK["summary"])
    return sql_case(*whens, else_=TIER_RANK["summary"])


def effective_tiers_for_org(org, case_ids) -> dict[int, str]:
    """{case id: tier} for the cases among `case_ids` (ids, or a Select of ids) that `org`
    may see, computed in one SQL query; a case it may not see is absent."""
    return _tiers_of(_coverage(_org_id(org)), case_ids)


def _tiers_of(coverage: _Coverage, case_ids) -> dict[int, str]:
    if coverage.empty:
        return {}
    if not isinstance(case_ids, Select):
        case_ids = list(case_ids)
        if not case_ids:
            return {}
    rows = db.session.execute(select(Case.id, _tier_rank(coverage)).where(
        Case.id.in_(case_ids), Case.deleted_at.is_(None), coverage.covers(),
        consent_allows(coverage.org_id)))
    return {case_id: TIERS[rank] for case_id, rank in rows}
