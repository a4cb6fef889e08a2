"""Partner submissions through the API (issue 16): the same service, checks and staff
review queue as the web form (services/sharing/submissions.py); all or nothing."""

from __future__ import annotations

from flask import request
from pydantic import ValidationError
from werkzeug.exceptions import NotFound

from ... import refdata
from ...access import get_case_or_404, get_submission_or_404, submission_case_visible
from ...extensions import db
from ...models import Case
from ...services.cases.rules import check_date
from ...services.oversight import alerts
from ...services.sharing import submissions as service
from . import bp, schemas
from .auth import api_actor, current_principal
from .problems import ApiProblem
from .routes import _audit, _errors, _json

MAX_BODY = 64 * 1024


def _body() -> schemas.SubmissionRequest:
    if not request.is_json:
        raise ApiProblem(415, "unsupported_media_type")
    if (request.content_length or 0) > MAX_BODY:
        raise ApiProblem(413, "too_large")
    data = request.get_json(silent=True)
    if data is None:
        raise ApiProblem(400, "bad_request", errors=[{"field": "body",
                                                      "message": "not valid JSON"}])
    try:
        return schemas.SubmissionRequest.model_validate({"submission": data})
    except ValidationError as exc:
        raise ApiProblem(422, "validation_failed", errors=_errors(exc)) from None


def _code(table: str, code: str, field: str, errors: list, **kw) -> int | None:
    if not code:
        return None
    row = refdata.find(table, code, **kw)
    if row is None:
        errors.append({"field": field, "message": "unknown code"})
        return None
    return row["id"]


def _new_case(sub: schemas.NewCaseSubmission):
    errors: list[dict] = []
    c, a = sub.case, sub.arrest
    case = c.model_dump(exclude={"governorate", "district"})
    case["birth_date"] = check_date(case["birth_date"])[0] or case["birth_date"]
    case["governorate_id"] = _code("governorates", c.governorate, "case.governorate", errors)
    case["district_id"] = _code("districts", c.district, "case.district", errors)
    arrest = {"date": check_date(a.date, allow_range=True)[0] or a.date,
              "estimated": a.estimated, "place": a.place, "unit": a.unit,
              "perpetrator_id": _code("perpetrators", a.perpetrator, "arrest.perpetrator",
                                      errors),
              "facility_id": a.facility_id}
    return case, arrest, errors


def _refused(uid: str) -> ApiProblem:
    db.session.rollback()
    alerts.record_case_refusal(uid, api_actor(), current_principal(), detail={
        "status": 404, "method": "POST", "endpoint": request.endpoint,
        "token": current_principal().token_name})
    db.session.commit()
    return ApiProblem(404, "not_found")


@bp.route("/submissions", methods=["POST"])
def submit():
    p = current_principal()
    sub = _body().submission
    try:
        if isinstance(sub, schemas.NewCaseSubmission):
            case, arrest, errors = _new_case(sub)
            if errors:
                raise ApiProblem(422, "validation_failed", errors=errors)
            made = service.propose_case(case, arrest, sub.text, user=p, actor=api_actor())
        else:
            try:
                target: Case = get_case_or_404(sub.case_uid, p)
            except NotFound:
                raise _refused(sub.case_uid) from None
            made = service.propose_update(target, sub.model_dump(exclude={"kind", "case_uid"}),
                                          user=p, actor=api_actor())
    except service.SubmissionInvalid as exc:
        raise ApiProblem(422, "validation_failed", errors=[
            {"field": name, "message": str(message)} for name, message in exc.errors]) from None
    _audit("api_write", "submission", made.uid, kind=made.kind)
    db.session.commit()
    response = _json(_submission(made), 201)
    response.headers["Location"] = f"{request.script_root}/api/v1/submissions/{made.uid}"
    return response


def _submission(sub) -> schemas.Submission:
    case_uid = sub.case.uid if sub.case is not None and submission_case_visible(sub) else None
    result = None
    if sub.result_case_id is not None:
        from ...access import effective_tiers_for_org
        if effective_tiers_for_org(sub.organization_id, [sub.result_case_id]):
            result = sub.result_case.uid
    return schemas.Submission.model_validate({
        "uid": sub.uid, "kind": sub.kind, "status": sub.status, "created_at": sub.created_at,
        "decided_at": sub.decided_at, "decline_reason": sub.decline_reason or "",
        "case_uid": case_uid, "result_case_uid": result})


@bp.route("/submissions/<uid>")
def submission(uid: str):
    try:
        sub = get_submission_or_404(uid, current_principal())
    except NotFound:
        raise ApiProblem(404, "not_found") from None
    _audit("api_read", "submission", sub.uid)
    db.session.commit()
    return _json(_submission(sub))
