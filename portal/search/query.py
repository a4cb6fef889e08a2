"""The case query builder: filters, name search (candidates from the index, ranked in
Python), sorting and pagination with capped counts.

Name search runs in stages, each only when the previous ones found nothing:
  A. every token exactly (Arabic key for Arabic tokens, skeleton for Latin ones; the last
     token as a prefix);
  B. every token by Arabic key or skeleton, and any n-1 of n tokens (one misspelt token);
  C. fuzzy: pg_trgm word similarity on PostgreSQL; skeleton prefixes on SQLite.
The index (FTS5 on SQLite, a GIN tsvector on PostgreSQL) yields at most CANDIDATE_CAP ids,
which ranking.rank() orders. Deep pages use a deferred join (OFFSET over the narrow id index
only) and totals are counted up to COUNT_CAP.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from threading import Lock
from time import monotonic

from flask import current_app
from sqlalchemy import Integer, Select, bindparam, column, exists, func, select, text
from sqlalchemy.sql.elements import ColumnElement

from ..extensions import db
from ..models import Case, CaseTag, TimelineEntry
from .filters import CaseFilter
from .ranking import QueryToken, query_tokens, rank

MIN_RESULTS = 1
CANDIDATE_CAP = 2000
BROAD_CAP = 400  # candidates of the fallback stages (a misspelt token, fuzzy)
PREFIX_TERMS = 16  # PostgreSQL: a prefix starting more whole terms stays a prefix
COUNT_CAP = 10_000

SORTS = {
    "recent": (Case.updated_at.desc(), Case.id.desc()),
    "oldest": (Case.updated_at.asc(), Case.id.asc()),
    "reference": (Case.id.desc(),),
    "arrest": (Case.arrest_lo.desc(), Case.id.desc()),
    "name": (Case.sort_name.asc(), Case.id.asc()),
}


def apply_filters(stmt: Select, f: CaseFilter, *, with_name: bool = False) -> Select:
    """Add the filter's conditions to a select of cases (the caller decides visibility).

    With `with_name`, the name query becomes the strict SQL predicate of stage A (for saved
    filters used as share grants); the list ranks names itself instead.
    """
    if f.reference:
        ref = f.reference.upper()
        stmt = stmt.where(Case.reference >= ref, Case.reference < ref + "\uffff")
    if f.status:
        stmt = stmt.where(Case.status == f.status)
    if f.governorate_id:
        stmt = stmt.where(Case.governorate_id == f.governorate_id)
    if f.perpetrator_id:
        stmt = stmt.where(exists().where(TimelineEntry.case_id == Case.id,
                                         TimelineEntry.perpetrator_id == f.perpetrator_id))
    if f.facility_id:
        stmt = stmt.where(exists().where(TimelineEntry.case_id == Case.id,
                                         TimelineEntry.facility_id == f.facility_id))
    if f.arrest_lo:
        stmt = stmt.where(Case.arrest_hi >= f.arrest_lo)
    if f.arrest_hi:
        stmt = stmt.where(Case.arrest_lo <= f.arrest_hi, Case.arrest_lo > 0)
    if f.tag:
        stmt = stmt.where(exists().where(CaseTag.case_id == Case.id, CaseTag.tag == f.tag))
    if with_name and f.q:
        tokens = query_tokens(f.q)
        if tokens:
            stmt = stmt.where(_index_match(_strict(tokens)))
    return stmt


# --- name search -------------------------------------------------------------------------
# A boolean query in disjunctive form: OR of AND-groups; each AND-group is a list of
# alternatives (term, prefix) of which one must match.
Term = tuple[str, bool]


def _strict(tokens: list[QueryToken]) -> list[list[list[Term]]]:
    group = []
    for t in tokens:
        if t.script == "ar":
            group.append([(t.key, t.last)])
        else:
            group.append([(t.skeleton, t.last and len(t.skeleton) >= 3)])
    return [group]


def _broad(tokens: list[QueryToken]) -> list[list[list[Term]]]:
    alts = []
    for t in tokens:
        options = [(t.skeleton, t.last and len(t.skeleton) >= 3)]
        if t.script == "ar":
            options.append((t.key, t.last))
        alts.append(options)
    groups = [alts]
    if len(alts) >= 3:
        groups += [list(c) for c in combinations(alts, len(alts) - 1)]
    return groups


def _prefixes(tokens: list[QueryToken]) -> list[list[list[Term]]]:
    alts = [[(t.skeleton[:2], len(t.skeleton) >= 2)] for t in tokens if t.skeleton]
    groups = [alts]
    if len(alts) >= 2:
        groups += [list(c) for c in combinations(alts, len(alts) - 1)]
    return groups


def _clean_term(term: str) -> str:
    return "".join(ch for ch in term if ch.isalnum())


def _implies(a: Term, b: Term) -> bool:
    """Whether every word matching term `a` also matches term `b`."""
    return a[0].startswith(b[0]) if b[1] else (not a[1] and a[0] == b[0])


def _essential(group: list[list[Term]]) -> list[frozenset[Term]]:
    """An AND-group's alternatives, cleaned, without those another one implies: "Muhammad
    Almohammad" is mhmd AND mhmd* (the last token a prefix), which matches exactly what mhmd
    alone does, while the index reads every word starting with mhmd for the prefix."""
    sets = list(dict.fromkeys(frozenset((_clean_term(t), p) for t, p in options
                                        if _clean_term(t)) for options in group))
    sets = [s for s in sets if s]

    def covers(x, y) -> bool:  # every match of x is a match of y
        return all(any(_implies(a, b) for b in y) for a in x)
    return [y for y in sets if not any(x is not y and covers(x, y) and not covers(y, x)
                                       for x in sets)]


def _render(groups, quote: str, star: str, or_: str, and_: str) -> str:
    """Render the boolean query, leaving out terms that normalise to nothing and
    alternatives that others imply (_essential)."""
    rendered = []
    for group in groups:
        alts = []
        for options in _essential(group):
            terms = sorted(quote + t + quote + (star if p else "") for t, p in options)
            alts.append("(" + f" {or_} ".join(terms) + ")")
        if alts:
            rendered.append("(" + f" {and_} ".join(alts) + ")")
    return f" {or_} ".join(dict.fromkeys(rendered)) or quote + "_" + quote


def _fts5(groups) -> str:
    return _render(groups, '"', "*", "OR", "AND")


def _tsquery(groups) -> str:
    return _render(groups, "'", ":*", "|", "&")


def _spelled_out(groups):
    """PostgreSQL: the boolean query with each prefix replaced by the whole terms that start
    with it (search_terms, migration 0013), when there are at most PREFIX_TERMS of them.
    The same cases match, but the GIN index skips through whole terms, where it reads a
    prefix's matches in full, which is slower (`python -m bench.partner_queries --db postgres`
    measures the prefix lookup). A prefix no term starts with, or too many, stays a prefix."""
    prefixes = sorted({_clean_term(t) for group in groups for options in group
                       for t, p in options if p and _clean_term(t)})
    prefixes = [p for p in prefixes if p == p.lower()]  # one to_tsquery folds stays a prefix
    if not prefixes:
        return groups
    found: dict[str, list[str]] = {}
    for prefix, term in db.session.execute(text(
            "SELECT p, t.term FROM unnest(CAST(:prefixes AS text[])) AS p, LATERAL ("
            "SELECT term FROM search_terms WHERE term >= p AND term < p || chr(1114111) "
            "ORDER BY term LIMIT :n) AS t"), {"prefixes": prefixes, "n": PREFIX_TERMS + 1}):
        found.setdefault(prefix, []).append(term)
    whole = {p: terms for p, terms in found.items() if len(terms) <= PREFIX_TERMS
             and all(_clean_term(t) == t and t.startswith(p) for t in terms)}

    def spell(term: Term) -> list[Term]:
        key = _clean_term(term[0])
        return [(t, False) for t in whole[key]] if term[1] and key in whole else [term]
    return [[[t for option in options for t in spell(option)] for options in group]
            for group in groups]


def _ts_match(groups) -> ColumnElement[bool]:
    """PostgreSQL: the boolean query on the row of `cases` itself, through the GIN index of
    its stored vector (search_tsv, migration 0011), prefixes spelt out (_spelled_out).
    Unique bind names: several of these may sit in one statement (share grants' filters in
    the visibility predicate)."""
    return text("cases.search_tsv @@ to_tsquery('simple'::regconfig, :tsq)").bindparams(
        bindparam("tsq", _tsquery(_spelled_out(groups)), unique=True))


def _index_match(groups) -> ColumnElement[bool]:
    """The condition that a case matches the boolean query, through the database's index.
    On PostgreSQL it applies to the row itself, so the cases read from the index are not
    looked up a second time by id."""
    if db.engine.dialect.name == "postgresql":
        return _ts_match(groups)
    return Case.id.in_(_index_ids(groups))


def _index_ids(groups, limit: int | None = None):
    """A SELECT of case ids matching the boolean query through the database's index; with
    `limit` (the broad stages) only the best-ranked (SQLite: bm25) or first matches."""
    if db.engine.dialect.name == "postgresql":
        stmt = select(Case.id).where(Case.deleted_at.is_(None), _ts_match(groups))
        return stmt.limit(limit) if limit else stmt
    sql = "SELECT rowid FROM cases_fts WHERE cases_fts MATCH :m"
    params = [bindparam("m", _fts5(groups), unique=True)]
    if limit:
        sql += " ORDER BY rank LIMIT :n"
        params.append(bindparam("n", limit, unique=True))
    return text(sql).bindparams(*params).columns(column("rowid", Integer))


def _fuzzy_ids(tokens: list[QueryToken]):
    if db.engine.dialect.name != "postgresql":
        return _index_ids(_prefixes(tokens), BROAD_CAP)
    sk = " ".join(t.skeleton for t in tokens)
    ar = " ".join(t.key for t in tokens if t.script == "ar")
    db.session.execute(text("SET LOCAL pg_trgm.word_similarity_threshold = 0.5"))
    cond = "cases.search_sk %> :sk" + (" OR cases.search_ar %> :ar" if ar else "")
    params = {"sk": sk, **({"ar": ar} if ar else {})}
    return (select(Case.id).where(Case.deleted_at.is_(None), text(cond).bindparams(**params))
            .limit(BROAD_CAP))


def ranked_ids(stmt: Select, q: str, name_keys=None) -> list[int]:
    """Ids of the cases of `stmt` matching the name query `q`, best first. `name_keys`
    (access.ListScope.name_keys): extra columns and a function giving each candidate's
    (search_ar, search_lat) when the stored ones may not be used for this reader."""
    return _ranked(stmt, q, name_keys)[0]


def _ranked(stmt: Select, q: str, name_keys=None) -> tuple[list[int], bool]:
    """ranked_ids(), and whether a stage stopped at CANDIDATE_CAP: then more cases may match
    than were ranked (the index query is looser than ranking: "Muhammad Almohammad" reads
    every case with one Muhammad, and ranking keeps those with two)."""
    tokens = query_tokens(q)
    if not tokens:
        return [], False
    extra, keys = name_keys or ((), None)
    base = stmt.with_only_columns(Case.id, Case.search_ar, Case.search_lat,
                                  *extra).order_by(None)
    rows: dict[int, tuple] = {}
    truncated = False
    for stage in (lambda: _index_match(_strict(tokens)),
                  lambda: Case.id.in_(_index_ids(_broad(tokens), BROAD_CAP)),
                  lambda: Case.id.in_(_fuzzy_ids(tokens))):
        found = db.session.execute(base.where(stage()).limit(CANDIDATE_CAP)).all()
        truncated = truncated or len(found) >= CANDIDATE_CAP
        rows.update((r[0], (r[0], *keys(r)) if keys else r) for r in found)
        if len(rows) >= MIN_RESULTS:
            break
    return rank(tokens, rows.values()), truncated


# --- pages -------------------------------------------------------------------------------
@dataclass
class Page:
    items: list[Case]
    page: int
    per_page: int
    total: int
    capped: bool  # total is a lower bound ("10,000+"; a search cut at CANDIDATE_CAP)
    ranks: dict[int, int] | None = None  # {case id: value of case_page's `rank` column}
    ranked: bool = False  # a name search: the pages are slices of its ranked ids, no more
    tiers: dict[int, str] = field(default_factory=dict)  # filled by access.ListScope.page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.capped and not self.ranked
                                          and len(self.items) == self.per_page)

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _load(ids: list[int], options=()) -> list[Case]:
    if not ids:
        return []
    by_id = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(ids))
                                                 .options(*options))}
    return [by_id[i] for i in ids if i in by_id]


def _load_page(ids: list[int], within: Select, rank: ColumnElement | None,
               options=()) -> tuple[list[Case], dict[int, int] | None]:
    """The cases of `ids`, in that order, and with `rank`, those that `within` still
    selects, each with its rank, in one query (see case_page)."""
    if rank is None:
        return _load(ids, options), None
    if not ids:
        return [], {}
    rows = db.session.execute(within.with_only_columns(Case, rank).order_by(None)
                              .where(Case.id.in_(ids)).options(*options)).all()
    by_id = {case.id: (case, value) for case, value in rows}
    found = [i for i in ids if i in by_id]
    return [by_id[i][0] for i in found], {i: by_id[i][1] for i in found}


class CountMemo:
    """Totals of recent lists, per app (one per worker process): {key: total}.

    The caller's key must change whenever the list could (access.ListScope.count_key: the
    register epoch the database advances on every relevant write, and who sees what).
    Entries also expire after `ttl` seconds. Only a total is kept, never which cases."""

    def __init__(self, ttl: float = 300.0, size: int = 1024):
        self.ttl, self.size = ttl, size
        self._items: OrderedDict = OrderedDict()
        self._lock = Lock()

    def get(self, key, compute) -> int:
        now = monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[1] > now:
                self._items.move_to_end(key)
                return hit[0]
        total = compute()
        with self._lock:
            self._items[key] = (total, now + self.ttl)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return total


def _memo() -> CountMemo:
    return current_app.extensions.setdefault("portal_count_memo", CountMemo())


def case_page(stmt: Select, f: CaseFilter, *, page: int = 1, per_page: int = 50,
              options=(), count_from: Callable[[], Select] | None = None, count_scope=None,
              name_keys=None, rank: ColumnElement | None = None,
              recheck: Select | None = None) -> Page:
    """One page of the register for a visibility-scoped select, filters and sort applied
    (`options`: loader options for the page's cases, e.g. what redact() reads;
    `count_from`: a function giving the same cases in the form that counts fastest, if
    different, called only when the total is counted (not when it is reused);
    `count_scope`: a key naming exactly the cases counted, under which the total may be
    reused: access.ListScope.count_key, see CountMemo; `name_keys`: see ranked_ids;
    `rank`: a column read with the page's cases, in Page.ranks: access.ListScope's tier
    of each case, read by the query that loads them, which checks again that they are
    visible (a case deleted, revoked or refused since the page was picked is left out));
    `recheck`: the same cases in the form the page's cases are loaded through, if different
    from `stmt` (a name search's candidates may come through derived data)."""
    page = max(1, page)
    filtered = apply_filters(stmt, f)
    if f.q and query_tokens(f.q):  # a query of no searchable letters ("%", "*") is no criterion,
        ids, truncated = _ranked(filtered, f.q, name_keys)  # as exports (apply_filters with_name)
        start = (page - 1) * per_page
        within = filtered if recheck is None else apply_filters(recheck, f)
        items, ranks = _load_page(ids[start:start + per_page], within, rank, options)
        return Page(items, page, per_page, len(ids), truncated, ranks=ranks, ranked=True)
    order = SORTS.get(f.sort, SORTS["recent"])
    ids_stmt = (filtered.with_only_columns(Case.id).order_by(*order)
                .limit(per_page).offset((page - 1) * per_page))
    ids = list(db.session.scalars(ids_stmt))

    def count() -> int:
        counting = filtered if count_from is None else apply_filters(count_from(), f)
        counted = (counting.with_only_columns(Case.id).order_by(None).limit(COUNT_CAP + 1)
                   .subquery())
        return db.session.scalar(select(func.count()).select_from(counted))

    if count_scope is None:
        total = count()
    else:
        total = _memo().get(count_scope, count)
    items, ranks = _load_page(ids, filtered, rank, options)
    return Page(items, page, per_page, min(total, COUNT_CAP), total > COUNT_CAP, ranks=ranks)
