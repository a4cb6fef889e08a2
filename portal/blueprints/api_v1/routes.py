"""The partner API v1 (policy: portal/policy/api_v1.yaml; schemas: schemas.py).

Every case comes from access.redact() at the organisation's effective tier, decided by
portal/access.py for the token's organisation; every call is audited in its transaction."""

from __future__ import annotations

import base64
import binascii
import json

from flask import Response, request
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from ...access import (
    TIER_RANK,
    active_grants_of_org,
    effective_tier,
    get_case_or_404,
    redact,
    visible_events_for_org,
)
from ...extensions import db
from ...models import Event, GrantCase
from ...search import filters as case_filters
from ...services import audit
from ...services.api import sync
from ...services.cases import register as case_service
from ...services.oversight import alerts
from . import bp, schemas
from .auth import api_actor, current_principal
from .problems import ApiProblem

FILTER_FIELDS = ("reference", "status", "governorate", "perpetrator", "facility",
                 "arrest_from", "arrest_to")


def _json(model: BaseModel, status: int = 200) -> Response:
    return Response(model.model_dump_json(exclude_unset=True), status=status,
                    mimetype="application/json")


def _errors(exc: ValidationError) -> list[dict]:
    return [{"field": ".".join(str(p) for p in e["loc"] if p != "submission") or "body",
             "message": e["msg"]} for e in exc.errors(include_url=False)][:50]


def _query(model: type[BaseModel]) -> BaseModel:
    args = request.args
    repeated = [k for k in args if len(args.getlist(k)) > 1]
    if repeated:
        raise ApiProblem(400, "invalid_parameter",
                         errors=[{"field": k, "message": "given more than once"}
                                 for k in repeated])
    try:
        return model.model_validate(args.to_dict())
    except ValidationError as exc:
        raise ApiProblem(400, "invalid_parameter", errors=_errors(exc)) from None


def _cursor(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _uncursor(text: str, keys: tuple[str, ...]) -> dict:
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ApiProblem(400, "invalid_cursor") from None
    if not isinstance(data, dict) or set(data) != set(keys) or not all(
            isinstance(data[k], int) and 0 <= data[k] < 2**62 for k in keys):
        raise ApiProblem(400, "invalid_cursor")
    return data


def _audit(action: str, object_type: str, object_id: object = "", **detail) -> None:
    detail["token"] = current_principal().token_name
    audit.record(action, api_actor(), object_type=object_type, object_id=object_id,
                 detail=detail)


@bp.route("/openapi.json")
def openapi():
    from .openapi import document
    _audit("api_read", "openapi")
    db.session.commit()
    return Response(json.dumps(document(), ensure_ascii=False), mimetype="application/json")


@bp.route("/token")
def token():
    """The token itself: its name, organisation, scopes and expiry."""
    from ...models import ApiToken
    p = current_principal()
    row = db.session.get(ApiToken, p.token_id)
    _audit("api_read", "api_token", p.token_id)
    db.session.commit()
    return _json(schemas.TokenInfo(name=row.name, organization=row.organization.name_en,
                                   scopes=row.scope_list, expires_at=row.expires_at))


@bp.route("/cases")
def cases():
    q = _query(schemas.CaseQuery)
    params = {k: getattr(q, k) for k in FILTER_FIELDS if getattr(q, k)}
    f, errors = case_filters.parse(params)
    if errors:
        raise ApiProblem(400, "invalid_parameter", errors=[
            {"field": name, "message": str(message)} for name, message in errors])
    if q.cursor and q.updated_since:
        raise ApiProblem(400, "invalid_parameter", errors=[
            {"field": "updated_since", "message": "give a cursor or updated_since, not both"}])
    p = current_principal()
    key = sync.filter_key(f.params())
    if q.cursor:
        c = _uncursor(q.cursor, ("f", "s", "d"))
        feed = sync.feed_by_id(c["f"], p.organization_id)
        if feed is None or feed.filter_key != key or c["s"] > feed.last_seq:
            raise ApiProblem(400, "invalid_cursor")
        after, dead = c["s"], c["d"]
        if after >= feed.last_seq:  # caught up: look for what changed since
            sync.reconcile(feed, p, f)
    else:
        feed = sync.feed_for(p.organization_id, f.params())
        sync.reconcile(feed, p, f)
        if q.updated_since:
            since = q.updated_since if q.updated_since.tzinfo else None
            if since is None:
                raise ApiProblem(400, "invalid_parameter", errors=[
                    {"field": "updated_since", "message": "give a time zone (e.g. Z)"}])
            after, dead = sync.seq_before(feed, since), 0
        else:
            after, dead = 0, feed.last_seq  # a full sync: its client holds nothing yet
    page = sync.read_page(feed, p, f, after=after, limit=q.limit, dead_after=dead)
    upserts = page.upserts
    tier = max((c["tier"] for c in upserts), key=TIER_RANK.__getitem__) if upserts else ""
    # A page carries whole records at their tier: a read as sensitive as an export of them
    # (counted by the access report and the bulk-read alert as `cases_exported`).
    _audit("cases_exported", "case", format="api", tier=tier, filters=len(f.params()),
           count=len(upserts), removed=len(page.items) - len(upserts))
    db.session.commit()
    body = schemas.CasePage.model_validate({
        "items": page.items, "has_more": page.has_more,
        "next_cursor": _cursor({"f": feed.id, "s": page.cursor, "d": dead})})
    return _json(body)


@bp.route("/cases/<uid>")
def case(uid: str):
    p = current_principal()
    try:
        found = get_case_or_404(uid, p)
        tier = effective_tier(p, found)
        if tier is None:
            raise NotFound()
    except NotFound:
        db.session.rollback()
        alerts.record_case_refusal(uid, api_actor(), p, detail={
            "status": 404, "method": "GET", "endpoint": request.endpoint,
            "token": p.token_name})
        db.session.commit()
        raise ApiProblem(404, "not_found") from None
    case_service.record_view(found, actor=api_actor(), tier=tier)
    db.session.commit()
    return _json(schemas.Case.model_validate(redact(found, tier)))


def _event_role(event: Event, org_id: int) -> str:
    if event.organizer_org_id == org_id:
        return "organizer"
    for row in event.participants:
        if row.organization_id == org_id:
            return row.role if row.role in ("co_organizer", "invited") else "invited"
    return "proposer"


def _event(event: Event, org_id: int) -> dict:
    return {"uid": event.uid, "kind": event.kind, "status": event.status,
            "title_en": event.title_en, "title_ar": event.title_ar,
            "description_en": event.description_en, "description_ar": event.description_ar,
            "starts_at": event.starts_at, "ends_at": event.ends_at,
            "timezone": event.timezone, "venue": event.venue, "address": event.address,
            "online_url": event.online_url, "languages": event.language_list,
            "capacity": event.capacity, "organizer": event.organizer.name_en,
            "role": _event_role(event, org_id), "updated_at": event.updated_at}


@bp.route("/events")
def events():
    q = _query(schemas.PageQuery)
    p = current_principal()
    after = _uncursor(q.cursor, ("e",))["e"] if q.cursor else 0
    rows = list(db.session.scalars(
        visible_events_for_org(p.organization_id).where(Event.id > after)
        .options(selectinload(Event.participants), selectinload(Event.organizer))
        .order_by(Event.id).limit(q.limit + 1)))
    more, rows = len(rows) > q.limit, rows[:q.limit]
    _audit("api_read", "events", count=len(rows))
    db.session.commit()
    return _json(schemas.EventPage.model_validate({
        "items": [_event(e, p.organization_id) for e in rows], "has_more": more,
        "next_cursor": _cursor({"e": rows[-1].id}) if more else None}))


@bp.route("/grants")
def grants():
    p = current_principal()
    rows = active_grants_of_org(p.organization_id)
    counts = dict(db.session.execute(
        select(GrantCase.grant_id, func.count()).where(
            GrantCase.grant_id.in_([g.id for g in rows])).group_by(GrantCase.grant_id)).all())
    _audit("api_read", "grants", count=len(rows))
    db.session.commit()
    return _json(schemas.GrantList.model_validate({"items": [
        {"id": g.id, "tier": g.tier, "purpose": g.purpose, "granted_at": g.created_at,
         "expires_at": g.expires_at, "explicit_cases": counts.get(g.id, 0),
         "by_filter": bool(g.filter_params)} for g in rows]}))
