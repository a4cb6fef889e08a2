"""Families (issue 17): the rules a user runs into. Four eyes on cash, consent withdrawal
taking effect at once, validation errors that name the field (translated) with nothing
written, optimistic locking, and the Arabic interface."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.access import publish_consent_active, referral_consent_active
from portal.models import AuditEvent, Family, Referral, SupportItem
from portal.services import families as svc

from .case_helpers import actor_of, make_case
from .conftest import post_form, table_counts
from .family_helpers import family_fixture, give_consent  # noqa: F401
from .test_i18n import latin_words


def _support_status(db, item_id):
    db.session.expire_all()
    return db.session.get(SupportItem, item_id).status


# --- four eyes --------------------------------------------------------------------------
def test_cash_needs_a_second_staff_member(db, users, orgs, family, client, new_client, login):
    login(users["staff"])
    base = f"/families/{family.uid}"
    response = post_form(client, f"{base}/support/new", {
        "category": "financial", "form": "cash", "amount": "250.00", "currency": "USD",
        "provider_org_id": str(orgs["office"].id), "description": "Rent for March"})
    assert response.status_code == 302
    item = db.session.scalar(select(SupportItem))
    assert (item.amount_minor, item.currency, item.requested_by_id) == (
        25000, "USD", users["staff"].id)
    # The requester cannot approve it: a clear message, and the status does not move.
    response = post_form(client, f"{base}/support/{item.id}/approve", page=base,
                         follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Cash support must be approved by a staff member other than the one who " \
           "requested it." in page
    assert _support_status(db, item.id) == "requested"
    # In Arabic too.
    post_form(client, "/language", {"lang": "ar", "next": "/"}, page="/account/")
    page = post_form(client, f"{base}/support/{item.id}/approve", page=base,
                     follow_redirects=True).get_data(as_text=True)
    assert "يجب أن يوافق على الدعم النقدي موظف غير الذي طلبه." in page
    assert _support_status(db, item.id) == "requested"
    # Another staff member (the admin) approves; then it can be delivered.
    admin = login(users["admin"], the_client=new_client())
    assert post_form(admin, f"{base}/support/{item.id}/approve", page=base).status_code == 302
    assert _support_status(db, item.id) == "approved"
    assert db.session.get(SupportItem, item.id).approved_by_id == users["admin"].id
    assert post_form(admin, f"{base}/support/{item.id}/deliver",
                     {"delivered_on": "2026-03-09"}).status_code == 302
    assert _support_status(db, item.id) == "delivered"


def test_in_kind_support_needs_no_second_person(db, users, orgs, family, client, login):
    login(users["staff"])
    base = f"/families/{family.uid}"
    post_form(client, f"{base}/support/new", {
        "category": "medical", "form": "in_kind", "provider_org_id": str(orgs["office"].id),
        "description": "Medicine"})
    item = db.session.scalar(select(SupportItem))
    assert post_form(client, f"{base}/support/{item.id}/approve", page=base).status_code == 302
    assert _support_status(db, item.id) == "approved"
    response = post_form(client, f"{base}/support/{item.id}/decline", {"reason": ""})
    assert response.status_code == 422 and "This field is required." in response.get_data(
        as_text=True)
    assert post_form(client, f"{base}/support/{item.id}/decline",
                     {"reason": "Given by another group"}).status_code == 302
    assert _support_status(db, item.id) == "declined"


def test_four_eyes_holds_at_the_service_too(db, users, orgs, family):
    item = svc.request_support(family, {"category": "financial", "form": "cash",
                                        "amount": "10", "currency": "EUR",
                                        "provider_org_id": orgs["office"].id,
                                        "description": "x"}, actor=actor_of(users["staff"]))
    with pytest.raises(svc.FamilyInvalid):
        svc.approve_support(family, item, actor=actor_of(users["staff"]))
    svc.approve_support(family, item, actor=actor_of(users["admin"]))
    assert item.status == "approved"


# --- consent withdrawal -----------------------------------------------------------------
def test_withdrawing_contact_consent_stops_contact_at_once(db, users, family, client, login):
    login(users["staff"])
    base = f"/families/{family.uid}"
    assert post_form(client, f"{base}/contacts/new", {
        "kind": "call", "happened_on": "2026-03-02", "staff_id": str(users["staff"].id),
        "follow_up_on": "2026-03-06"}).status_code == 302
    assert family.uid in client.get("/families/queue").get_data(as_text=True)
    assert svc.overdue_count(users["staff"].id) == 1
    consent = family.consents[0]
    assert post_form(client, f"{base}/consents/{consent.id}/withdraw",
                     page=base).status_code == 302
    # The very next request: no new call, the family left the queue and the notice.
    before = table_counts(db)
    response = post_form(client, f"{base}/contacts/new", {
        "kind": "call", "happened_on": "2026-03-09", "staff_id": str(users["staff"].id)})
    assert response.status_code == 422
    assert "The family has not consented to be contacted" in response.get_data(as_text=True)
    assert table_counts(db) == before
    assert family.uid not in client.get("/families/queue").get_data(as_text=True)
    assert "Overdue follow-ups" not in client.get("/").get_data(as_text=True)
    assert svc.overdue_count(users["staff"].id) == 0
    # A meeting the family asked for may still be logged, without a follow-up.
    assert post_form(client, f"{base}/contacts/new", {
        "kind": "meeting", "happened_on": "2026-03-09",
        "staff_id": str(users["staff"].id)}).status_code == 302
    assert post_form(client, f"{base}/contacts/new", {
        "kind": "meeting", "happened_on": "2026-03-09", "staff_id": str(users["staff"].id),
        "follow_up_on": "2026-03-20"}).status_code == 422
    # Given again: contact is possible again.
    give_consent(family, users["staff"])
    db.session.commit()
    assert post_form(client, f"{base}/contacts/new", {
        "kind": "call", "happened_on": "2026-03-09",
        "staff_id": str(users["staff"].id)}).status_code == 302
    actions = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == family.uid)))
    assert "family_consent_withdrawn" in actions


def test_withdrawing_referral_consent_withdraws_open_referrals(db, users, orgs, family):
    staff = users["staff"]
    consent = give_consent(family, staff, "referral", organization_id=orgs["a"].id)
    referral = Referral(uid=svc.next_reference("RF"), family_id=family.id,
                        organization_id=orgs["a"].id, consent_id=consent.id,
                        category="legal", status="sent")
    done = Referral(uid=svc.next_reference("RF"), family_id=family.id,
                    organization_id=orgs["a"].id, consent_id=consent.id,
                    category="legal", status="completed")
    db.session.add_all([referral, done])
    db.session.commit()
    assert referral_consent_active(family.id, orgs["a"].id)
    svc.withdraw_consent(consent, actor=actor_of(staff))
    db.session.commit()
    assert not referral_consent_active(family.id, orgs["a"].id)
    assert (referral.status, done.status) == ("withdrawn", "completed")


def test_publish_consent_follows_withdrawal_and_the_case_link(db, users, family):
    staff = users["staff"]
    case = make_case(staff)
    svc.link_case(family, case, actor=actor_of(staff))
    consent = give_consent(family, staff, "publish", case_id=case.id)
    db.session.commit()
    assert publish_consent_active(case.id)
    svc.withdraw_consent(consent, actor=actor_of(staff))
    db.session.commit()
    assert not publish_consent_active(case.id)
    give_consent(family, staff, "publish", case_id=case.id)
    db.session.commit()
    assert publish_consent_active(case.id)
    svc.unlink_case(family, case, actor=actor_of(staff))
    db.session.commit()
    assert not publish_consent_active(case.id)


# --- validation: the field is named, translated, nothing written -----------------------------
BAD = [
    ("/families/new", {"label": "x" * 201, "preferred_language": "ar",
                       "preferred_channel": "phone"},
     "Too long: at most 200 characters.", "طويل جداً: 200 حرفاً على الأكثر."),
    ("{base}/contacts/new", {"kind": "visit", "happened_on": "2026-13-45"},
     "Enter a date as YYYY-MM-DD.", "أدخل التاريخ بالصيغة"),
    ("{base}/contacts/new", {"kind": "visit", "happened_on": "2026-03-09",
                             "note": "n" * 5001}, "Too long: at most 5000 characters.",
     "طويل جداً"),
    ("{base}/contacts/new", {"kind": "visit", "happened_on": "2026-03-09",
                             "follow_up_on": "2026-03-01"},
     "The follow-up cannot be before the contact.", "لا يمكن أن تسبق المتابعةُ التواصلَ."),
    ("{base}/support/new", {"category": "financial", "form": "cash", "amount": "10",
                            "currency": "XXX", "description": "d"}, "Choose a currency.",
     "اختر العملة."),
    ("{base}/support/new", {"category": "financial", "form": "cash", "amount": "-5",
                            "currency": "USD", "description": "d"},
     "Enter an amount greater than zero.", "أدخل مبلغاً أكبر من صفر."),
    ("{base}/support/new", {"category": "financial", "form": "cash", "amount": "1.234",
                            "currency": "USD", "description": "d"},
     "Too many decimal places for this currency.", "عدد الخانات العشرية"),
    ("{base}/consents/new", {"kind": "contact", "method": "written", "given_on": "2999-01-01"},
     "This date is in the future.", None),
    ("{base}/members/new", {"name": "", "contact_channel": "phone"},
     "This field is required.", None),
]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_bad_input_names_the_field_and_writes_nothing(db, users, orgs, family, client, login,
                                                      lang):
    login(users["staff"])
    post_form(client, "/language", {"lang": lang, "next": "/"}, page="/account/")
    base = f"/families/{family.uid}"
    for path, data, english, arabic in BAD:
        data = {"staff_id": str(users["staff"].id),
                "provider_org_id": str(orgs["office"].id), **data}
        before = table_counts(db)
        response = post_form(client, path.format(base=base), data)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, (path, data)
        expected = english if lang == "en" else (arabic or None)
        if expected:
            assert expected in body, (path, expected)
        assert 'class="field has-error"' in body, path  # the field is marked
        assert table_counts(db) == before, path


def test_concurrent_edit_is_refused_not_overwritten(db, users, family, client, login):
    login(users["staff"])
    form = client.get(f"/families/{family.uid}/edit").get_data(as_text=True)
    assert 'name="version"' in form
    svc.update_family(family, {"label": "Changed meanwhile", "residence_abroad": "jordan"},
                      expected_version=family.version, actor=actor_of(users["admin"]))
    db.session.commit()
    response = post_form(client, f"/families/{family.uid}/edit", {
        "label": "My edit", "residence_abroad": "turkey", "preferred_language": "ar",
        "preferred_channel": "phone", "version": "1"})
    assert response.status_code == 409
    db.session.expire_all()
    fam = db.session.scalar(select(Family).where(Family.uid == family.uid))
    assert fam.residence_abroad == "jordan"


def test_family_pages_have_no_english_left_in_arabic(db, users, orgs, family, client, login):
    staff = users["staff"]
    case = make_case(staff)
    svc.link_case(family, case, actor=actor_of(staff))
    svc.update_family(family, {"label": "أسرة افتراضية", "residence_abroad": "lebanon",
                               "safety_rules": "لا رسائل"},
                      expected_version=family.version, actor=actor_of(staff))
    family.members[0].name_enc = svc.enc("family_members", "name_enc", "مريم")
    family.members[0].contact_enc = None
    svc.log_contact(family, {"kind": "call", "happened_on": "2026-03-01",
                             "follow_up_on": "2026-03-05", "note": "ملاحظة"},
                    actor=actor_of(staff))
    need = svc.add_need(family, {"category": "legal", "assessed_on": "2026-03-01",
                                 "detail": "محامٍ"}, actor=actor_of(staff))
    svc.request_support(family, {"category": "financial", "form": "cash", "amount": "5",
                                 "currency": "USD", "provider_org_id": orgs["office"].id,
                                 "need_id": need.id, "description": "إيجار"},
                        actor=actor_of(staff))
    series = svc.create_series({"title_ar": "دورة", "sessions_planned": 3},
                               actor=actor_of(staff))
    svc.enrol_member(series, family.members[0], actor=actor_of(staff))
    staff.name = "موظفة الاختبار"
    orgs["office"].name_ar = "المكتب"
    db.session.commit()
    login(staff)
    post_form(client, "/language", {"lang": "ar", "next": "/"}, page="/account/")
    uid = family.uid
    found = {}
    for path in ["/families/", "/families/new", "/families/queue", f"/families/{uid}",
                 f"/families/{uid}/edit", f"/families/{uid}/members/new",
                 f"/families/{uid}/consents/new", f"/families/{uid}/contacts/new",
                 f"/families/{uid}/needs/new", f"/families/{uid}/support/new",
                 f"/families/{uid}/pss/enrol", "/families/pss/", "/families/pss/new",
                 f"/families/pss/{series.id}"]:
        body = client.get(path).get_data(as_text=True)
        assert 'lang="ar" dir="rtl"' in body, path
        words = [w for w in latin_words(body) if w not in ("Org", "Test", "Office", "admin")]
        if words:
            found[path] = words
    assert found == {}
