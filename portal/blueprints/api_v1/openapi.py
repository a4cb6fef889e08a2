"""The OpenAPI 3.1 document of the partner API v1, generated from the pydantic schemas that
validate its requests and shape its responses (schemas.py), and the list of its operations
that the in-portal reference page (api_tokens.docs) renders. Nothing here is hand-written
JSON: a field changed in schemas.py changes the document."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from . import schemas

REF = "#/components/schemas/{model}"
ERRORS = {400: "Malformed request or parameter", 401: "No valid token (missing, unknown, "
          "expired, revoked, or its organisation or creator deactivated)",
          403: "The token lacks the scope", 404: "Not found or not shared",
          429: "Rate limited (see Retry-After)"}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    endpoint: str
    scope: str
    summary: str
    description: str
    response: type[BaseModel]
    status: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    path_params: tuple[str, ...] = ()
    errors: tuple[int, ...] = (400, 401, 403, 429)


OPERATIONS = (
    Operation("get", "/cases", "api_v1.cases", "cases:read", "Sync the shared cases",
              "The organisation's cases, each at its effective tier, as a change feed: "
              "without a cursor a full sync (every case now shared); with the last page's "
              "`next_cursor` the changes since, including tombstones (`removed`) for cases "
              "the organisation may no longer hold. Filters as on the case list.",
              schemas.CasePage, query=schemas.CaseQuery),
    Operation("get", "/cases/{uid}", "api_v1.case", "cases:read", "One shared case",
              "The case at the organisation's effective tier (audited as an opened case).",
              schemas.Case, path_params=("uid",), errors=(400, 401, 403, 404, 429)),
    Operation("get", "/events", "api_v1.events", "events:read", "Events",
              "Events the organisation organises, co-organises, is invited to or proposed.",
              schemas.EventPage, query=schemas.PageQuery),
    Operation("get", "/grants", "api_v1.grants", "cases:read", "Share grants",
              "The organisation's active grants: tier, purpose, until when.",
              schemas.GrantList),
    Operation("post", "/submissions", "api_v1.submit", "submissions:write",
              "Submit a new case or an update",
              "Lands in the office's review queue, checked as the web form checks it.",
              schemas.Submission, status=201, body=schemas.SubmissionRequest,
              errors=(400, 401, 403, 404, 415, 422, 429)),
    Operation("get", "/submissions/{uid}", "api_v1.submission", "submissions:write",
              "A submission's status", "Pending, accepted or declined (with the reason).",
              schemas.Submission, path_params=("uid",), errors=(400, 401, 403, 404, 429)),
    Operation("get", "/token", "api_v1.token", "any", "The token itself",
              "Name, organisation, scopes and expiry of the token making the request.",
              schemas.TokenInfo),
    Operation("get", "/openapi.json", "api_v1.openapi", "any", "This document",
              "The OpenAPI 3.1 document of the API.", schemas.Out),
)


def _components() -> dict:
    models = {schemas.Problem}
    for op in OPERATIONS:
        models |= {m for m in (op.response, op.query, op.body) if m and m is not schemas.Out}
    pairs = [(m, "validation" if m in _inputs() else "serialization")
             for m in sorted(models, key=lambda m: m.__name__)]
    _keys, top = models_json_schema(pairs, ref_template=REF)
    return top.get("$defs", {})


def _inputs() -> set:
    return {m for op in OPERATIONS for m in (op.query, op.body) if m}


def _parameters(op: Operation) -> list[dict]:
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "string", "pattern": "^[0-9a-f-]{36}$"}}
              for name in op.path_params]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        for name, prop in schema.get("properties", {}).items():
            prop = dict(prop)
            description = prop.pop("description", None)
            prop.pop("title", None)
            param = {"name": name, "in": "query", "required": name in schema.get("required", []),
                     "schema": prop}
            if description:
                param["description"] = description
            params.append(param)
    return params


def _operation(op: Operation) -> dict:
    ref = {"$ref": REF.format(model=op.response.__name__)} if op.response is not schemas.Out \
        else {"type": "object"}
    out = {"operationId": op.endpoint.split(".", 1)[1], "summary": op.summary,
           "description": op.description, "parameters": _parameters(op),
           "security": [{"bearerToken": [] if op.scope == "any" else [op.scope]}],
           "x-scope": op.scope,
           "responses": {str(op.status): {"description": "OK", "content": {
               "application/json": {"schema": ref}}}}}
    for code in op.errors:
        out["responses"][str(code)] = {"description": ERRORS.get(code, "Problem"), "content": {
            "application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}}
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": REF.format(model="SubmissionBody")}}}}
    return out


@lru_cache(maxsize=1)
def document() -> dict:
    """The OpenAPI 3.1 document (built once per process)."""
    components = _components()
    # The body is one of the two submission kinds (the wrapper only names the union).
    wrapper = components.pop("SubmissionRequest")
    components["SubmissionBody"] = wrapper["properties"]["submission"]
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Partner portal API", "version": "1.0.0",
                 "description": "Cases shared with a partner organisation, its events and "
                                "grants, and its submissions. Authenticate with "
                                "`Authorization: Bearer <token>`; errors are RFC 9457 "
                                "problem details."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerToken": []}],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {
            "bearerToken": {"type": "http", "scheme": "bearer",
                            "description": "An API token of the organisation (ppt_…)"}}},
    }
