"""Needs assessment and support: requested -> approved -> delivered, or declined with a
reason. Cash support is approved only by a staff member other than the one who requested it
(four eyes); in-kind support and services need no second person."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    CURRENCIES,
    NEED_CATEGORIES,
    SUPPORT_FORMS,
    Family,
    Need,
    Organization,
    SupportItem,
    utcnow,
)
from ...models.families import NEED_STATUSES
from ..audit import Actor
from .common import (
    REASON_MAX,
    REQUIRED,
    TEXT_MAX,
    FamilyInvalid,
    check_choice,
    check_text,
    enc,
    parse_date,
    raise_if,
    record,
)
from .records import touch

# The minor units of the currencies the office pays in, as CLDR has them (and Babel's
# get_currency_precision, which the reports use): the Syrian and Lebanese pound have no
# fractional unit in use, the Jordanian dinar has 1,000 fils.
MINOR_DIGITS = {"USD": 2, "EUR": 2, "SYP": 0, "LBP": 0, "TRY": 2, "JOD": 3}
# Digits, with an optional thousands grouping by commas (1,250 or 1,250,000) and an optional
# decimal point. "12,50" is refused rather than read as 1250: a decimal comma would make a
# cash amount a hundred times larger.
AMOUNT_RE = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", re.ASCII)
MAX_MINOR = 10**12
FOUR_EYES = _l("Cash support must be approved by a staff member other than the one who "
               "requested it.")


# --- needs -----------------------------------------------------------------------------
def add_need(family: Family, data: dict, *, actor: Actor) -> Need:
    """A need of the assessment: `category`, `member_id` (optional), `detail` (encrypted),
    `assessed_on`."""
    errors: list = []
    category = check_choice(data, "category", NEED_CATEGORIES, errors)
    detail = check_text(data, "detail", TEXT_MAX, errors)
    assessed_on = parse_date(data.get("assessed_on"), "assessed_on", errors, required=True,
                             allow_future=False)
    member_id = data.get("member_id") or None
    if member_id and member_id not in {m.id for m in family.members}:
        errors.append(("member_id", _l("Not a valid choice.")))
    raise_if(errors)
    need = Need(category=category, member_id=member_id, assessed_on=assessed_on,
                detail_enc=enc("family_needs", "detail_enc", detail), status="open",
                created_by_id=actor.user_id)
    family.needs.append(need)
    touch(family)
    db.session.flush()
    record("family_need_added", actor, family, need=need.id, category=category)
    return need


def set_need_status(family: Family, need: Need, status: str, *, actor: Actor) -> Need:
    if status not in NEED_STATUSES:
        raise FamilyInvalid([("status", _l("Not a valid choice."))])
    need.status = status
    touch(family)
    db.session.flush()
    record("family_need_changed", actor, family, need=need.id, status=status)
    return need


# --- support ---------------------------------------------------------------------------
def _ascii_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as ASCII; the Arabic decimal and thousands
    separators as "." and ","."""
    out = []
    for char in text:
        if char.isdecimal() and not char.isascii():
            out.append(str(unicodedata.decimal(char)))
        else:
            out.append({"\u066b": ".", "\u066c": ",", "\u060c": ","}.get(char, char))
    return "".join(out)


def parse_amount(text, currency: str, errors: list, field: str = "amount") -> int | None:
    """An amount typed by staff ("150", "150.50", "1,250", "١٥٠٫٥٠") in minor units of
    `currency` (MINOR_DIGITS)."""
    raw = _ascii_digits(str(text or "").strip().replace(" ", "").replace("\u00a0", ""))
    if not raw:
        errors.append((field, REQUIRED))
        return None
    if len(raw) > 30 or not AMOUNT_RE.fullmatch(raw.removeprefix("-")):
        errors.append((field, _l("Enter an amount such as 150 or 150.50.")))
        return None
    value = Decimal(raw.replace(",", ""))
    if value <= 0:
        errors.append((field, _l("Enter an amount greater than zero.")))
        return None
    digits = MINOR_DIGITS.get(currency, 2)
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        errors.append((field, _l("Too many decimal places for this currency.")))
        return None
    if minor >= MAX_MINOR:
        errors.append((field, _l("This amount is too large.")))
        return None
    return int(minor)


def format_amount(minor: int | None, currency: str | None) -> str:
    if minor is None or not currency:
        return ""
    digits = MINOR_DIGITS.get(currency, 2)
    return f"{Decimal(minor).scaleb(-digits):,.{digits}f}"


def request_support(family: Family, data: dict, *, actor: Actor) -> SupportItem:
    """Request support: `category`, `form` (in_kind, cash, service), `amount` and `currency`
    (cash only), `description` (encrypted), `provider_org_id` (the office or a partner),
    `need_id` (optional)."""
    errors: list = []
    category = check_choice(data, "category", NEED_CATEGORIES, errors)
    form = check_choice(data, "form", SUPPORT_FORMS, errors)
    description = check_text(data, "description", TEXT_MAX, errors, required=True)
    amount_minor = currency = None
    if form == "cash":
        currency = data.get("currency") or ""
        if currency not in CURRENCIES:
            errors.append(("currency", _l("Choose a currency.")))
        else:
            amount_minor = parse_amount(data.get("amount"), currency, errors)
    elif str(data.get("amount") or "").strip():
        errors.append(("amount", _l("Only cash support has an amount.")))
    provider_id = data.get("provider_org_id") or None
    provider = db.session.get(Organization, provider_id) if provider_id else None
    if provider is None or not provider.active:
        errors.append(("provider_org_id", _l("Not a valid choice.")))
    need_id = data.get("need_id") or None
    if need_id and need_id not in {n.id for n in family.needs}:
        errors.append(("need_id", _l("Not a valid choice.")))
    raise_if(errors)
    item = SupportItem(category=category, form=form, amount_minor=amount_minor,
                       currency=currency, provider_org_id=provider.id, need_id=need_id,
                       description_enc=enc("family_support", "description_enc", description),
                       status="requested", requested_by_id=actor.user_id)
    family.support.append(item)
    touch(family)
    db.session.flush()
    record("family_support_requested", actor, family, support=item.id, form=form)
    return item


def _expect(item: SupportItem, *statuses: str) -> None:
    if item.status not in statuses:
        raise FamilyInvalid([("status", _l("This support is no longer waiting for that step."))],
                            status=409)


def _moved(family: Family, item: SupportItem, event: str, actor: Actor,
           **changes) -> SupportItem:
    """Set `changes` on the support item (in order), touch the family, flush, audit `event`."""
    for name, value in changes.items():
        setattr(item, name, value)
    touch(family)
    db.session.flush()
    record(event, actor, family, support=item.id)
    return item


def approve_support(family: Family, item: SupportItem, *, actor: Actor) -> SupportItem:
    """Approve requested support. Cash: only by someone other than the requester."""
    _expect(item, "requested")
    if item.form == "cash" and (actor.user_id is None or actor.user_id == item.requested_by_id):
        raise FamilyInvalid([("approve", FOUR_EYES)], status=403)
    item.status, item.approved_by_id, item.approved_at = "approved", actor.user_id, utcnow()
    touch(family)
    db.session.flush()
    record("family_support_approved", actor, family, support=item.id, form=item.form)
    return item


def decline_support(family: Family, item: SupportItem, reason: str, *,
                    actor: Actor) -> SupportItem:
    """Decline support not yet delivered, with a reason."""
    _expect(item, "requested", "approved")
    errors: list = []
    reason = check_text({"reason": reason}, "reason", REASON_MAX, errors, required=True)
    raise_if(errors)
    return _moved(family, item, "family_support_declined", actor,
                  status="declined", decline_reason=reason)


def deliver_support(family: Family, item: SupportItem, delivered_on, *,
                    actor: Actor) -> SupportItem:
    """Record approved support as delivered on `delivered_on`."""
    _expect(item, "approved")
    errors: list = []
    day = parse_date(delivered_on, "delivered_on", errors, required=True, allow_future=False)
    raise_if(errors)
    return _moved(family, item, "family_support_delivered", actor,
                  status="delivered", delivered_on=day)
