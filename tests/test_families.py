"""Families (issue 17): what office staff do and see, through the real pages (CSRF on)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, ContactEntry, Family, FamilyMember

from .case_helpers import make_case
from .conftest import post_form
from .family_helpers import give_consent, make_family


@pytest.fixture
def staff_client(client, users, login):
    return login(users["staff"])


def _uid(response) -> str:
    return re.search(r"/families/(FA-\d{4}-\d{6})", response.headers["Location"]).group(1)


def test_staff_create_family_link_case_members_visit_queue(app, db, users, staff_client,
                                                            clock, login):
    case = make_case(users["staff"])
    db.session.commit()
    response = post_form(staff_client, "/families/new", {
        "label": "Family of the fictional Nour", "governorate_id": "",
        "residence_abroad": "turkey", "residence_note": "Fictional quarter",
        "preferred_language": "ar", "preferred_channel": "phone",
        "safety_rules": "Only after noon"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    uid = _uid(response)
    base = f"/families/{uid}"
    assert post_form(staff_client, f"{base}/cases/link",
                     {"reference": case.reference}).status_code == 302
    response = post_form(staff_client, f"{base}/members/new", {
        "name": "Fictional Samira", "contact": "+90 000 000 00 00", "contact_channel": "phone",
        "is_main_contact": "y", f"relation_{case.id}": "mother"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert post_form(staff_client, f"{base}/consents/new", {
        "kind": "contact", "method": "oral_witnessed", "given_on": "2026-03-01"},
        ).status_code == 302
    response = post_form(staff_client, f"{base}/contacts/new", {
        "kind": "visit", "happened_on": "2026-03-09", "staff_id": str(users["staff"].id),
        "note": "A restricted note", "follow_up_on": "2026-03-12"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = staff_client.get(base).get_data(as_text=True)
    for text in ("Family of the fictional Nour", "Fictional Samira", case.reference,
                 "A restricted note", "Only after noon"):
        assert text in page
    queue = staff_client.get("/families/queue").get_data(as_text=True)
    assert uid in queue and "Overdue" not in queue.split("<main", 1)[1]
    # Five days later the follow-up is overdue: the queue and the header say so.
    clock.shift(5 * 86400)
    login(users["staff"])  # the session has long expired
    queue = staff_client.get("/families/queue").get_data(as_text=True)
    assert uid in queue and "Overdue follow-ups" in queue
    home = staff_client.get("/").get_data(as_text=True)
    assert "Overdue follow-ups" in home
    listed = staff_client.get("/families/?overdue=1").get_data(as_text=True)
    assert uid in listed
    # Audit: the read and the writes.
    actions = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == uid)))
    assert {"family_created", "family_case_linked", "family_member_added",
            "family_consent_recorded", "family_contact_logged", "family_viewed"} <= actions


def test_every_family_page_renders_in_arabic_and_english(app, db, users, staff_client):
    from portal.services import families as svc

    from .case_helpers import actor_of
    from .family_helpers import add_member
    staff = users["staff"]
    case = make_case(staff)
    family = make_family(staff)
    svc.link_case(family, case, actor=actor_of(staff))
    member = add_member(family, staff, relations={case.id: "mother"})
    give_consent(family, staff)
    give_consent(family, staff, "publish", case_id=case.id)
    svc.log_contact(family, {"kind": "call", "happened_on": "2026-03-01",
                             "follow_up_on": "2026-03-05"}, actor=actor_of(staff))
    need = svc.add_need(family, {"category": "legal", "assessed_on": "2026-03-01",
                                 "detail": "Needs a lawyer"}, actor=actor_of(staff))
    svc.request_support(family, {"category": "financial", "form": "cash", "amount": "150.50",
                                 "currency": "USD", "provider_org_id": staff.organization_id,
                                 "need_id": need.id, "description": "Rent"},
                        actor=actor_of(staff))
    series = svc.create_series({"title_ar": "دورة", "title_en": "Course",
                                "sessions_planned": 4}, actor=actor_of(staff))
    svc.enrol_member(series, member, actor=actor_of(staff))
    db.session.commit()
    uid = family.uid
    pages = ["/families/", "/families/new", "/families/queue", "/families/queue?who=all",
             f"/families/{uid}", f"/families/{uid}/edit", f"/families/{uid}/members/new",
             f"/families/{uid}/members/{member.id}", f"/families/{uid}/cases/link",
             f"/families/{uid}/consents/new", f"/families/{uid}/contacts/new",
             f"/families/{uid}/needs/new", f"/families/{uid}/support/new",
             f"/families/{uid}/support/{family.support[0].id}/decline",
             f"/families/{uid}/pss/enrol", "/families/pss/", "/families/pss/new",
             f"/families/pss/{series.id}"]
    for lang in ("en", "ar"):
        post_form(staff_client, "/language", {"lang": lang, "next": "/"}, page="/account/")
        for path in pages:
            response = staff_client.get(path)
            assert response.status_code == 200, (lang, path, response.status_code)
    assert db.session.scalar(select(Family).where(Family.uid == uid)) is not None
    assert db.session.scalars(select(FamilyMember)).first() is not None
    assert db.session.scalars(select(ContactEntry)).first() is not None
