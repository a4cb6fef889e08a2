"""Families (issue 17): domain verbs. They take objects, plain data and `actor=`, flush and
never commit, audit every write in the same transaction, and encrypt names, contacts and
notes with a context per column (common.enc/dec).

records.py   create_family, update_family, add_member, update_member, remove_member,
             link_case, unlink_case, record_view
consent.py   record_consent, withdraw_consent (+ WITHDRAWAL_HOOKS, withdraw_open_referrals)
contacts.py  log_contact, complete_follow_up, follow_up_queue, overdue_count
support.py   add_need, set_need_status, request_support, approve_support (four eyes on
             cash), decline_support, deliver_support
pss.py       create_series, add_session, enrol_member, record_attendance,
             complete_enrolment
common.py    FamilyInvalid, enc, dec, next_reference ("FA", "RF"), parse_date
"""

from .common import FamilyInvalid, dec, enc, next_reference
from .consent import WITHDRAWAL_HOOKS, record_consent, withdraw_consent, withdraw_open_referrals
from .contacts import complete_follow_up, follow_up_queue, log_contact, overdue_count
from .pss import (
    add_session,
    complete_enrolment,
    create_series,
    enrol_member,
    record_attendance,
)
from .records import (
    add_member,
    create_family,
    link_case,
    record_view,
    remove_member,
    unlink_case,
    update_family,
    update_member,
)
from .support import (
    add_need,
    approve_support,
    decline_support,
    deliver_support,
    request_support,
    set_need_status,
)

__all__ = [
    "FamilyInvalid", "dec", "enc", "next_reference", "WITHDRAWAL_HOOKS", "record_consent",
    "withdraw_consent", "withdraw_open_referrals", "complete_follow_up", "follow_up_queue",
    "log_contact", "overdue_count", "add_session", "complete_enrolment", "create_series",
    "enrol_member", "record_attendance", "add_member", "create_family", "link_case",
    "record_view", "remove_member", "unlink_case", "update_family", "update_member",
    "add_need", "approve_support", "decline_support", "deliver_support", "request_support",
    "set_need_status",
]
