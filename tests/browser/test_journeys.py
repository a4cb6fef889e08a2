"""The five journeys of issue 20 in a real browser, each in English and Arabic, on a desktop
screen and on a 360×740 phone. Desktop runs use JavaScript and check every page with
axe-core; phone runs have JavaScript off (the portal must work without it). Journeys 2 and 3
are done with the keyboard alone on the desktop."""

from __future__ import annotations

import re

import pyotp
import pytest

from .pages import Journey, assert_keeps_latin_order, assert_label_mirrored
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
