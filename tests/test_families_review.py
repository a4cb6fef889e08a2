"""Families (issue 17): what a review found, each pinned by a test. Amounts, audit of every
read, honest status codes on refused actions, and the layout in Arabic and on a phone."""

from __future__ import annotations

import re

import pytest
from babel.numbers import get_currency_precision
from sqlalchemy import func, select

from portal.models import CURRENCIES, Need, SupportItem
from portal.services import families as svc
from portal.services.families.support import MINOR_DIGITS, format_amount, parse_amount

from .case_helpers import actor_of
from .conftest import csrf_token, post_form, table_counts
from .family_helpers import family_fixture  # noqa: F401


# --- amounts ----------------------------------------------------------------------------
def _parse(text, currency):
    errors: list = []
    return parse_amount(text, currency, errors), errors


def test_minor_units_agree_with_cldr_which_the_reports_use():
    # The reports format sums with Babel's precision: the same minor units both ways, or a
    # Syrian-pound total would come out a hundred times too large.
    assert {c: MINOR_DIGITS[c] for c in CURRENCIES} == {
        c: get_currency_precision(c) for c in CURRENCIES}


@pytest.mark.parametrize("text, currency, minor", [
    ("12.50", "USD", 1250), ("12.5", "EUR", 1250), ("150", "USD", 15000),
    ("1,250", "USD", 125000), ("1,250.75", "USD", 125075), ("1500000", "SYP", 1500000),
    ("1,500,000", "LBP", 1500000), ("1500000.00", "SYP", 1500000), ("12.345", "JOD", 12345),
    ("١٢٫٥٠", "USD", 1250), ("١٬٢٥٠", "TRY", 125000),
])
def test_amounts_in_minor_units(text, currency, minor):
    assert _parse(text, currency) == (minor, [])


@pytest.mark.parametrize("text, currency", [
    ("12,50", "USD"),  # a decimal comma: refused, never read as 1250.00
    ("1,25", "USD"), ("1,2500", "USD"), ("1e3", "USD"), ("0x10", "USD"), ("12.5.0", "USD"),
    ("-5", "USD"), ("0", "USD"), ("0.00", "USD"), ("1500.50", "SYP"), ("12.3456", "JOD"),
    ("12.345", "USD"), ("NaN", "USD"), ("Infinity", "USD"), ("9" * 40, "USD"), ("²", "USD"),
])
def test_bad_amounts_are_refused_with_the_field_named(text, currency):
    minor, errors = _parse(text, currency)
    assert minor is None and errors and errors[0][0] == "amount"


def test_amounts_format_back_in_their_currency():
    assert format_amount(1500000, "SYP") == "1,500,000"
    assert format_amount(12345, "JOD") == "12.345"
    assert format_amount(1250, "USD") == "12.50"


def test_decimal_comma_on_the_form_writes_nothing(db, users, orgs, family, client, login):
    login(users["staff"])
    before = table_counts(db)
    response = post_form(client, f"/families/{family.uid}/support/new", {
        "category": "financial", "form": "cash", "amount": "12,50", "currency": "USD",
        "provider_org_id": str(orgs["office"].id), "description": "Rent"})
    assert response.status_code == 422
    assert "Enter an amount such as 150 or 150.50." in response.get_data(as_text=True)
    assert table_counts(db) == before
    assert db.session.scalar(select(SupportItem)) is None


# --- every read is audited ----------------------------------------------------------------
def test_every_family_form_page_is_an_audited_read(db, users, orgs, family, client, login):
    """The member form shows a relative's name and contact; the need, support and enrolment
    forms list members' names: each opening is a read, in the audit chain like the family
    page itself."""
    from portal.models import AuditEvent
    from portal.services.families.pss import enrol_member

    from .event_factories import make_event
    staff = users["staff"]
    member = family.members[0]
    series = svc.create_series({"title_en": "Course", "sessions_planned": 2},
                               actor=actor_of(staff))
    event = make_event(orgs["office"], kind="psychosocial_support")
    db.session.add(event)
    db.session.flush()
    svc.add_session(series, event, actor=actor_of(staff))
    enrol_member(series, member, actor=actor_of(staff))
    item = svc.request_support(family, {"category": "medical", "form": "in_kind",
                                        "provider_org_id": orgs["office"].id,
                                        "description": "Medicine"}, actor=actor_of(staff))
    db.session.commit()
    login(staff)
    base = f"/families/{family.uid}"
    pages = [f"{base}/members/{member.id}", f"{base}/members/new", f"{base}/cases/link",
             f"{base}/consents/new", f"{base}/contacts/new", f"{base}/needs/new",
             f"{base}/support/new", f"{base}/support/{item.id}/decline",
             f"{base}/support/{item.id}/deliver", f"{base}/pss/enrol"]

    def views(action, object_id):
        return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_id == str(object_id)))

    for path in pages:
        before = views("family_viewed", family.uid)
        assert client.get(path).status_code == 200, path
        assert views("family_viewed", family.uid) == before + 1, path
    # A refused POST re-shows the form (members' names in the choices): audited as well.
    token = csrf_token(client, f"{base}/needs/new")
    before = views("family_viewed", family.uid)
    response = client.post(f"{base}/needs/new", data={
        "category": "nope", "assessed_on": "2026-03-01", "csrf_token": token})
    assert response.status_code == 422
    assert views("family_viewed", family.uid) == before + 1
    # The attendance sheet lists the enrolled members and their families.
    before = views("pss_series_viewed", series.id)
    assert client.get(f"/families/pss/{series.id}/attendance/{event.id}").status_code == 200
    assert views("pss_series_viewed", series.id) == before + 1


# --- refused actions answer with an honest status, are audited, write nothing -------------
def _cash(family, user, orgs, amount="250.00"):
    return svc.request_support(family, {"category": "financial", "form": "cash",
                                        "amount": amount, "currency": "USD",
                                        "provider_org_id": orgs["office"].id,
                                        "description": "Rent"}, actor=actor_of(user))


def test_refused_buttons_answer_403_409_422_not_a_redirect(db, users, orgs, family, client,
                                                             new_client, login):
    from portal.models import AuditEvent
    staff, admin = users["staff"], users["admin"]
    item = _cash(family, staff, orgs)
    need = svc.add_need(family, {"category": "legal", "assessed_on": "2026-03-01"},
                        actor=actor_of(staff))
    db.session.commit()
    base = f"/families/{family.uid}"
    login(staff)
    # Four eyes: the requester approving their own cash is forbidden, said on the page.
    before = table_counts(db)
    response = post_form(client, f"{base}/support/{item.id}/approve", page=base)
    assert response.status_code == 403
    assert "Cash support must be approved by a staff member other than the one who " \
           "requested it." in response.get_data(as_text=True)
    assert db.session.get(SupportItem, item.id).status == "requested"
    denied = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "family_action_refused")).all()
    assert [(e.outcome, e.object_id) for e in denied] == [("denied", family.uid)]
    assert "Rent" not in denied[0].detail  # ids and field names only
    changed = {t for t, n in table_counts(db).items() if before.get(t) != n}
    assert all(t.startswith("audit") for t in changed), changed
    # Approved by a second person; approving again is a conflict with its state, not a 200.
    other = login(admin, the_client=new_client())
    assert post_form(other, f"{base}/support/{item.id}/approve", page=base).status_code == 302
    db.session.expire_all()
    assert db.session.get(SupportItem, item.id).approved_by_id == admin.id
    response = post_form(other, f"{base}/support/{item.id}/approve", page=base)
    assert response.status_code == 409
    assert "This support is no longer waiting for that step." in response.get_data(
        as_text=True)
    db.session.expire_all()
    assert db.session.get(SupportItem, item.id).approved_by_id == admin.id
    # A need status outside the list: 422, the status unchanged.
    response = post_form(client, f"{base}/needs/{need.id}/status", {"status": "gone"},
                         page=base)
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Need, need.id).status == "open"


def test_delivering_support_not_yet_approved_is_a_409(db, users, orgs, family, client, login):
    staff = users["staff"]
    item = _cash(family, staff, orgs)
    db.session.commit()
    login(staff)
    response = post_form(client, f"/families/{family.uid}/support/{item.id}/deliver",
                         {"delivered_on": "2026-03-09"})
    assert response.status_code == 409
    assert db.session.get(SupportItem, item.id).status == "requested"


# --- layout: Arabic, and a 360px phone ------------------------------------------------------
def test_family_tables_stack_on_a_phone_and_lists_use_the_arabic_comma(
        app, db, users, orgs, family, client, login):
    from pathlib import Path

    from .case_helpers import make_case
    staff = users["staff"]
    for _ in range(2):
        svc.link_case(family, make_case(staff), actor=actor_of(staff))
    _cash(family, staff, orgs)
    svc.log_contact(family, {"kind": "call", "happened_on": "2026-03-01",
                             "follow_up_on": "2026-03-05"}, actor=actor_of(staff))
    db.session.commit()
    login(staff)
    post_form(client, "/language", {"lang": "ar", "next": "/"}, page="/account/")
    refs = [lk.case.reference for lk in family.case_links]
    pages = {path: client.get(path).get_data(as_text=True)
             for path in ("/families/", f"/families/{family.uid}", "/families/queue?who=all")}
    listing = pages["/families/"]
    assert "، ".join(f'<bdi dir="ltr" class="nowrap">{r}</bdi>' for r in refs) in listing
    assert f"{refs[0]}</bdi>, " not in listing
    for path, body in pages.items():
        tables = re.findall(r"<table[^>]*>.*?</table>", body, re.S)
        assert tables, path
        for table in tables:
            assert 'class="stack"' in table[:30], path
            for cell in re.findall(r"<td(?: [^>]*)?>", table):
                assert "data-label=" in cell or "row-actions" in cell, (path, cell)
    assert "<ul>" not in pages["/families/queue?who=all"].split('class="subnav"')[1][:300]
    css = (Path(app.root_path) / "static/css/portal.css").read_text()
    assert "table.stack td[data-label]::before" in css
    # The count in the dark header stays dark on its light badge.
    assert re.search(r"\.site-header \.badge \{[^}]*color: var\(--ink\)", css)


# --- optimistic locking on a member's contact details --------------------------------------
def test_stale_member_form_does_not_overwrite_a_new_contact(db, users, family, client, login):
    from portal.services.families.common import dec
    staff, admin = users["staff"], users["admin"]
    member = family.members[0]
    login(staff)
    path = f"/families/{family.uid}/members/{member.id}"
    page = client.get(path).get_data(as_text=True)
    assert 'name="version"' in page
    # Meanwhile a colleague records the family's new, safe number.
    svc.update_member(family, member, {"name": "Fictional Mariam", "contact": "+961 11 111 111",
                                       "contact_channel": "phone", "is_main_contact": True},
                      actor=actor_of(admin))
    db.session.commit()
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page) or re.search(
        r'name="version" value="(\d+)"', page) or re.search(r'id="version"[^>]*value="(\d+)"',
                                                            page)
    response = post_form(client, path, {"name": "Fictional Mariam", "contact": "+961 00 000 000",
                                        "contact_channel": "phone", "is_main_contact": "y",
                                        "version": version.group(1)})
    assert response.status_code == 409
    assert "Someone else changed this family" in response.get_data(as_text=True)
    db.session.expire_all()
    fresh = db.session.get(type(member), member.id)
    assert dec("family_members", "contact_enc", fresh.contact_enc) == "+961 11 111 111"


# --- a soft-deleted case --------------------------------------------------------------------
def test_a_deleted_case_leaves_the_family_pages(db, users, family, client, login):
    from portal.services.cases.register import delete_case

    from .case_helpers import make_case
    staff, admin = users["staff"], users["admin"]
    kept = make_case(staff)
    gone = make_case(staff, first_name_lat="Deletedname", first_name_ar="محذوفاسم")
    for case in (kept, gone):
        svc.link_case(family, case, actor=actor_of(staff))
    delete_case(gone, actor=actor_of(admin))
    db.session.commit()
    login(staff)
    assert client.get(f"/cases/{gone.uid}").status_code == 404  # staff no longer see it
    page = client.get(f"/families/{family.uid}").get_data(as_text=True)
    assert kept.reference in page and gone.reference not in page
    assert "Deletedname" not in page and "محذوفاسم" not in page
    listing = client.get("/families/").get_data(as_text=True)
    assert kept.reference in listing and gone.reference not in listing


# --- safety rules where the contact is decided ------------------------------------------------
def test_safety_rules_stand_out_on_the_family_page_and_in_the_queue(db, users, family, client,
                                                                     login):
    staff = users["staff"]
    svc.log_contact(family, {"kind": "call", "happened_on": "2026-03-01",
                             "follow_up_on": "2026-03-12"}, actor=actor_of(staff))
    db.session.commit()
    login(staff)
    page = client.get(f"/families/{family.uid}").get_data(as_text=True)
    note = page.split('class="flash flash-warning safety-rules"')[1].split("</div>")[0]
    assert "Never leave a message" in note
    queue = client.get("/families/queue").get_data(as_text=True)
    assert "Never leave a message" in queue


def test_a_huge_page_number_is_an_empty_page_not_a_500(db, users, family, client, login):
    login(users["staff"])
    response = client.get("/families/?page=99999999999999999999")
    assert response.status_code == 200


@pytest.mark.parametrize("lang, message", [("en", "Enter a date from 1970 on."),
                                           ("ar", "أدخل تاريخاً من عام 1970 فما بعد.")])
def test_a_year_typed_wrong_is_refused(db, users, family, client, login, lang, message):
    login(users["staff"])
    post_form(client, "/language", {"lang": lang, "next": "/"}, page="/account/")
    before = table_counts(db)
    response = post_form(client, f"/families/{family.uid}/needs/new",
                         {"category": "legal", "assessed_on": "0226-03-01"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert table_counts(db) == before


def test_a_referral_consent_names_an_active_partner(db, users, orgs, family, client, login):
    from portal.models import FamilyConsent
    login(users["staff"])
    page = client.get(f"/families/{family.uid}/consents/new").get_data(as_text=True)
    assert f'value="{orgs["a"].id}"' in page and f'value="{orgs["office"].id}"' not in page
    orgs["b"].active = False
    db.session.commit()
    for org in (orgs["office"], orgs["b"]):
        before = db.session.query(FamilyConsent).count()
        response = post_form(client, f"/families/{family.uid}/consents/new", {
            "kind": "referral", "organization_id": str(org.id), "method": "written",
            "given_on": "2026-03-01"})
        assert response.status_code == 422, org.kind
        assert db.session.query(FamilyConsent).count() == before


def test_need_status_is_one_compact_line_and_row_actions_are_apart(app, db, users, family,
                                                                     client, login):
    from pathlib import Path
    svc.add_need(family, {"category": "legal", "assessed_on": "2026-03-01"},
                 actor=actor_of(users["staff"]))
    db.session.commit()
    login(users["staff"])
    page = client.get(f"/families/{family.uid}").get_data(as_text=True)
    assert 'class="need-status"' in page  # not a full-width list under its own label
    css = (Path(app.root_path) / "static/css/portal.css").read_text()
    assert ".need-status select { inline-size: auto;" in css
    assert ".row-actions > * + * { margin-inline-start:" in css


def test_attendance_count_reads_the_right_way_in_arabic(db, users, orgs, family, client, login):
    """"2 / 4" in a right-to-left line reads as four of two: the count is a sentence."""
    staff = users["staff"]
    series = svc.create_series({"title_en": "Course", "sessions_planned": 4},
                               actor=actor_of(staff))
    svc.enrol_member(series, family.members[0], actor=actor_of(staff))
    db.session.commit()
    login(staff)
    post_form(client, "/language", {"lang": "ar", "next": "/"}, page="/account/")
    page = client.get(f"/families/pss/{series.id}").get_data(as_text=True)
    assert " / 4" not in page and " / ٤" not in page
    assert "حضر 0 من 4 جلسات" in page or "0 من 4" in page
