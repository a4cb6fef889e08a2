"""The five journeys of issue 20 in a real browser, each in English and Arabic, on a desktop
screen and on a 360×740 phone. Desktop runs use JavaScript and check every page with
axe-core; phone runs have JavaScript off (the portal must work without it). Journeys 2 and 3
are done with the keyboard alone on the desktop."""

from __future__ import annotations

import csv as csv_module
import io
import re
from pathlib import Path

import pyotp
import pytest

from .pages import (
    Journey,
    assert_keeps_arabic_order,
    assert_keeps_latin_order,
    assert_label_mirrored,
    assert_row_mirrored,
)
from .world import RUNS

PASSWORD = "cedar rooftop lantern 42"


@pytest.fixture(params=RUNS)
def run(request, world):
    return world.runs[request.param]


def journey(browser, world, run, name):
    return Journey(browser, world, run, name, js=not run.phone)


def test_journey_1_activation_password_totp_recovery_codes(browser, world, run):
    j = journey(browser, world, run, "j1")
    page = j.goto(run.invite_link, "activation")
    assert run.invitee in page.locator("main").inner_text()
    assert_keeps_latin_order(page, "main p bdi")  # the e-mail, inside an Arabic sentence
    assert_label_mirrored(page, run.lang, "password")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=confirm]").fill(PASSWORD)
    key = page.locator(".secret-key").inner_text().replace(" ", "")
    page.locator("input[name=code]").fill(pyotp.TOTP(key).now())
    page = j.click(page.locator("form button[type=submit]").last, "recovery-codes")
    codes = page.locator("ol.codes li")
    assert codes.count() == 10
    assert all(re.fullmatch(r"[0-9a-z-]{8,}", c.strip(), re.I) for c in codes.all_inner_texts())
    # Signed in: the header names the person and offers to sign out.
    header = page.locator("header.site-header")
    assert ("Sami Newcomer" if run.lang == "en" else "سامي الجديد") in header.inner_text()
    assert header.locator("form[action$='/auth/logout'] button").is_visible()
    j.close()


def test_journeys_2_and_3_document_share_then_the_partner_finds_and_exports(browser, world, run):
    """Staff document a person (duplicate warning, source, custody entry) and share the case;
    the partner's viewer finds it by the name in the other script, sees only the tier's
    fields and exports CSV. With the keyboard alone on the desktop."""
    p = run.person
    tier = "summary" if run.phone else "detailed"
    secret_note = f"Internal note {run.name}: the informant's cousin"
    staff = Journey(browser, world, run, "j2", js=not run.phone, keyboard=not run.phone)
    page = staff.sign_in(run.staff)
    nav = page.locator("nav.main-nav a")
    assert_row_mirrored(run.lang, nav.nth(0), nav.nth(1))
    page = staff.go(page.locator("nav.main-nav a[href='/cases/']"), "cases")
    headers = page.locator("main table thead th")
    assert_row_mirrored(run.lang, headers.nth(0), headers.nth(1))
    page = staff.go(page.locator("main a[href='/cases/new']"), "new-case")
    assert_label_mirrored(page, run.lang, "first_name_ar")
    for name, value in (("first_name_ar", p.first_ar), ("father_name_ar", p.father_ar),
                        ("family_name_ar", p.family_ar), ("first_name_lat", p.first_lat),
                        ("father_name_lat", p.father_lat), ("family_name_lat", p.family_lat),
                        ("birth_date", "1984"), ("arrest_date", "2013-05"),
                        ("internal_notes", secret_note)):
        staff.fill(f"#{name}", value)
    staff.choose("#sex", "male")
    staff.choose("#status", "detained")
    page = staff.go(page.locator("main form button[type=submit]"), "duplicate-warning")
    warning = page.locator("main .warning-card[role=alert]")
    assert warning.is_visible()
    assert p.family_lat + "i" in warning.inner_text()  # the near-identical person
    page = staff.go(page.locator("main form.card button[type=submit]"), "case-created")
    reference = page.locator("main h1 bdi.reference").inner_text().strip()
    assert re.fullmatch(r"DO-\d{4}-\d{6}", reference)
    assert_keeps_latin_order(page, "main h1 bdi.reference")
    assert_keeps_arabic_order(page, "main dl.facts bdi[lang=ar]")
    assert_keeps_latin_order(page, "main dl.facts bdi[dir=ltr]")

    page = staff.go(page.locator("main a[href$='/sources/new']"), "source-form")
    staff.choose("#kind", "family")
    staff.fill("#relation", "mother" if run.lang == "en" else "الأم")
    staff.choose("#consent_level", "all_partners")
    page = staff.go(page.locator("main form button[type=submit]"), "source-added")
    page = staff.go(page.locator("main a[href$='/timeline/new']"), "entry-form")
    staff.choose("#kind", "held")
    staff.fill("#date", "2013-06")
    staff.fill("#place", "Damascus" if run.lang == "en" else "دمشق")
    staff.choose("#facility_id", page.locator("#facility_id option").nth(1).get_attribute("value"))
    page = staff.go(page.locator("main form button[type=submit]"), "entry-added")
    assert page.locator("main ol.timeline li.timeline-entry").count() == 2  # arrest, held

    page = staff.go(page.locator("main a[href*='/sharing/new']"), "share-form")
    assert page.locator("#references").input_value().strip() == reference
    staff.choose("#organization", label=run.partner_en if run.lang == "en" else run.partner_ar)
    staff.choose("#tier", tier)
    staff.fill("#purpose", "Joint documentation of detention in 2013" if run.lang == "en"
               else "توثيق مشترك لحالات الاعتقال في 2013")
    staff.fill("#expires_on", "2027-01-31")
    page = staff.go(page.locator("main button[value=preview]"), "share-preview")
    assert page.locator("#preview").is_visible()
    page = staff.go(page.locator("main button[value=save]"), "shared")
    assert "/sharing/" in page.url
    staff.close()

    viewer = Journey(browser, world, run, "j3", js=not run.phone, keyboard=not run.phone)
    page = viewer.sign_in(run.viewer)
    page = viewer.go(page.locator("nav.main-nav a[href='/cases/']"), "cases")
    viewer.fill("#q", p.typed_by_partner)
    page = viewer.go(page.locator("main form[role=search] button[type=submit]"), "search")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1, rows.all_inner_texts()  # the unshared twin stays invisible
    assert reference in rows.first.inner_text()
    page = viewer.go(rows.first.locator("a"), "case")
    main = page.locator("main").inner_text()
    assert p.first_ar in main and p.first_lat in main
    assert secret_note not in main
    if tier == "detailed":
        assert p.father_lat in main  # parents' names are detailed-tier fields
        assert page.locator("main ol.timeline li.timeline-entry").count() == 2
    else:
        assert p.father_lat not in main and p.father_ar not in main
        assert page.locator("main ol.timeline").count() == 0
    page = viewer.go(page.locator("nav.main-nav a[href='/cases/']"), "cases-again")
    viewer.fill("#q", p.typed_by_partner)
    page = viewer.go(page.locator("main form[role=search] button[type=submit]"), "search-again")
    export = page.locator("main form[action$='/cases/export.csv'] button[type=submit]").first
    if viewer.keyboard:
        viewer.tab_to(export)
        with page.expect_download() as download:
            page.keyboard.press("Enter")
    else:
        with page.expect_download() as download:
            export.tap()
    csv = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert reference in csv and p.family_lat in csv
    assert secret_note not in csv
    rows = list(csv_module.reader(io.StringIO(csv)))
    assert [r[0] for r in rows if r and not r[0].startswith("#")][1:] == [reference], rows[:3]
    viewer.close()
