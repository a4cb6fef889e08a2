"""A minimal read-only JSON API over the case register (policy: portal/policy/api.yaml).

Session authentication through the same gate as the pages (401 JSON when not signed in);
every case comes from access.redact() at the reader's effective tier, exactly as on screen.
A page of cases is audited as an export of them; opening one case as a sensitive read.
"""

from __future__ import annotations

from flask import abort, jsonify, request
from flask_login import current_user

from ...access import TIER_RANK, effective_tier, get_case_or_404, list_scope, redact, redact_options
from ...extensions import db
from ...search import filters as case_filters
from ...services.cases import exports
from ...services.cases import register as case_service
from ...web import current_actor
from . import bp

PER_PAGE = 50


@bp.route("/cases")
def cases():
    f, errors = case_filters.parse(request.args)
    if errors:
        return jsonify(error=400, fields=sorted({name for name, _m in errors})), 400
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))
    scope = list_scope(current_user, f)
    result = scope.page(page, PER_PAGE, redact_options())
    cases = [redact(c, result.tiers[c.id]) for c in result.items if c.id in result.tiers]
    # A page of the API carries whole records at their tier: a read as sensitive as an
    # export of those cases (access report, bulk-read alert), audited like one.
    if cases:
        exports.record_export(current_actor(), fmt="api", tier=max(
            (c["tier"] for c in cases), key=TIER_RANK.__getitem__), filters=len(f.params()),
            count=len(cases))
        db.session.commit()
    # capped: `total` is a lower bound (a list counted up to 10,000 cases, or a name search
    # that stopped at its candidate cap, so that more cases may match).
    return jsonify(cases=cases, page=result.page, per_page=result.per_page,
                   total=result.total, capped=result.capped)


@bp.route("/cases/<uid>")
def case(uid: str):
    found = get_case_or_404(uid, current_user)
    tier = effective_tier(current_user, found)
    if tier is None:  # access ended between the two queries
        abort(404)
    case_service.record_view(found, actor=current_actor(), tier=tier)
    db.session.commit()
    return jsonify(redact(found, tier))
