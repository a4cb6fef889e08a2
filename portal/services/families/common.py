"""What the families services share: the error they raise, field encryption with a context
per column, references, dates and the audit call."""

from __future__ import annotations

import datetime as dt
import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import crypto
from ...extensions import db
from ...models import FamilyReferenceCounter
from ...models.families import ENC_CONTEXTS
from .. import audit
from ..audit import Actor

log = logging.getLogger("portal.families")

# Lengths of the free-text fields (characters, after trimming).
LABEL_MAX, NAME_MAX, CONTACT_MAX, NOTE_MAX, TEXT_MAX = 200, 200, 300, 5_000, 5_000
REASON_MAX, TITLE_MAX = 1_000, 200

TOO_LONG = _l("Too long: at most %(max)s characters.")
REQUIRED = _l("This field is required.")
NOT_A_CHOICE = _l("Not a valid choice.")
BAD_DATE = _l("Enter a date as YYYY-MM-DD.")
FUTURE_DATE = _l("This date is in the future.")
# No contact, consent, need or delivery of the office's family work is older: an earlier year
# is a typing error (0226 for 2026).
EARLIEST_DATE = dt.date(1970, 1, 1)
TOO_EARLY = _l("Enter a date from 1970 on.")


class FamilyInvalid(ValueError):
    """Input the rules refuse; `errors` holds (field, message) pairs, messages translated.
    `status` is the HTTP status a view answers with: 422 bad input, 409 the record is no
    longer in the state the action needs, 403 this person may not take this step (four
    eyes)."""

    def __init__(self, errors: list, status: int = 422):
        super().__init__("invalid family data")
        self.errors = errors
        self.status = status


def enc(table: str, column: str, value: str | None) -> bytes | None:
    """Encrypt `value` for `table.column` (its own AES-GCM context); "" or None -> None."""
    value = (value or "").strip()
    return crypto.encrypt(value, context=ENC_CONTEXTS[(table, column)]) if value else None


def dec(table: str, column: str, blob: bytes | None) -> str:
    """The clear text of an encrypted column ("" when empty)."""
    if not blob:
        return ""
    return crypto.decrypt(blob, context=ENC_CONTEXTS[(table, column)])


def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def parse_date(value, field: str, errors: list, *, required: bool = False,
               allow_future: bool = True) -> dt.date | None:
    """A date from a date or an ISO string; appends (field, message) to `errors` if bad."""
    if isinstance(value, dt.date):
        parsed = value
    else:
        text = (value or "").strip()
        if not text:
            if required:
                errors.append((field, REQUIRED))
            return None
        try:
            parsed = dt.date.fromisoformat(text)
        except ValueError:
            errors.append((field, BAD_DATE))
            return None
        if len(text) != 10:
            errors.append((field, BAD_DATE))
            return None
    if parsed < EARLIEST_DATE:
        errors.append((field, TOO_EARLY))
        return None
    if not allow_future and parsed > today():
        errors.append((field, FUTURE_DATE))
        return None
    return parsed


def check_text(data: dict, field: str, limit: int, errors: list, *,
               required: bool = False) -> str:
    """The trimmed text of `data[field]`, checking its length (and presence)."""
    text = (data.get(field) or "").strip()
    if required and not text:
        errors.append((field, REQUIRED))
    elif len(text) > limit:
        errors.append((field, _l("Too long: at most %(max)s characters.", max=limit)))
    return text


def check_choice(data: dict, field: str, allowed, errors: list, default=None) -> str:
    value = data.get(field, default)
    if value not in allowed:
        errors.append((field, NOT_A_CHOICE))
    return value


def raise_if(errors: list) -> None:
    if errors:
        raise FamilyInvalid(errors)


def next_reference(prefix: str = "FA", year: int | None = None) -> str:
    """Reserve the next number of `year` for `prefix` (FA families, RF referrals):
    e.g. FA-2026-000001."""
    year = year or today().year
    counter = db.session.scalar(select(FamilyReferenceCounter).where(
        FamilyReferenceCounter.prefix == prefix, FamilyReferenceCounter.year == year)
        .with_for_update())
    if counter is None:
        counter = FamilyReferenceCounter(prefix=prefix, year=year, last=0)
        db.session.add(counter)
    counter.last += 1
    db.session.flush()
    return f"{prefix}-{year}-{counter.last:06d}"


def record(action: str, actor: Actor, family, **detail) -> None:
    """One audit entry about `family` (ids only: never names, contacts or notes)."""
    audit.record(action, actor, object_type="family", object_id=family.uid,
                 detail={"family": family.id, **detail})
