"""Support to families and PSS attendance in aggregates (issue 17): small-cell suppression
that subtraction from the totals cannot undo, per-currency sums, CSV export, office only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import random

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, SupportItem
from portal.models.families import PssAttendance, PssEnrolment, PssSeries
from portal.services.family_reports import HIDDEN, protect, pss_figures, support_figures

from .event_factories import make_event
from .family_helpers import add_member, make_family

YEAR = 2025


def _deliver(family, org, n, *, category="legal", form="in_kind", month=3, amount=None,
             currency=None):
    from portal.extensions import db
    for i in range(n):
        db.session.add(SupportItem(
            family_id=family.id, category=category, form=form, status="delivered",
            provider_org_id=org.id, delivered_on=dt.date(YEAR, month, 1 + i % 27),
            amount_minor=amount, currency=currency))


@pytest.fixture
def world(db, users, orgs):
    staff = users["staff"]
    family = make_family(staff, residence_abroad="lebanon")
    other = make_family(staff, residence_abroad="", governorate_id=None)
    _deliver(family, orgs["office"], 3, category="legal", month=1)        # a cell of 3
    _deliver(family, orgs["office"], 10, category="medical", month=2)
    _deliver(other, orgs["a"], 20, category="housing", month=2)
    _deliver(other, orgs["office"], 5, category="financial", form="cash", month=4,
             amount=10050, currency="USD")                                 # 5 × 100.50 USD
    _deliver(family, orgs["office"], 2, category="financial", form="cash", month=4,
             amount=5000, currency="EUR")                                  # 2 payments: hidden
    # Not counted: another year, and support not delivered.
    _deliver(family, orgs["office"], 7, category="legal", month=1)
    for item in db.session.scalars(select(SupportItem).order_by(SupportItem.id.desc()).limit(7)):
        item.delivered_on = dt.date(YEAR - 1, 6, 1)
    db.session.add(SupportItem(family_id=family.id, category="legal", form="service",
                               status="approved", provider_org_id=orgs["office"].id))
    # PSS: one course with 3 enrolled members (a small cell), 2 sessions in the year.
    series = PssSeries(title_en="Coping together (fictional)", title_ar="معاً (خيالي)",
                       sessions_planned=4)
    db.session.add(series)
    db.session.flush()
    events = []
    for day in (3, 10):
        events.append(make_event(orgs["office"], kind="psychosocial_support",
                                 starts_at=dt.datetime(YEAR, 5, day, 9, tzinfo=dt.timezone.utc),
                                 title="PSS session (fictional)", pss_series_id=series.id,
                                 created_by_id=staff.id))
    db.session.flush()
    for i in range(3):
        member = add_member(family if i < 2 else other, staff, name=f"Fictional member {i}",
                            is_main_contact=False)
        enrolment = PssEnrolment(series_id=series.id, member_id=member.id,
                                 enrolled_at=dt.datetime(YEAR, 4, 1, tzinfo=dt.timezone.utc),
                                 completed_at=dt.datetime(YEAR, 6, 1, tzinfo=dt.timezone.utc)
                                 if i == 0 else None)
        db.session.add(enrolment)
        db.session.flush()
        for event in events:
            db.session.add(PssAttendance(enrolment_id=enrolment.id, event_id=event.id,
                                         attended=True))
    db.session.commit()
    return {"family": family, "other": other, "series": series}


def _rows(table):
    return {row["label"]: row["value"] for row in table["rows"]}


def test_a_cell_of_three_is_shown_as_fewer_than_five_and_cannot_be_subtracted(app, world):
    with app.test_request_context():
        figures = support_figures(YEAR, "en")
    by_category = _rows(figures["by_category"])
    assert by_category["Legal"] == "<5"
    assert by_category["Financial"] == HIDDEN  # the smallest other cell (7), hidden with it
    assert by_category["Housing"] == "20" and by_category["Medical"] == "10"
    assert figures["total"] == "40"
    # Every breakdown: where a "<5" shows, subtraction from the total meets 2+ unknowns and
    # a hidden one among them (or the total itself is hidden).
    for key in ("by_month", "by_category", "by_form", "by_place", "by_provider"):
        values = list(_rows(figures[key]).values())
        if "<5" in values and figures["total"] != HIDDEN:
            assert HIDDEN in values and sum(v in ("<5", HIDDEN) for v in values) >= 2, key
    assert _rows(figures["by_place"]) == {"Abroad: Lebanon": HIDDEN, "Governorate not recorded": "25"} \
        or "<5" not in _rows(figures["by_place"]).values()
    amounts = {a["currency"]: a for a in figures["amounts"]}
    assert amounts["USD"]["amount"] == "502.50 USD" and amounts["USD"]["payments"] == "5"
    assert amounts["EUR"]["amount"] == "" and amounts["EUR"]["payments"] == "<5"


def test_pss_attendance_is_suppressed_per_column(app, world):
    with app.test_request_context():
        pss = pss_figures(YEAR, "en")
    row = pss["rows"][0]
    assert row["title"] == "Coping together (fictional)"
    assert row["enrolled"]["value"] == "<5" and row["completed"]["value"] == "<5"
    assert row["attended"]["value"] == "6"
    assert pss["totals"]["enrolled"] == "<5" and pss["totals"]["attended"] == "6"


def _possible(counts, states, total):
    """Every assignment of the suppressed cells consistent with what the table shows."""
    shown = sum(n for n, s in zip(counts, states) if s == "exact")
    unknown = [i for i, s in enumerate(states) if s != "exact"]
    ranges = [range(1, 5) if states[i] == "small" else range(5, total + 1) for i in unknown]
    for combo in itertools.product(*ranges):
        if total is None or shown + sum(combo) == total:
            yield dict(zip(unknown, combo))


def test_protect_never_lets_subtraction_pin_a_suppressed_cell():
    rng = random.Random(17)
    checked = 0
    for _ in range(400):
        counts = [rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 30]) for _ in range(rng.randint(1, 5))]
        states, total_ok = protect(counts)
        total = sum(counts)
        if not total_ok or not (set(states) - {"exact"}) or 0 < total < 5:
            continue
        options = list(_possible(counts, states, total))
        for i, s in enumerate(states):
            if s != "exact":
                assert len({o[i] for o in options}) >= 2, (counts, states)
        checked += 1
    assert checked > 50


def test_report_page_and_csv_for_the_office_only(db, client, users, login, world, new_client):
    login(users["staff"])
    page = client.get(f"/reports/families/?year={YEAR}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in body and "&lt;5" in body
    arabic = client.get(f"/reports/families/?year={YEAR}", headers={"Accept-Language": "ar"})
    assert arabic.status_code == 200
    export = client.get(f"/reports/families/export.csv?year={YEAR}")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert ["by_category", "Legal", "<5"] in rows and ["by_category", "Financial", "*"] in rows
    assert ["support_delivered", "total", "40"] in rows
    assert ["cash_USD", "amount", "502.50 USD"] in rows and ["cash_EUR", "amount", "*"] in rows
    assert ["pss_enrolled", "Coping together (fictional)", "<5"] in rows
    assert "Fictional member" not in export.get_data(as_text=True)
    arabic_csv = client.get(f"/reports/families/export.csv?year={YEAR}",
                            headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert "٥" not in arabic_csv and "٤" not in arabic_csv  # Latin digits for spreadsheets
    assert "support_delivered,total,40" in arabic_csv and "<5" in arabic_csv
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "family_report_exported"))
    assert event.object_id == str(YEAR) and event.actor_id == users["staff"].id
    assert client.get("/reports/families/?year=1800").status_code == 400
    for who in ("viewer_a", "manager_a", "viewer_b"):
        partner = login(users[who], the_client=new_client())
        assert partner.get("/reports/families/").status_code == 403
        assert partner.get(f"/reports/families/export.csv?year={YEAR}").status_code == 403


# --- the briefing pack's "Support to families" section -------------------------------------

@pytest.fixture
def pack_world(db, users, orgs, monkeypatch, clock):
    """Cases for the pack come from tests/briefing_data.py; support delivered this year (the
    clock's 2026): 3 legal (a small cell), 12 housing; a family canary in every family field."""
    from portal.services.briefings import data

    from . import briefing_data as bd
    monkeypatch.setattr(data, "pack_cases", lambda recipient, selection: [
        dict(bd.case_at("summary", n)) for n in (1, 2)])
    monkeypatch.setattr(data, "pack_events", lambda recipient: [])
    family = make_family(users["staff"], label="CANARY-family-label",
                         residence_note="CANARY-residence", safety_rules="CANARY-safety")
    add_member(family, users["staff"], name="CANARY-member", contact="CANARY-contact")
    for category, n in (("legal", 3), ("housing", 12)):
        for i in range(n):
            db.session.add(SupportItem(family_id=family.id, category=category, form="service",
                                       status="delivered", provider_org_id=orgs["office"].id,
                                       delivered_on=dt.date(2026, 2, 1 + i)))
    db.session.commit()
    yield family
    from portal.services.briefings import jobs
    db.session.commit()
    jobs.wait_for_background()


def _pack_text(client, pack) -> str:
    from pypdf import PdfReader
    download = client.get(f"/briefings/{pack.document_id}/download")
    assert download.status_code == 200
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(download.data)).pages)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_pack_section_support_to_families_is_aggregates_only(db, client, users, orgs, login,
                                                             pack_world, lang):
    from portal.models import BriefingPack

    from .conftest import post_form
    login(users["staff"])
    form = client.get("/briefings/new").get_data(as_text=True)
    assert 'value="families"' in form and 'value="families" checked' not in form
    response = post_form(client, "/briefings/new", {
        "recipient": str(orgs["a"].id), "language": lang, "mode": "all",
        "sections": ["summary", "families"], "covering_note": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    db.session.expire_all()
    pack = db.session.scalars(select(BriefingPack).order_by(BriefingPack.id.desc())).first()
    assert pack.status == "done" and "families" in pack.sections
    text = _pack_text(client, pack)
    if lang == "en":
        assert "Support to families" in text and "Support items delivered to families" in text
        assert "Legal" in text and "<5" in text and "Housing" in text
    else:
        assert "الدعم المقدم إلى العائلات" in text
    assert "CANARY" not in text


def test_partners_cannot_choose_the_families_section(db, client, users, orgs, login,
                                                     pack_world):
    from .conftest import post_form
    login(users["manager_a"])
    form = client.get("/briefings/new").get_data(as_text=True)
    assert 'value="families"' not in form
    response = post_form(client, "/briefings/new", {
        "language": "en", "mode": "all", "sections": ["summary", "families"],
        "covering_note": ""})
    assert response.status_code == 422


# --- referrals to partner organisations (the report only, not the briefing pack) ----------

@pytest.fixture
def referral_world(db, users, orgs):
    """Referrals sent in YEAR: 12 to Org A in March (accepted, legal), 8 to the office in June
    (completed, housing), 3 to Org B in March (declined, medical: a cell of 3); one to Org B
    the year before, not counted."""
    from portal.models.families import Referral

    from .referral_helpers import give_consent
    staff = users["staff"]
    family = make_family(staff, residence_abroad="lebanon")
    made = itertools.count(1)
    for org_key, n, month, status, category, year in (
            ("a", 12, 3, "accepted", "legal", YEAR), ("office", 8, 6, "completed", "housing", YEAR),
            ("b", 3, 3, "declined", "medical", YEAR), ("b", 1, 3, "sent", "medical", YEAR - 1)):
        consent = give_consent(family, staff, "referral", orgs[org_key])
        for i in range(n):
            db.session.add(Referral(
                uid=f"RF-{year}-{next(made):06d}", family_id=family.id,
                organization_id=orgs[org_key].id, consent_id=consent.id, category=category,
                status=status, created_by_id=staff.id,
                created_at=dt.datetime(year, month, 1 + i, 10, tzinfo=dt.timezone.utc)))
    db.session.commit()
    return family


def test_referrals_are_counted_by_month_partner_outcome_and_need(app, referral_world):
    from portal.services.family_reports import referral_figures
    with app.test_request_context():
        figures = referral_figures(YEAR, "en")
    assert figures["total"] == "23"
    by_month = _rows(figures["by_month"])
    assert by_month["March"] == "15" and by_month["June"] == "8" and by_month["January"] == "0"
    assert _rows(figures["by_partner"]) == {"Org A": "12", "Test Office": HIDDEN, "Org B": "<5"}
    assert _rows(figures["by_status"]) == {"Accepted": "12", "Declined": "<5",
                                           "Completed": HIDDEN}
    assert _rows(figures["by_category"]) == {"Legal": "12", "Medical": "<5", "Housing": HIDDEN}
    # The pack's section is left as it was: no referrals in it.
    from portal.services.family_reports import pack_section
    with app.test_request_context():
        assert "referrals" not in pack_section(YEAR, "en")


def test_referrals_in_the_report_page_and_csv(db, client, users, login, referral_world,
                                              new_client):
    login(users["staff"])
    body = client.get(f"/reports/families/?year={YEAR}").get_data(as_text=True)
    assert "Referrals to partner organisations" in body and "Referrals made: 23" in body
    assert "Org B" in body and "&lt;5" in body
    arabic = client.get(f"/reports/families/?year={YEAR}", headers={"Accept-Language": "ar"})
    assert arabic.status_code == 200
    assert "الإحالات إلى المنظمات الشريكة" in arabic.get_data(as_text=True)
    export = client.get(f"/reports/families/export.csv?year={YEAR}")
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert ["referrals_made", "total", "23"] in rows
    assert ["referrals_by_month", "March", "15"] in rows
    assert ["referrals_by_month", "June", "8"] in rows
    assert ["referrals_by_partner", "Org A", "12"] in rows
    assert ["referrals_by_partner", "Org B", "<5"] in rows
    assert ["referrals_by_partner", "Test Office", "*"] in rows
    assert ["referrals_by_status", "Accepted", "12"] in rows
    assert ["referrals_by_status", "Declined", "<5"] in rows
    assert ["referrals_by_category", "Medical", "<5"] in rows
    assert "RF-" not in export.get_data(as_text=True)
    for who in ("viewer_a", "manager_a", "viewer_b"):
        partner = login(users[who], the_client=new_client())
        for url in ("/reports/families/", f"/reports/families/?year={YEAR}",
                    f"/reports/families/export.csv?year={YEAR}"):
            response = partner.get(url)
            assert response.status_code in (403, 404), (who, url)
            assert "Referrals made" not in response.get_data(as_text=True)
