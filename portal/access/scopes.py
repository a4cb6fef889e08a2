"""What a case list (page, API page, export) may show one user for one filter: ListScope,
built from one read of the organisation's active grants, and how a partner's filter and name
search stay within what their tier shows.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property, lru_cache

from sqlalchemy import Select, and_, exists, false, or_, select

from ..extensions import db
from ..models import Case, RegisterEpoch, TimelineEntry
from .cases import visible_cases
from .coverage import TIER_RANK, TIERS, _Coverage, _coverage, _tier_rank, _tiers_of, consent_allows


def _month_bound(value: str, end: bool) -> int | None:
    from ..partial_dates import PartialDateError, parse
    try:
        parsed = parse(value[:7]) if value else None
    except PartialDateError:
        return None
    return (parsed.hi if end else parsed.lo) if parsed else None


def _scoped(user, f, coverage: _Coverage | None, *, form: str = "probe"):
    """(the cases `user` may see, the filter to run over them); `form`: which form of the
    same query (see _Coverage.covers).

    For partners a criterion never reaches past what their tier shows: no tag criterion
    (tags are office data), arrest periods by month (the summary tier shows the month), and
    facility or perpetrator criteria look into the custody timeline only for cases seen at the
    detailed tier or above (the summary tier shows the last facility and the party)."""
    if coverage is None:
        return visible_cases(user), f
    stmt = select(Case).where(Case.deleted_at.is_(None))
    if coverage.empty:
        return stmt.where(false()), f
    stmt = stmt.where(coverage.covers(form=form), consent_allows(coverage.org_id))
    detailed = coverage.covers({TIER_RANK["detailed"], TIER_RANK["identification"]})
    for wanted, column, entry_column in (
            (f.facility_id, Case.last_facility_id, TimelineEntry.facility_id),
            (f.perpetrator_id, Case.perpetrator_id, TimelineEntry.perpetrator_id)):
        if wanted:
            in_timeline = exists().where(TimelineEntry.case_id == Case.id,
                                         entry_column == wanted)
            stmt = stmt.where(or_(column == wanted, and_(detailed, in_timeline)))
    return stmt, _scoped_filter(f, coverage)


def _scoped_filter(f, coverage: _Coverage | None):
    """The filter _scoped() runs over the cases: a partner's without the criteria it puts in
    the query itself (see there)."""
    if coverage is None or coverage.empty:
        return f
    return replace(f, tag="", facility="", facility_id=None, perpetrator="",
                   perpetrator_id=None, arrest_lo=_month_bound(f.arrest_from, False),
                   arrest_hi=_month_bound(f.arrest_to, True))


def _count_key(f, coverage: _Coverage | None) -> tuple | None:
    """The key under which a list's total may be reused (search.query.CountMemo): the
    register epoch, which the database advances on every write that could change a list
    (migration 0010), who sees what (the office, or the organisation with its active grants,
    so an expiry changes the key too) and the filter. Only totals are reused; which cases a
    user sees is always decided afresh."""
    epoch = db.session.scalar(select(RegisterEpoch.value).where(RegisterEpoch.id == 1))
    if epoch is None:
        return None  # no epoch row: count every time
    who = ("office",) if coverage is None else (
        coverage.org_id, tuple(sorted(coverage.explicit.items())))
    return (epoch, who, tuple(sorted(f.params().items())))


@lru_cache(maxsize=65536)  # a pure function of the names: a search repeats many of them
def _own_name_keys(first_ar, family_ar, first_lat, family_lat, aliases) -> tuple[str, str]:
    """(search_ar, search_lat) of the names the summary tier shows: no parent's name."""
    from ..search import case_search_keys
    keys = case_search_keys(first_ar=first_ar or "", family_ar=family_ar or "",
                            first_lat=first_lat or "", family_lat=family_lat or "",
                            aliases=[a.strip() for a in (aliases or "").splitlines() if a.strip()])
    return keys["search_ar"], keys["search_lat"]


_OWN_NAMES = (Case.first_name_ar, Case.family_name_ar, Case.first_name_lat, Case.family_name_lat,
              Case.aliases)


def _name_keys(coverage: _Coverage | None):
    """How name search reads a case's names: None (the stored search columns, which hold the
    father's name too), or (extra columns, row → (search_ar, search_lat)).

    The summary tier does not show parents' names, so for a case a partner sees at that tier a
    query must not match (nor rank by) the father's name: that would confirm a field above the
    tier. Such cases are ranked on keys of the names the tier shows, computed here."""
    if coverage is None:
        return None
    deep_ranks = coverage.ranks() - {TIER_RANK["summary"]}
    if coverage.empty or deep_ranks == coverage.ranks():
        return None  # nothing visible, or every visible case at the detailed tier or above
    deep = coverage.covers(deep_ranks, form="rows") if deep_ranks else false()

    def keys(row) -> tuple[str, str]:
        return (row[1], row[2]) if row[3] else _own_name_keys(*row[4:9])
    return (deep.label("deep"), *_OWN_NAMES), keys


class ListScope:
    """What a case list (page, API page, export) needs from the gate for one user and filter,
    all decided from one read of the organisation's active grants (`coverage`; None for the
    office): the cases the user may see and the filter to run over them (_scoped), the same
    cases in the forms that count and check a name search's candidates fastest
    (_Coverage.covers), the key of the remembered total, how names are matched, and each
    case's tier. What a view does not use is not built."""

    def __init__(self, user, f):
        self._user, self._f = user, f
        self.coverage: _Coverage | None = None if user.is_office else _coverage(
            user.organization_id)
        self.filter = _scoped_filter(f, self.coverage)

    @cached_property
    def cases(self) -> Select:
        return _scoped(self._user, self._f, self.coverage)[0]

    @cached_property
    def count_from(self) -> Select:
        return _scoped(self._user, self._f, self.coverage, form="grants")[0]

    @cached_property
    def search_from(self) -> Select:
        return _scoped(self._user, self._f, self.coverage, form="set")[0]

    @cached_property
    def count_key(self) -> tuple | None:
        return _count_key(self._f, self.coverage)

    @cached_property
    def name_keys(self) -> tuple | None:
        return _name_keys(self.coverage)

    @property
    def max_tier(self) -> str | None:
        """The highest tier the user sees any case at (export headers); None: no case."""
        if self.coverage is None:
            return "office"
        return TIERS[max(self.coverage.ranks())] if not self.coverage.empty else None

    def page(self, page: int, per_page: int, options=()):
        """One page of the list (search.query.case_page) over these cases, with each case's
        tier in Page.tiers, read with the page's cases (no query of its own) by the query
        that loads them, which checks them visible again (a search's page through the
        "probe" form as well: its candidates came through the grant ids on the rows)."""
        from ..search.query import case_page
        from ..search.ranking import query_tokens
        searching = bool(self.filter.q and query_tokens(self.filter.q))  # as case_page
        partner = self.coverage is not None and not self.coverage.empty
        result = case_page(self.search_from if searching else self.cases, self.filter,
                           page=page, per_page=per_page, options=options,
                           count_from=lambda: self.count_from,
                           count_scope=None if searching else self.count_key,
                           name_keys=self.name_keys if searching else None,
                           rank=_tier_rank(self.coverage) if partner else None,
                           recheck=self.search_from.where(self.coverage.covers())
                           if searching and partner else None)
        if result.ranks is None:
            result.tiers = self.tiers(result.items)
        else:
            result.tiers = {case_id: TIERS[rank] for case_id, rank in result.ranks.items()}
        return result

    def tiers(self, cases) -> dict[int, str]:
        """{case id: tier} for `cases` in one query, as effective_tiers()."""
        live = [c.id for c in cases if c.deleted_at is None]
        if self.coverage is None:
            return dict.fromkeys(live, "office")
        return _tiers_of(self.coverage, live)


def list_scope(user, f) -> ListScope:
    return ListScope(user, f)


def summary_names_match(case: Case, tokens) -> bool:
    """Whether every query token matches the names the summary tier shows of `case` (exports
    post-check their strict name criterion with this for summary-tier cases)."""
    from ..search.ranking import all_exact
    own = _own_name_keys(case.first_name_ar, case.family_name_ar, case.first_name_lat,
                         case.family_name_lat, case.aliases)
    return all_exact(tokens, *own)
