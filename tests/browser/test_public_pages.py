"""The public site in a real browser (issue 18): every public page in Arabic and English on
a 360×740 phone, with the cache off (each load is a first load): the right language and
direction, no sideways scrolling, at most 100 KB transferred, axe-core with no serious or
critical violation, and nothing fetched from another origin."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from .pages import AXE, PHONE, SCREENSHOTS
from .public_world import _previous_month

PUBLIC_BUDGET = 100 * 1024


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_public_pages_on_a_phone(browser, world, lang):
    context = browser.new_context(base_url=world.base_url, viewport=PHONE,
                                  locale={"ar": "ar-SY", "en": "en-GB"}[lang],
                                  bypass_csp=True,  # only so that axe-core can be injected
                                  has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    weight = {"bytes": 0}
    cdp.on("Network.loadingFinished",
           lambda e: weight.__setitem__("bytes", weight["bytes"] + int(e.get("encodedDataLength", 0))))
    origins: set[str] = set()
    page.on("request", lambda r: origins.add(urlsplit(r.url).netloc))
    report = _previous_month()
    paths = [f"/public/{lang}/", f"/public/{lang}/figures",
             f"/public/{lang}/figures?status=forcibly_disappeared",
             f"/public/{lang}/campaigns/not-hostages", f"/public/{lang}/reports/",
             f"/public/{lang}/reports/{report}"]
    try:
        page.goto(f"/public/{lang}/")
        story = page.locator(".pub-story a").first.get_attribute("href")
        paths.append(story)
        SCREENSHOTS.mkdir(exist_ok=True)
        weights = {}
        for number, path in enumerate(paths, 1):
            weight["bytes"] = 0
            page.goto(path)
            page.wait_for_load_state("load")
            page.evaluate("document.fonts ? document.fonts.ready.then(() => true) : true")
            page.wait_for_load_state("networkidle")
            where = f"{lang} {path}"
            page.screenshot(path=str(SCREENSHOTS / f"public-{lang}-phone-{number:02d}.png"),
                            full_page=True)
            html = page.locator("html")
            assert html.get_attribute("lang") == lang, where
            assert html.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr"), where
            assert page.evaluate("document.documentElement.scrollWidth") <= \
                page.evaluate("document.documentElement.clientWidth"), f"{where}: scrolls sideways"
            weights[path] = weight["bytes"]
            assert weight["bytes"] <= PUBLIC_BUDGET, f"{where}: {weight['bytes']} bytes"
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate("""async () => {
                const r = await axe.run(document, {resultTypes: ['violations']});
                return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                  .map(v => v.id + ': ' + v.help + ' | ' + v.nodes.slice(0, 3).map(
                       n => n.target.join(' ')).join(' || '));
            }""")
            assert not violations, f"{where}: axe-core:\n" + "\n".join(violations)
            assert page.locator("#contact").count() == 1, where
        # The PDF and the feed answer too (downloaded, not displayed).
        pdf = page.request.get(f"/public/{lang}/reports/{report}.pdf")
        assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
        feed = page.request.get(f"/public/{lang}/reports.atom")
        assert feed.status == 200 and "<feed" in feed.text()
        assert origins == {urlsplit(world.base_url).netloc}, origins  # no third party
        print(f"public pages ({lang}, phone), bytes of first load:", weights)
    finally:
        context.close()
