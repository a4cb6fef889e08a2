"""What every journey step checks, and keyboard-only ways to fill a form.

A `Journey` is one person in one browser context (a language, a screen size, JavaScript on
or off). `step(name)` is called on each page a person reaches: it writes a screenshot and
checks what every page must pass: the language and direction of the page, no sideways
scrolling, the weight of the page's first load (the cache is off, so every load is a first
load), and axe-core (no serious or critical violation) when JavaScript is on."""

from __future__ import annotations

from pathlib import Path

import pyotp

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
AXE = HERE / "vendor" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
PAGE_BUDGET = 150 * 1024  # bytes a page's first load may transfer, CSS, JS and fonts included
LOCALES = {"en": "en-GB", "ar": "ar-SY"}

# What a focused element shows: an outline or a ring (box-shadow); the tab stop is named.
_FOCUS_JS = """(target) => {
  const el = document.activeElement;
  if (!el || el === document.body) return {isTarget: false, visible: true, what: 'body'};
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const ring = s.boxShadow && s.boxShadow !== 'none';
  const r = el.getBoundingClientRect();
  return {isTarget: el === target, visible: (outline || ring) && r.width > 0 && r.height > 0,
          what: el.tagName + ' ' + (el.getAttribute('name') || el.id || el.textContent.trim().slice(0, 40))};
}"""


class Journey:
    def __init__(self, browser, world, run, journey: str, *, js: bool = True,
                 keyboard: bool = False):
        self.world, self.run, self.journey, self.js = world, run, journey, js
        self.keyboard = keyboard  # every action with the keyboard alone
        self.lang = run.lang
        self.context = browser.new_context(
            base_url=world.base_url, viewport=PHONE if run.phone else DESKTOP,
            locale=LOCALES[run.lang], java_script_enabled=js, accept_downloads=True,
            bypass_csp=True,  # only so that axe-core can be injected; the portal sends its CSP
            has_touch=run.phone, is_mobile=run.phone)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self._bytes = 0
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.on("Network.loadingFinished", self._count)
        self.steps: list[str] = []
        self.weights: dict[str, int] = {}

    def _count(self, event) -> None:
        self._bytes += int(event.get("encodedDataLength", 0))

    def close(self) -> None:
        self.context.close()

    # --- navigation ----------------------------------------------------------------------

    def goto(self, path: str, name: str):
        self._bytes = 0
        self.page.goto(path)
        return self.step(name)

    def step(self, name: str):
        """The page a person has just reached: screenshot and the checks of every page."""
        page = self.page
        page.wait_for_load_state("load")
        self.steps.append(name)
        SCREENSHOTS.mkdir(exist_ok=True)
        shot = f"{self.journey}-{self.run.name}{'' if self.js else '-nojs'}-{len(self.steps):02d}-{name}.png"
        page.screenshot(path=str(SCREENSHOTS / shot), full_page=True)
        where = f"{self.journey} {self.run.name} step {name} ({page.url})"
        html = page.locator("html")
        assert html.get_attribute("lang") == self.lang, where
        assert html.get_attribute("dir") == ("rtl" if self.lang == "ar" else "ltr"), where
        assert page.evaluate("document.documentElement.scrollWidth") <= \
            page.evaluate("document.documentElement.clientWidth"), f"{where}: scrolls sideways"
        # Fonts load on use: wait for them so that they count in the page's weight.
        page.evaluate("document.fonts ? document.fonts.ready.then(() => true) : true")
        page.wait_for_load_state("networkidle")
        self.weights[name] = self._bytes
        assert self._bytes <= PAGE_BUDGET, \
            f"{where}: first load transferred {self._bytes} bytes (budget {PAGE_BUDGET})"
        if self.js:
            self.check_axe(where)
        self._bytes = 0
        return page

    def check_axe(self, where: str) -> None:
        page = self.page
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' | ' +
                   v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 160)).join(' || '));
        }""")
        assert not result, f"{where}: axe-core:\n" + "\n".join(result)

    # --- keyboard only ---------------------------------------------------------------------

    def tab_to(self, locator, *, max_tabs: int = 200) -> None:
        """Press Tab until `locator` has the focus; every stop on the way must show it."""
        target = locator.element_handle()
        for _ in range(max_tabs):
            self.page.keyboard.press("Tab")
            state = self.page.evaluate(_FOCUS_JS, target)
            assert state["visible"], f"focus is not visible on {state['what']} ({self.page.url})"
            if state["isTarget"]:
                return
        raise AssertionError(f"Tab never reached {locator} ({self.page.url})")

    def key_type(self, locator, text: str) -> None:
        self.tab_to(locator)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)

    def key_select(self, locator, value: str) -> None:
        """Choose the option `value` with the arrow keys."""
        self.tab_to(locator)
        count = locator.locator("option").count()
        self.page.keyboard.press("Home")
        for _ in range(count):
            if locator.evaluate("s => s.value") == value:
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"no option {value!r} in {locator}")

    def key_date(self, locator, iso: str) -> None:
        """Type a date into <input type=date> segment by segment. The order of the segments
        follows the browser's own locale, so each order is tried until the value is right."""
        year, month, day = iso.split("-")
        parts = {"year": year, "month": month, "day": day}
        for order in (("month", "day", "year"), ("day", "month", "year"),
                      ("year", "month", "day")):
            self.tab_to(locator)
            for part in order:
                self.page.keyboard.type(parts[part])
            if locator.input_value() == iso:
                return
            locator.evaluate("e => { e.value = ''; e.blur(); }")  # then try the next order
        raise AssertionError(f"could not type {iso} into {locator}")

    def key_time(self, locator, hhmm: str) -> None:
        """Type a time into <input type=time>: hours, minutes and, where the locale shows a
        12-hour clock, the AM/PM segment stepped with the arrow keys until the value is right."""
        hours, minutes = hhmm.split(":")
        self.tab_to(locator)
        self.page.keyboard.type(hours)
        self.page.keyboard.type(minutes)
        for _ in range(3):
            if locator.input_value() == hhmm:
                return
            self.page.keyboard.press("ArrowUp")
        raise AssertionError(f"could not type {hhmm} into {locator}: {locator.input_value()!r}")

    # --- the same actions, with the keyboard or with the pointer ------------------------------

    def fill(self, selector: str, text: str) -> None:
        loc = self.page.locator(selector)
        if not self.keyboard:
            loc.fill(text)
        elif loc.get_attribute("type") == "date":
            self.key_date(loc, text)
        elif loc.get_attribute("type") == "time":
            self.key_time(loc, text)
        else:
            self.key_type(loc, text)

    def choose(self, selector: str, value: str | None = None, *, label: str | None = None):
        loc = self.page.locator(selector)
        if value is None:
            value = loc.locator("option", has_text=label).first.get_attribute("value")
        if self.keyboard:
            self.key_select(loc, value)
        else:
            loc.select_option(value)

    def tick(self, selector: str) -> None:
        loc = self.page.locator(selector)
        if self.keyboard:
            self.key_check(loc)
        else:
            loc.check()

    def pick(self, group: str, value: str) -> None:
        """Choose a radio button of the group named `group`. By keyboard: Tab reaches the
        group (its checked button, or the first), the arrow keys move the choice."""
        target = self.page.locator(f"input[type=radio][name={group}][value={value}]")
        if not self.keyboard:
            target.tap() if self.run.phone else target.check()
            assert target.is_checked()
            return
        radios = self.page.locator(f"input[type=radio][name={group}]")
        checked = self.page.locator(f"input[type=radio][name={group}]:checked")
        self.tab_to(checked if checked.count() else radios.first)
        for _ in range(radios.count()):
            if target.is_checked():
                return
            self.page.keyboard.press("ArrowDown")
        assert target.is_checked(), f"the arrow keys never chose {value} in {group}"

    def download(self, locator) -> bytes:
        """Follow a download link or button; the file's bytes."""
        with self.page.expect_download() as download:
            if self.keyboard:
                self.tab_to(locator)
                self.page.keyboard.press("Enter")
            elif self.run.phone:
                locator.tap()
            else:
                locator.click()
        return Path(download.value.path()).read_bytes()

    def go(self, locator, name: str):
        """Follow a link or press a button, and check the page it leads to."""
        return self.key_press(locator, name) if self.keyboard else self.click(locator, name)

    def key_check(self, locator) -> None:
        self.tab_to(locator)
        self.page.keyboard.press("Space")
        assert locator.is_checked()

    def key_press(self, locator, name: str):
        """Activate a link or button with Enter and name the page it leads to."""
        self.tab_to(locator)
        self._bytes = 0
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        return self.step(name)

    # --- pointer (touch on phones) ---------------------------------------------------------

    def click(self, locator, name: str):
        self._bytes = 0
        with self.page.expect_navigation():
            if self.run.phone:
                locator.tap()
            else:
                locator.click()
        return self.step(name)

    # --- signing in ---------------------------------------------------------------------

    def totp(self, email: str) -> str:
        return pyotp.TOTP(self.world.secrets[email]).now()

    def sign_in(self, email: str):
        from ..factories import PASSWORD
        page = self.goto("/auth/login", "sign-in")
        self.fill("input[name=email]", email)
        self.fill("input[name=password]", PASSWORD)
        self.fill("input[name=code]", self.totp(email))
        return self.go(page.locator("main form button[type=submit]"), "signed-in")


def text_order(page, selector: str) -> tuple[float, float]:
    """The x of the first and of the last character of an element's text, as drawn."""
    return tuple(page.eval_on_selector(selector, """el => {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        let first = null, last = null, n;
        while ((n = walker.nextNode())) { if (n.textContent.trim()) { if (!first) first = n; last = n; } }
        const at = (node, i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                                  const b = r.getBoundingClientRect(); return b.left + b.width / 2; };
        const s = first.textContent, e = last.textContent;
        return [at(first, s.search(/\\S/)), at(last, e.length - 1 - e.split('').reverse().join('').search(/\\S/))];
    }"""))


def box(locator) -> dict:
    b = locator.bounding_box()
    assert b, f"{locator} is not drawn"
    return b


def assert_label_mirrored(page, lang: str, field_selector: str) -> None:
    """A form label sits at the start edge of its field: the right in Arabic, the left in
    English."""
    label = page.eval_on_selector(f"label[for='{field_selector}']", """el => {
        const r = document.createRange(); r.selectNodeContents(el);
        const b = r.getBoundingClientRect(); return {x: b.left, width: b.width}; }""")
    field = box(page.locator(f"#{field_selector}"))
    if lang == "ar":
        assert abs((label["x"] + label["width"]) - (field["x"] + field["width"])) <= 4, (label, field)
        assert label["x"] > field["x"] + 20
    else:
        assert abs(label["x"] - field["x"]) <= 4, (label, field)


def assert_keeps_latin_order(page, selector: str) -> None:
    """A Latin token (an e-mail, a reference, a number) reads left to right in either
    language."""
    first, last = text_order(page, selector)
    assert first < last, f"{selector} is drawn reversed"


def assert_keeps_arabic_order(page, selector: str) -> None:
    first, last = text_order(page, selector)
    assert first > last, f"{selector} is drawn reversed"


def assert_row_mirrored(lang: str, first, second) -> None:
    """Two items of a row (nav links, table columns, weekdays) in reading order."""
    a, b = box(first), box(second)
    if lang == "ar":
        assert a["x"] > b["x"], f"not mirrored: {a} / {b}"
    else:
        assert a["x"] < b["x"], f"mirrored in English: {a} / {b}"
