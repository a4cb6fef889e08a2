"""API tokens (issue 16): created by a partner organisation's manager or by the office,
shown once, kept as a SHA-256 hash, revocable at once.

The token's text is `ppt_<public id>_<secret>`: the prefix makes a leaked token easy to
recognise (secret scanners), the public id finds the row, and the hash of the whole text is
compared in constant time. A token works only while it is not revoked nor expired, its
organisation is active and a partner, and the account that created it is active and may
still create tokens for that organisation."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import API_SCOPES, ApiToken, Organization, Role, User, utcnow
from .. import audit
from ..audit import Actor

log = logging.getLogger("portal.api")

PREFIX = "ppt_"
MAX_DAYS = 365  # at most a year
NAME_MAX = 80
TOUCH_SECONDS = 60  # last use is written at most once a minute per token


class TokenInvalid(ValueError):
    """Input refused; `errors` holds (field, message) pairs naming the form's fields."""

    def __init__(self, errors: list):
        super().__init__("invalid token request")
        self.errors = errors


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def may_manage(actor_user: User, org: Organization) -> bool:
    """Office accounts manage every partner's tokens; a partner_manager their own."""
    if org is None or org.is_office or not org.active:
        return False
    if actor_user.is_office:
        return True
    return (actor_user.role == Role.partner_manager.value
            and actor_user.organization_id == org.id)


def create_token(org: Organization, *, name: str, scopes: list[str], days: int,
                 user: User, actor: Actor) -> tuple[ApiToken, str]:
    """A new token of `org`; returns it and its text (shown once, never stored)."""
    errors = []
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        errors.append(("name", _l("Give a name of at most %(limit)s characters.",
                                  limit=NAME_MAX)))
    if not scopes or set(scopes) - set(API_SCOPES):
        errors.append(("scopes", _l("Choose at least one permission.")))
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        errors.append(("days", _l("A token expires within a year at most.")))
    if not may_manage(user, org):
        errors.append(("organization", _l("Choose an active partner organisation.")))
    if errors:
        raise TokenInvalid(errors)
    public_id = secrets.token_hex(6)
    text = f"{PREFIX}{public_id}_{secrets.token_urlsafe(32)}"
    token = ApiToken(public_id=public_id, secret_hash=_hash(text), name=name,
                     organization_id=org.id, created_by_id=user.id,
                     scopes=" ".join(s for s in API_SCOPES if s in scopes),
                     expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    audit.record("api_token_created", actor, object_type="api_token", object_id=token.id,
                 detail={"org": org.id, "scopes": token.scope_list, "days": days})
    log.info("API token %r created for org %s by %r", token, org.id, user.id)
    return token, text


def revoke_token(token: ApiToken, *, actor: Actor) -> None:
    """End a token at once (its next request is refused)."""
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by_id = utcnow(), actor.user_id
        db.session.flush()
        audit.record("api_token_revoked", actor, object_type="api_token", object_id=token.id,
                     detail={"org": token.organization_id})


def tokens_for(user: User, org_id: int | None = None):
    """The tokens `user` may see: the office all (or one organisation's), a manager their
    organisation's; newest first."""
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if not user.is_office:
        return stmt.where(ApiToken.organization_id == user.organization_id)
    return stmt.where(ApiToken.organization_id == org_id) if org_id else stmt


@dataclass(frozen=True)
class TokenPrincipal:
    """The organisation a token acts for, as the access gate reads a user: a partner."""

    id: int  # the creating account (accountable in the audit log)
    organization_id: int
    token_id: int
    token_name: str
    audit_tag: str
    scopes: frozenset[str]
    role: str = Role.partner_viewer.value

    @property
    def is_office(self) -> bool:
        return False


def authenticate(header: str | None) -> tuple[ApiToken | None, str]:
    """(the live token named by an `Authorization: Bearer` header, "") or (None, reason):
    "missing", "malformed", "invalid" (unknown or wrong secret), "expired", "revoked",
    "inactive" (organisation or creating account)."""
    if not header:
        return None, "missing"
    scheme, _sep, text = header.partition(" ")
    text = text.strip()
    if scheme.lower() != "bearer" or not text.startswith(PREFIX) or len(text) > 200:
        return None, "malformed"
    public_id = text[len(PREFIX):].split("_", 1)[0]
    token = db.session.scalar(select(ApiToken).where(ApiToken.public_id == public_id)) \
        if len(public_id) == 12 else None
    expected = token.secret_hash if token is not None else _hash("")
    if not hmac.compare_digest(expected, _hash(text)) or token is None:
        return None, "invalid"
    if token.revoked_at is not None:
        return None, "revoked"
    if token.expires_at <= utcnow():
        return None, "expired"
    creator, org = token.created_by, token.organization
    if not (org.active and not org.is_office and creator is not None and creator.is_active
            and may_manage(creator, org)):
        return None, "inactive"
    return token, ""


def principal_of_token(token: ApiToken) -> TokenPrincipal:
    return TokenPrincipal(id=token.created_by_id, organization_id=token.organization_id,
                          token_id=token.id, token_name=token.name,
                          audit_tag=token.audit_tag, scopes=frozenset(token.scope_list))


def touch(token: ApiToken) -> None:
    """Record the token's last use (at most once a minute)."""
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= TOUCH_SECONDS:
        token.last_used_at = now
