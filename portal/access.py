"""The authorisation gate: who may reach which endpoint, and which objects they may see.

Every endpoint is classified in the policy table (portal/policy/*.yaml, one file per area):
the roles allowed, whether the endpoint is scoped to an object (denial is then a 404), and
the audit event it writes. The before-request hook below denies anything unclassified, so a
forgotten decorator cannot open a page. Visibility of cases, events and packs is decided only
here: see visible_cases(), effective_tier() and redact() (issue "sharing").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from enum import IntFlag
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from flask import Flask, abort, g, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import (Integer, Select, and_, exists, false, func, literal, literal_column, or_,
                        select, union)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy import case as sql_case
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from . import crypto, refdata
from .extensions import db
from .models import (PUBLISHED, Case, Event, EventOrganization, GrantCase, Organization, Role,
                     RegisterEpoch, ShareGrant, Source, SourceConsentOrg, TimelineEntry, utcnow)
from .models.case_records import CONSENT_LEVELS
from .partial_dates import month_of, year_of

ALL_ROLES = frozenset(r.value for r in Role)
OFFICE_ROLES = frozenset({Role.admin.value, Role.staff.value})
PARTNER_ROLES = frozenset({Role.partner_manager.value, Role.partner_viewer.value})
ROLE_GROUPS = {"any": ALL_ROLES, "office": OFFICE_ROLES, "partners": PARTNER_ROLES,
               "managers": frozenset({Role.admin.value, Role.partner_manager.value})}

# Endpoints a session that has passed the password but still has to enrol a second factor
# may reach (outside demo mode every account enrols TOTP before it sees anything).
ENROLMENT_ENDPOINTS = frozenset({"account.enrol", "auth.logout"})


@dataclass(frozen=True)
class Rule:
    endpoint: str
    public: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    methods: frozenset[str] = frozenset({"GET"})
    object: str | None = None  # "case", "event", "pack", ...: denial is a 404
    audit: str | None = None  # the audit event the endpoint writes, if any
    token: str | None = None  # API v1: the token scope it needs (never a session; issue 16)


def _parse_roles(value) -> frozenset[str]:
    roles: set[str] = set()
    for item in ([value] if isinstance(value, str) else value or []):
        roles |= ROLE_GROUPS.get(item, {item})
    unknown = roles - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles in policy: {sorted(unknown)}")
    return frozenset(roles)


@lru_cache(maxsize=1)
def load_policy() -> dict[str, Rule]:
    """Read the policy table from portal/policy/*.yaml (one mapping of endpoint → rule)."""
    rules: dict[str, Rule] = {}
    for path in sorted((Path(__file__).parent / "policy").glob("*.yaml")):
        for endpoint, spec in (yaml.safe_load(path.read_text()) or {}).items():
            if endpoint in rules:
                raise ValueError(f"{endpoint} is classified twice ({path.name})")
            spec = spec or {}
            rules[endpoint] = Rule(
                endpoint=endpoint, public=bool(spec.get("public")),
                roles=_parse_roles(spec.get("roles")),
                methods=frozenset(m.upper() for m in spec.get("methods", ["GET"])),
                object=spec.get("object"), audit=spec.get("audit"), token=spec.get("token"))
            if rules[endpoint].token and (rules[endpoint].roles or rules[endpoint].public):
                raise ValueError(f"{endpoint}: a token endpoint has no roles and is not public")
    return rules


def fully_signed_in() -> bool:
    """Signed in with both factors (or as a demo account in demo mode)."""
    return current_user.is_authenticated and session.get("auth") == "full"


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def enforce_policy():
    """Deny by default: the before-request hook that classifies every request."""
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route matched: the 404/405 handlers answer
    rule = load_policy().get(endpoint)
    if rule is None:
        abort(403)  # unclassified endpoints are closed (test A1 fails the suite on them)
    if rule.public:
        return None
    if rule.token:
        return None  # API v1: the blueprint authenticates the bearer token (api_v1/auth.py)
    if not current_user.is_authenticated:
        if _wants_json():
            abort(401)
        return redirect(url_for("auth.login"))
    level = session.get("auth")
    if level == "enrol" and endpoint not in ENROLMENT_ENDPOINTS:
        if _wants_json():
            abort(401)
        return redirect(url_for("account.enrol"))
    if level not in ("full", "enrol"):
        abort(401)
    if current_user.role not in rule.roles:
        g.denied_rule = rule
        abort(403)
    return None


def role_required_for(endpoint: str) -> frozenset[str]:
    """The roles the policy allows on `endpoint` (templates use it to hide links)."""
    rule = load_policy().get(endpoint)
    return rule.roles if rule else frozenset()


def can_reach(endpoint: str) -> bool:
    """Whether the current user's role may reach `endpoint` according to the policy."""
    return fully_signed_in() and current_user.role in role_required_for(endpoint)


def can_manage_user(actor, target) -> bool:
    """Admins manage every account; a partner_manager only colleagues of their organisation."""
    if actor.role == Role.admin.value:
        return True
    return (actor.role == Role.partner_manager.value
            and target.organization_id == actor.organization_id
            and target.role in PARTNER_ROLES)


def assignable_roles(actor) -> list[str]:
    """The roles `actor` may give to an account they invite or edit."""
    if actor.role == Role.admin.value:
        return [r.value for r in Role]
    if actor.role == Role.partner_manager.value:
        return [Role.partner_manager.value, Role.partner_viewer.value]
    return []


# === Cases (issue 3, the case register) =====================================================
# Which cases a user sees, at which detail tier, and the one serialiser (redact) that every
# view, export, JSON answer and PDF uses. The sharing area extends partner_case_filter() and
# partner_tier(); nothing else in the portal decides case visibility.

TIERS = ("summary", "detailed", "identification", "office")
TIER_RANK = {name: rank for rank, name in enumerate(TIERS)}


def partner_case_filter(user) -> ColumnElement[bool]:
    """SQL predicate of the cases a partner account may see: its organisation's subset."""
    return org_case_filter(user.organization_id)


def partner_tier(user, case: Case) -> str | None:
    """A partner's tier for `case` (highest active grant, capped by consent); None = hidden."""
    return effective_tiers_for_org(user.organization_id, [case.id]).get(case.id)


def visible_cases(user) -> Select:
    """The cases `user` may see, decided in SQL (office: every case not deleted)."""
    stmt = select(Case).where(Case.deleted_at.is_(None))
    if user.is_office:
        return stmt
    return stmt.where(partner_case_filter(user))


def deleted_cases(user) -> Select:
    """Soft-deleted cases, for an admin to restore (nobody else sees them)."""
    stmt = select(Case).where(Case.deleted_at.is_not(None))
    return stmt if user.role == Role.admin.value else stmt.where(false())


def effective_tier(user, case: Case) -> str | None:
    """"office" for admin and staff; for partners their grant tier; None = not visible."""
    if case.deleted_at is not None:
        return None
    if user.is_office:
        return "office"
    return partner_tier(user, case)


def get_case_or_404(uid: str, user, *, include_deleted: bool = False) -> Case:
    """A case by its public uid that `user` may see; 404 alike for missing and not visible.

    Admins may open soft-deleted cases (to restore them) with include_deleted=True.
    """
    if not isinstance(uid, str) or len(uid) != 36:
        abort(404)
    if include_deleted and user.role == Role.admin.value:
        case = db.session.scalar(select(Case).where(Case.uid == uid))
    else:
        case = db.session.scalar(visible_cases(user).where(Case.uid == uid))
    if case is None or (case.deleted_at is None and effective_tier(user, case) is None):
        abort(404)
    return case


def case_consent(case: Case) -> dict:
    """The case's consent: the most restrictive level among its sources ("internal" when
    none is recorded), organisations refused by any source, allowed by all named ones."""
    sources = list(case.sources)
    if not sources:
        return {"level": "internal", "allowed_orgs": [], "refused_orgs": [],
                "identification_referral": False}
    level = min((s.consent_level for s in sources), key=CONSENT_LEVELS.index)
    refused = sorted({o for s in sources for o in s.orgs(False)})
    named = [set(s.orgs(True)) for s in sources if s.consent_level == "named_partners"]
    allowed = sorted(set.intersection(*named) - set(refused)) if named else []
    return {"level": level, "allowed_orgs": allowed, "refused_orgs": refused,
            "identification_referral": any(s.identification_referral for s in sources)}


def _timeline_entry(entry, office: bool) -> dict:
    out = {"kind": entry.kind, "date": entry.date, "estimated": bool(entry.estimated),
           "place": entry.place, "facility": refdata.facility(entry.facility_id),
           "perpetrator": refdata.perpetrator(entry.perpetrator_id), "unit": entry.unit,
           "source_kind": entry.source.kind if entry.source else ""}
    if office:
        out.update(id=entry.id, source_id=entry.source_id)
    return out


def _source_record(source) -> dict:
    def clear(blob: bytes | None, context: bytes) -> str:
        return crypto.decrypt(blob, context=context) if blob else ""
    return {"id": source.id, "kind": source.kind, "relation": source.relation,
            "informant": clear(source.informant_enc, b"informant"),
            "contact": clear(source.contact_enc, b"contact"),
            "contact_channel": source.contact_channel, "interview_date": source.interview_date,
            "interviewer": source.interviewer, "reliability": source.reliability,
            "consent": {"level": source.consent_level, "allowed_orgs": source.orgs(True),
                        "refused_orgs": source.orgs(False),
                        "identification_referral": bool(source.identification_referral),
                        "date": source.consent_date, "method": source.consent_method}}


def redact_options() -> tuple:
    """Loader options fetching what redact() reads, for pages and exports (no N+1 queries)."""
    return (selectinload(Case.timeline).selectinload(TimelineEntry.source),
            selectinload(Case.sources).selectinload(Source.consent_orgs),
            selectinload(Case.submissions), selectinload(Case.tag_rows))


def redact(case: Case, tier: str, *, brief: bool = False) -> dict:
    """The case as a dict holding only the keys of `tier` (CONTRACT.md): a field above the
    tier is absent, not None. The only source of case data for pages, exports and PDFs.

    `brief`: only what a row of the case list shows (the summary keys, and the full arrest
    date where the tier holds it): a subset of the tier's keys that reads no related rows,
    so a page of the list loads no timeline, sources or submissions."""
    rank = TIER_RANK[tier]  # KeyError on an unknown tier: fail closed
    out = {
        "uid": case.uid, "reference": case.reference, "tier": tier,
        "names": {"first_ar": case.first_name_ar, "family_ar": case.family_name_ar,
                  "first_lat": case.first_name_lat, "family_lat": case.family_name_lat},
        "aliases": case.alias_list, "sex": case.sex, "birth_year": year_of(case.birth_date),
        "governorate": refdata.governorate(case.governorate_id),
        "arrest_month": month_of(case.arrest_date),
        "perpetrator": refdata.perpetrator(case.perpetrator_id),
        "facility": refdata.facility(case.last_facility_id),
        "status": case.status, "public_narrative": case.public_narrative,
    }
    if rank < TIER_RANK["detailed"]:
        return out
    if brief:
        out["arrest_date"] = case.arrest_date or None
        return out
    office = rank >= TIER_RANK["office"]
    out.update(
        parents={"father_ar": case.father_name_ar, "father_lat": case.father_name_lat,
                 "mother_ar": case.mother_name_ar, "mother_lat": case.mother_name_lat},
        birth_date=case.birth_date or None, district=refdata.district(case.district_id),
        arrest_date=case.arrest_date or None, arrest_circumstances=case.arrest_circumstances,
        timeline=[_timeline_entry(e, office) for e in case.timeline],
        submissions=[{"body": s.body, "date": s.date, "reference": s.reference,
                      "answer": s.answer, **({"id": s.id} if office else {})}
                     for s in case.submissions])
    if rank >= TIER_RANK["identification"]:
        out["informants"] = [{"relation": s.relation, "contact_channel": s.contact_channel}
                             for s in case.sources if s.identification_referral]
    if office:
        sources = [_source_record(s) for s in case.sources]
        out.update(
            internal_notes=case.internal_notes,
            interviewer=", ".join(dict.fromkeys(s["interviewer"] for s in sources
                                                if s["interviewer"])),
            sources=sources, consent=case_consent(case), tags=case.tags, version=case.version,
            external_id=case.external_id or "", created_at=case.created_at.isoformat(),
            updated_at=case.updated_at.isoformat())
    return out


# === Sharing (issue 4): share grants, consent, effective tiers ===============================
# A partner organisation sees a case when an ACTIVE grant (not revoked, not expired, the
# organisation active and not the office) covers it, by explicit membership or by the grant's
# copied filter, AND the case's consent allows the organisation. Everything below is SQL: the
# database decides, nothing is loaded and filtered in Python, and nothing is cached, so a
# revocation, an expiry or a consent change applies from the next request.
#
# How several sources' consents combine (the most restrictive wins, as case_consent() shows
# staff):
#   * no source, or any source whose level is not a sharing level ("internal", or a value
#     this code does not know: fail closed) → shared with nobody;
#   * an organisation refused by ANY source never sees the case, whatever the grants;
#   * sources at "named_partners" must EACH allow the organisation;
#   * the identification tier needs at least one source that allows identification referral
#     (redact() lists only those sources' relation and channel); otherwise it is capped at
#     "detailed". Overriding a consent cap is not possible.
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

        Equivalent forms, each fastest for one kind of query
        (bench/sharing_visibility.py: 20,000 of 250,000 cases):
        * "probe": an EXISTS probe per case (share_grant_cases by case) OR the filters: best
          when the query walks cases in an index order and stops early (a page, an export
          chunk);
        * "grants": "id IN (the grants' cases UNION the filters' matches)": both databases
          then start from the grants, which counts the subset 3-5x faster;
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
    with the subset before it reads a row (a common name searched by a partner read 12-25
    times the rows it kept; bench/README.md, P2). SQLite: the grants' cases as a set.

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
    from .search import filters as case_filters
    from .search.query import apply_filters
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
    """SQL: the case has a source and none of its sources blocks `org` (see above).

    One probe per case: the least of "this source lets `org` see the case" (1) or not (0)
    over the case's sources, each with its row for `org` (the source table by case, its named
    organisations by key); no source gives NULL, which counts as a refusal. An aggregate
    sub-select stays a per-case probe on both databases (the planner never turns it into a
    join with every source), and reads each source once where the two EXISTS probes it
    replaced read them twice (bench/README.md, P2; `python -m bench.partner_queries`)."""
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


@dataclass(frozen=True)
class Principal:
    """A user reduced to what the gate needs: safe to keep after the request's database
    session is gone (a streamed export reads its chunks after the view has returned)."""

    id: int
    role: str
    organization_id: int

    @property
    def is_office(self) -> bool:
        return self.role in OFFICE_ROLES


def principal_of(user) -> Principal:
    return Principal(id=user.id, role=user.role, organization_id=user.organization_id)


def effective_tiers(user, cases) -> dict[int, str]:
    """{case id: tier} for `user` over `cases` in one query (office: "office" for all)."""
    live = [c.id for c in cases if c.deleted_at is None]
    if user.is_office:
        return dict.fromkeys(live, "office")
    return effective_tiers_for_org(user.organization_id, live)


def _month_bound(value: str, end: bool) -> int | None:
    from .partial_dates import PartialDateError, parse
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
    from .search import case_search_keys
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
        from .search.query import case_page
        from .search.ranking import query_tokens
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
    from .search.ranking import all_exact
    own = _own_name_keys(case.first_name_ar, case.family_name_ar, case.first_name_lat,
                         case.family_name_lat, case.aliases)
    return all_exact(tokens, *own)


def grants_covering(case: Case) -> list[ShareGrant]:
    """The active grants that select `case` (explicitly or by filter), consent aside: for
    staff, to show who may see the case and why."""
    named = set(db.session.scalars(select(GrantCase.grant_id).where(GrantCase.case_id == case.id)))
    grants = db.session.scalars(  # only grants naming the case, or with a filter to test
        select(ShareGrant).join(Organization, Organization.id == ShareGrant.organization_id)
        .where(ShareGrant.revoked_at.is_(None), ShareGrant.expires_at > utcnow(),
               Organization.active.is_(True), Organization.kind != "office",
               or_(ShareGrant.id.in_(named), ShareGrant.filter_params.is_not(None)))
        .order_by(ShareGrant.organization_id, ShareGrant.id)).all()
    out = []
    for grant in grants:
        if grant.tier not in GRANTABLE:
            continue
        predicate = grant_filter_predicate(grant.filter)
        if grant.id in named or (predicate is not None and db.session.scalar(
                select(Case.id).where(Case.id == case.id, predicate))):
            out.append(grant)
    return out


def case_audience(case: Case) -> list[dict]:
    """For staff: each organisation an active grant gives `case` to, with the highest tier
    granted and the effective tier (None when the case's consent excludes the organisation)."""
    by_org: dict[int, list[ShareGrant]] = {}
    for grant in grants_covering(case):
        by_org.setdefault(grant.organization_id, []).append(grant)
    out = []
    for org_id, grants in by_org.items():
        granted = max((g.tier for g in grants), key=TIER_RANK.__getitem__)
        out.append({"organization": grants[0].organization, "grants": grants,
                    "granted": granted, "tier": effective_tiers_for_org(org_id, [case.id])
                    .get(case.id) if case.deleted_at is None else None})
    return out


# --- events -----------------------------------------------------------------------------------

class EventAccess(IntFlag):
    """What a user may do with an event they can see."""

    none = 0
    view = 1
    rsvp = 2  # answer the invitation for their organisation
    contribute = 4  # add agenda items and materials
    manage = 8  # edit, postpone, cancel, confirm, decline, record attendance


MAX_ID = 2**31 - 1  # integer primary keys on both databases


def visible_events(user) -> Select[tuple[Event]]:
    """The events `user` may see, as a Select to refine (filters, order, paging).

    The office sees every event. A partner sees the published events (scheduled, postponed,
    cancelled) its organisation organises, co-organises or is invited to, and the proposals
    its organisation made (also once declined). Nobody else learns that an event exists.
    """
    if user.role in OFFICE_ROLES:
        return select(Event)
    return visible_events_for_org(user.organization_id)


def visible_events_for_org(org) -> Select[tuple[Event]]:
    """The events a partner organisation's accounts see (briefing packs use it too)."""
    org_id = _org_id(org)
    stmt = select(Event)
    takes_part = or_(Event.organizer_org_id == org_id,
                     Event.participants.any(EventOrganization.organization_id == org_id))
    return stmt.where(or_(and_(Event.status.in_(PUBLISHED), takes_part),
                          Event.proposed_by_org_id == org_id))


def event_access(event: Event, user) -> EventAccess:
    """The actions `user` may take on `event` (which they can see)."""
    flags = EventAccess.view
    org_id = user.organization_id
    if org_id in event.org_ids():  # co-organisers and invitees answer; the organiser counts
        flags |= EventAccess.rsvp
    if user.role in OFFICE_ROLES:
        flags |= EventAccess.contribute | EventAccess.manage
    elif user.role == Role.partner_manager.value and (
            org_id == event.organizer_org_id or org_id in event.org_ids("co_organizer")):
        flags |= EventAccess.contribute
    return flags


def get_event_or_404(event_id: int, *, need: EventAccess = EventAccess.view,
                     user=None) -> Event:
    """An event the user may see; 404 if not visible (or absent), 403 if `need` is missing."""
    user = user or current_user
    if not 0 < event_id <= MAX_ID:
        abort(404)  # not even a possible id (and no integer overflow in the database)
    event = db.one_or_404(visible_events(user).where(Event.id == event_id))
    if need not in event_access(event, user):
        abort(403)
    return event


# === Partner submissions (issue 4, oversight) ===============================================

def visible_submissions(user) -> Select:
    """Partner submissions `user` may see: the office all, a partner its organisation's."""
    from .models import PartnerSubmission
    stmt = select(PartnerSubmission)
    if user.is_office:
        return stmt
    return stmt.where(PartnerSubmission.organization_id == user.organization_id)


def get_submission_or_404(uid: str, user):
    """A submission by its public uid that `user` may see; 404 alike for missing and not
    visible (another organisation's)."""
    from .models import PartnerSubmission
    if not isinstance(uid, str) or len(uid) != 36:
        abort(404)
    return db.one_or_404(visible_submissions(user).where(PartnerSubmission.uid == uid))


def submission_case_visible(sub) -> bool:
    """Whether the submitting organisation still sees the case its update is about (the
    grant may have been revoked or have expired, or consent narrowed, since)."""
    if sub.case_id is None:
        return False
    return sub.case_id in effective_tiers_for_org(sub.organization_id, [sub.case_id])


# === Partner API v1 (issue 16): the sync feed's view of an organisation's subset ============

def sync_snapshot(user, f, case_ids=None) -> dict[int, tuple[str, int, str]]:
    """{case id: (uid, version, tier)} of the live cases `user` (a partner principal) sees
    that match the list filter `f` (without a name search), in one query: what an
    incremental sync compares with what it last delivered. `case_ids`: only among these."""
    scope = ListScope(user, f)
    if scope.coverage is None or scope.coverage.empty:
        return {}
    from .search.query import apply_filters
    stmt = apply_filters(scope.cases, replace(scope.filter, q=""), with_name=False)
    stmt = stmt.with_only_columns(Case.id, Case.uid, Case.version, _tier_rank(scope.coverage))
    if case_ids is not None:
        case_ids = list(case_ids)
        if not case_ids:
            return {}
        stmt = stmt.where(Case.id.in_(case_ids))
    return {row[0]: (row[1], row[2], TIERS[row[3]]) for row in db.session.execute(stmt)}


def active_grants_of_org(org) -> list[ShareGrant]:
    """The organisation's active grants (what its partner systems may read about them)."""
    return list(db.session.scalars(
        select(ShareGrant).join(Organization, Organization.id == ShareGrant.organization_id)
        .where(ShareGrant.organization_id == _org_id(org), ShareGrant.revoked_at.is_(None),
               ShareGrant.expires_at > utcnow(), Organization.active.is_(True),
               Organization.kind != "office", ShareGrant.tier.in_(GRANTABLE))
        .order_by(ShareGrant.id)))


def init_app(app: Flask) -> None:
    load_policy()  # fail at start-up, not at the first request, on a malformed table
    app.before_request(enforce_policy)
    app.jinja_env.globals["can_reach"] = can_reach
