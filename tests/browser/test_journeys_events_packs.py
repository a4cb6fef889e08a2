"""Journeys 4 and 5 of issue 20 in a real browser, with the per-step checks of journeys 1–3
(tests/browser/pages.py): English and Arabic, a desktop by keyboard alone with JavaScript
and axe-core, a 360×740 phone with JavaScript off.

4. Staff schedule a workshop with two seats; a second organisation takes both, the partner's
   manager is put on the waiting list, the second organisation withdraws and the partner is
   promoted; the .ics holds the event; the month calendar mirrors in Arabic.
5. Staff generate a briefing pack for the partner, watch it being prepared and download it.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from pypdf import PdfReader

from .pages import Journey, assert_row_mirrored, box
from .world import RUNS

ARABIC = re.compile(r"[\u0600-\u06FF\uFB50-\uFDFF\uFE70-\uFEFF]")
DOCUMENT_ID = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture(params=RUNS)
def run(request, world):
    return world.runs[request.param]


def person(browser, world, run, name):
    return Journey(browser, world, run, name, js=not run.phone, keyboard=not run.phone)


def workshop_day() -> date:
    """A day of next month (the calendar opens on this month: the journey turns the page)."""
    first = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    return first + timedelta(days=9)


def digits(text: str) -> str:
    """Arabic-Indic digits as ASCII ones (numbers may be shown in either)."""
    return text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")).strip()


def open_event(j: Journey, title: str):
    page = j.go(j.page.locator("nav.main-nav a[href='/events/']"), "events")
    return j.go(page.locator("main h2 a", has_text=title), "event")


def answer(j: Journey, response: str, seats: int | None, name: str):
    page = j.go(j.page.locator("main a[href$='/rsvp']"), f"rsvp-form-{name}")
    # Each radio button sits on its label's line, at the start edge (the right in Arabic).
    assert_row_mirrored(j.lang, page.locator("#response-0"), page.locator("label[for=response-0]"))
    assert abs(box(page.locator("#response-0"))["y"] - box(page.locator("label[for=response-0]"))["y"]) < 16
    j.pick("response", response)
    if seats is not None:
        j.fill("#seats", str(seats))
    return j.go(page.locator("main form button[type=submit]"), f"rsvp-{name}")


def test_journey_4_workshop_rsvp_waiting_list_ics_calendar(browser, world, run):
    ar = run.lang == "ar"
    title = (f"ورشة توثيق الاختفاء القسري {run.name}" if ar
             else f"Documentation workshop {run.name}")
    day = workshop_day()
    staff = person(browser, world, run, "j4")
    page = staff.sign_in(run.staff)
    page = staff.go(page.locator("nav.main-nav a[href='/events/']"), "events")
    page = staff.go(page.locator("main a[href='/events/new']"), "new-event")
    staff.choose("#kind", "workshop")
    staff.fill("#title_en" if not ar else "#title_ar", title)
    staff.fill("#start_date", day.isoformat())
    staff.fill("#start_time", "09:30")
    staff.fill("#end_time", "11:30")
    staff.fill("#venue", "Fictional Hall, Beirut" if not ar else "القاعة الوهمية، بيروت")
    for org in ((run.partner_ar, run.other_ar) if ar else (run.partner_en, run.other_en)):
        staff.tick(f"main input[name=invited][value='{_org_value(page, org)}']")
    staff.fill("#capacity", "2")
    page = staff.go(page.locator("main form button[type=submit]"), "event-scheduled")
    assert "/events/" in page.url and page.locator("main .flash-success").count() == 1
    assert title in page.locator("main h1").inner_text()
    event_url = page.url

    ics = staff.download(page.locator("main a[href$='/event.ics']")).decode("utf-8")
    unfolded = ics.replace("\r\n ", "")
    assert unfolded.count("BEGIN:VEVENT") == 1 and "END:VEVENT" in unfolded
    assert f"SUMMARY:{title}" in unfolded, unfolded
    assert re.search(rf"DTSTART;TZID=Asia/Beirut:{day:%Y%m%d}T093000", unfolded), unfolded
    assert re.search(rf"DTEND;TZID=Asia/Beirut:{day:%Y%m%d}T113000", unfolded), unfolded

    page = staff.go(page.locator("nav.subnav a[href='/events/calendar']"), "calendar")
    page = staff.go(page.locator("main a[rel=next]"), "calendar-next-month")
    heads = page.locator("main table.month thead th")
    assert heads.count() == 7
    # The first weekday column is at the start edge: the right in Arabic, the left in English.
    xs = [box(heads.nth(i))["x"] for i in range(7)]
    assert xs == (sorted(xs, reverse=True) if ar else sorted(xs)), xs
    assert_row_mirrored(run.lang, heads.nth(0), heads.nth(1))
    assert heads.nth(0).locator(".wd-long").text_content() == ("السبت" if ar else "Mon")
    cell = page.locator(f"main table.month td:has(time[datetime='{day.isoformat()}'])")
    assert title in cell.inner_text()
    staff.close()

    # A second organisation takes both seats.
    other = person(browser, world, run, "j4-other")
    other.sign_in(run.other_manager)
    open_event(other, title)
    page = answer(other, "yes", 2, "yes")
    assert page.locator("main .flash-success").count() == 1
    assert digits(page.locator("main .seats-free").inner_text()) == "0"

    # The partner's manager asks for a seat: the event is full, so the waiting list.
    partner = person(browser, world, run, "j4-partner")
    partner.sign_in(run.manager)
    open_event(partner, title)
    page = answer(partner, "yes", 1, "waiting-listed")
    assert page.locator("main .flash-warning").count() == 1
    own = page.locator("main .own-rsvp").inner_text()
    assert ("الانتظار" if ar else "waiting list") in own and "1" in digits(own), own
    waiting = page.locator("main .seats-waiting").inner_text()
    assert waiting.strip() == ("مقعد واحد" if ar else "1 seat"), waiting  # Arabic: "one seat"

    # The second organisation withdraws: the partner gets its seat.
    answer(other, "no", None, "withdrawn")
    other.close()
    page = partner.goto(event_url, "event-promoted")
    own = page.locator("main .own-rsvp").inner_text()
    assert "waiting" not in own and "الانتظار" not in own, own
    assert digits(page.locator("main .seats-confirmed").inner_text()) == "1"
    assert digits(page.locator("main .seats-free").inner_text()) == "1"
    ics = partner.download(page.locator("main a[href$='/event.ics']")).decode("utf-8")
    assert "BEGIN:VEVENT" in ics and title in ics.replace("\r\n ", "")
    partner.close()


def _org_value(page, name: str) -> str:
    label = page.locator("main label", has_text=name).first
    return page.locator(f"#{label.get_attribute('for')}").get_attribute("value")


def test_journey_5_briefing_pack_progress_download(browser, world, run):
    ar = run.lang == "ar"
    staff = person(browser, world, run, "j5")
    page = staff.sign_in(run.staff)
    page = staff.go(page.locator("nav.main-nav a[href='/briefings/']"), "briefings")
    page = staff.go(page.locator("main a[href='/briefings/new']"), "new-pack")
    staff.choose("#recipient", label=run.partner_ar if ar else run.partner_en)
    staff.pick("language", run.lang)
    staff.pick("mode", "all")
    page = staff.go(page.locator("main form button[type=submit]"), "pack-preparing")
    status = page.locator("#pack-status")
    document_id = page.locator("main h1 bdi").inner_text().strip()
    assert DOCUMENT_ID.fullmatch(document_id), document_id
    if status.get_attribute("data-active") == "yes":
        assert page.locator("#pack-status progress").is_visible()
    download = page.locator("main a[href$='/download']")
    for attempt in range(60):
        if download.count():
            break
        if staff.js:
            # The page polls its progress and reloads itself once the pack is ready.
            page.wait_for_selector("main a[href$='/download']", timeout=60_000)
            staff.step("pack-ready")
        else:
            # Without JavaScript the page offers a link to look again.
            page.wait_for_timeout(1000)
            page = staff.go(page.locator("main a.refresh"), f"pack-check-{attempt}")
    assert download.count() == 1, page.locator("main").inner_text()
    pdf = staff.download(download)
    assert pdf.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    assert document_id in text, text[:500]
    if ar:
        assert len(ARABIC.findall(text)) > 50, text[:500]
    else:
        assert "Cedar Rights Lab" in text
    staff.close()
