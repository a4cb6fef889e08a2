"""The public site (issue 18): what anonymous visitors see, and that nothing else leaks.

Canaries sit in every field of every kind of case (published with a full or a limited
consent, withdrawn, never consented, draft, never written up); only the fields of an active
consent may appear, in any page, chart, feed, Open Graph image or PDF, in both languages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from portal.access import load_policy

from . import public_helpers
from .conftest import post_form

pytestmark = pytest.mark.security
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def world(db, users):
    made = public_helpers.build(users["staff"], users["admin"])
    db.session.commit()
    return made


def _bodies(client, urls):
    for url in urls:
        response = client.get(url)
        yield url, response


def test_public_pages_show_only_what_consent_allows(client, world, security_report):
    hits, pages = [], 0
    forbidden = world.forbidden()
    for url, response in _bodies(client, public_helpers.public_urls(world)):
        pages += 1
        assert response.status_code in (200, 404), url
        text = response.get_data(as_text=True) if response.mimetype != "image/png" else ""
        hits += [f"{url}: {c}" for c in forbidden if c in text]
    assert hits == []
    # The consented story shows its allowed fields; the limited one only its first name.
    pub = client.get(f"/public/en/stories/{world.stories['pub'].slug}").get_data(as_text=True)
    assert "ZQPUBFIRSTNAMELATX" in pub and "ZQPUBFAMILYNAMELATX" in pub
    limited = client.get(f"/public/ar/stories/{world.stories['limited'].slug}").get_data(
        as_text=True)
    assert "ZQLIMITEDFIRSTNAMEARX" in limited and "ZQLIMITEDFAMILYNAMEARX" not in limited
    for tag in ("withdrawn", "noconsent", "draft"):
        assert client.get(f"/public/en/stories/{world.stories[tag].slug}").status_code == 404
    security_report["PUB1"] = {"pages": pages, "canary_hits": len(hits)}


def test_withdrawal_unpublishes_at_once_and_changes_the_etag(client, world, users, db):
    story_url = f"/public/en/stories/{world.stories['pub'].slug}"
    assert client.get(story_url).status_code == 200
    home = client.get("/public/en/")
    feed = client.get("/public/en/reports.atom").get_data(as_text=True)
    assert "ZQPUBFIRSTNAMELATX" in home.get_data(as_text=True) and "ZQPUBFIRSTNAMELATX" in feed
    etag = home.headers["ETag"]
    public_helpers.withdraw(world, "pub", users["admin"])
    db.session.commit()
    assert client.get(story_url).status_code == 404
    again = client.get("/public/en/", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert "ZQPUBFIRSTNAMELATX" not in again.get_data(as_text=True)
    assert "ZQPUBFIRSTNAMELATX" not in client.get("/public/en/reports.atom").get_data(as_text=True)
    for url in ("/public/en/campaigns/not-hostages", "/public/ar/reports/2026-11"):
        assert "ZQPUBFIRSTNAMEARX" not in client.get(url).get_data(as_text=True)


def test_public_pages_are_cacheable_and_answer_304(client, world):
    for url in ("/public/ar/", "/public/en/figures", "/public/ar/reports.atom",
                "/public/og/ar/figures.png", f"/public/en/stories/{world.stories['pub'].slug}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, no-cache", url
        assert response.headers["ETag"] and response.headers["Last-Modified"], url
        assert "Set-Cookie" not in response.headers, url
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert response.headers["X-Frame-Options"] == "DENY"
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b"", url
        # Only the ETag answers 304: If-Modified-Since cannot see an unlinked family.
        since = client.get(url, headers={"If-Modified-Since": response.headers["Last-Modified"]})
        assert since.status_code == 200, url


def test_signed_in_pages_stay_no_store_and_public_pages_ignore_the_session(
        client, world, users, login):
    anonymous = client.get("/public/en/").get_data()
    login(users["staff"])
    for url in ("/publishing/", "/cases/", "/account/", "/"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
    response = client.get("/public/en/")
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert "Set-Cookie" not in response.headers
    assert response.get_data() == anonymous  # the same page for everyone: nothing personal


def test_anonymous_reach_every_public_endpoint_and_no_publishing_one(client, world, users,
                                                                     login, new_client):
    policy = load_policy()
    public = sorted(ep for ep, rule in policy.items() if ep.startswith("public."))
    assert public and all(policy[ep].public for ep in public)
    assert not any(rule.public for ep, rule in policy.items() if ep.startswith("publishing."))
    for url in public_helpers.public_urls(world) + ["/public/en/reports/2026-11.pdf"]:
        response = client.get(url)
        assert response.status_code in (200, 404) and "/auth/login" not in response.headers.get(
            "Location", ""), url
    assert client.get("/public/").headers["Location"].endswith("/public/ar/")
    for url in ("/publishing/", "/publishing/stories/new", "/publishing/snapshots/1"):
        assert "/auth/login" in client.get(url).headers["Location"], url
    partner = login(users["viewer_a"], the_client=new_client())
    assert partner.get("/publishing/").status_code == 403
    response = post_form(partner, "/publishing/snapshots", page="/account/")
    assert response.status_code == 403


def test_public_rate_limit_applies(app, client, world):
    app.config["PUBLIC_LIMIT_PER_ADDRESS"] = "3 per minute"
    statuses = [client.get("/public/en/figures").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429


def test_public_blueprint_reads_only_through_the_public_gate():
    """The public pages import one reader, portal/access/public.py, and that reader imports
    no model of the register beyond the published tables and the consent."""
    def imports(path: Path) -> set[str]:
        tree = ast.parse(path.read_text())
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    found.add(f"{'.' * node.level}{node.module or ''}:{alias.name}")
            elif isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
        return found
    routes = imports(ROOT / "portal/blueprints/public/routes.py")
    assert routes <= {
        "__future__:annotations", "functools", "hashlib", "flask:abort", "flask:current_app",
        "flask:make_response", "flask:redirect", "flask:render_template", "flask:request",
        "flask:url_for", "flask_babel:force_locale", "datetime:datetime", "datetime:timezone",
        "...access:public", "...extensions:limiter", "...labels.cases:STATUS",
        "...services.public:charts", ".:bp"}, routes
    charts = imports(ROOT / "portal/services/public/charts.py")
    assert not any("models" in name or "extensions" in name or "access" in name
                   for name in charts), charts
    gate = imports(ROOT / "portal/access/public.py")
    models = {name.split(":")[1] for name in gate if name.startswith("..models:")}
    assert models == {"FamilyConsent", "Governorate", "PublicPage", "PublicSnapshot",
                      "PublicStory"}
    assert {name for name in gate if name.startswith(".")} <= {
        "..extensions:db", "..models.cases:STATUSES", ".families:publish_consent_active",
        *(f"..models:{m}" for m in models)}


def test_arabic_pages_are_arabic_and_mirrored(client, world):
    text = client.get("/public/ar/figures").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in text
    assert "الحالات حسب الوضع الراهن" in text and "أقل من" in text
    english = client.get("/public/en/figures").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english and "Cases by current status" in english
    assert "hreflang=\"ar\"" in english and 'href="/public/ar/figures"' in english
    card = client.get("/public/ar/")
    assert 'property="og:image" content="http://portal.test/public/og/ar/figures.png"' in \
        card.get_data(as_text=True)
    png = client.get("/public/og/ar/figures.png")
    assert png.mimetype == "image/png" and png.get_data()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_family_form_is_linked_when_it_exists(app, client, world):
    text = client.get("/public/ar/").get_data(as_text=True)
    assert 'id="contact"' in text and "contact@office.example" in text
    if "family_intake.form" in app.view_functions:
        from flask import url_for
        with app.test_request_context():
            assert url_for("family_intake.form") in text


def test_if_modified_since_never_outlives_an_unlinked_family(client, world, users, db):
    """A story also vanishes when its family is unlinked from the case (no timestamp moves
    forward then): a client revalidating with If-Modified-Since alone must get the new page,
    not a 304 that keeps the story in its cache."""
    from portal.models import FamilyCase
    home = client.get("/public/en/")
    assert "ZQPUBFIRSTNAMELATX" in home.get_data(as_text=True)
    since = home.headers["Last-Modified"]
    db.session.query(FamilyCase).filter_by(case_id=world.cases["pub"].id).delete()
    db.session.commit()
    again = client.get("/public/en/", headers={"If-Modified-Since": since})
    assert again.status_code == 200
    assert "ZQPUBFIRSTNAMELATX" not in again.get_data(as_text=True)


def test_public_error_pages_speak_the_address_language(app, client, world):
    """A 404 or 429 under /public/ar/ is in Arabic whatever the browser asks for (the
    language is in the address): no English sentence on it."""
    import re
    app.config["PUBLIC_LIMIT_PER_ADDRESS"] = "2 per minute"
    english = {"Accept-Language": "en"}
    pages = [client.get("/public/ar/stories/s-nothing", headers=english),
             client.get("/public/ar/no-such-page", headers=english),
             client.get("/public/og/ar/reports/none.png", headers=english)]
    for _ in range(3):
        last = client.get("/public/ar/figures", headers=english)
    pages.append(last)
    assert [p.status_code for p in pages] == [404, 404, 404, 429]
    for page in pages:
        text = re.sub(r"<[^>]+>", " ", page.get_data(as_text=True))
        assert 'lang="ar"' in page.get_data(as_text=True)
        words = set(re.findall(r"[A-Za-z]{3,}", text)) - {"English"}
        assert not words, (page.status_code, words)
    assert client.get("/public/en/stories/s-nothing").get_data(as_text=True).count(
        "Not found") >= 1


def test_a_forged_host_header_cannot_poison_the_shared_cache(app, client, world):
    """Cacheable pages carry absolute links (og:url, og:image, the feed's links). A proxy
    keys its cache on the path, not on the Host the visitor sent: with PUBLIC_SITE_URL set,
    those links come from it; without, the answer varies on Host."""
    forged = {"Host": "evil.example"}
    app.config["PUBLIC_SITE_URL"] = "https://office.example"
    for url in ("/public/ar/", "/public/en/reports.atom", "/public/en/reports/2026-11"):
        text = client.get(url, headers=forged).get_data(as_text=True)
        assert "evil.example" not in text and "https://office.example/public/" in text, url
    app.config["PUBLIC_SITE_URL"] = ""
    response = client.get("/public/en/reports.atom", headers=forged)
    assert "host" in {v.lower() for v in response.vary}


def test_access_log_keeps_no_reader_of_the_public_site():
    """Who read which story is nobody's business: the access log keeps no address, browser
    or referring page for the public site, as for the families' form."""
    from portal.gunicorn_log import forget_visitor
    atoms = {"h": "203.0.113.7", "a": "Mozilla/5.0", "f": "https://example.org/",
             "{x-forwarded-for}i": "203.0.113.7", "r": "GET /public/ar/stories/s-1 HTTP/1.1"}
    for path in ("/public/ar/stories/s-1", "/public/", "/public/og/en/figures.png"):
        assert set(forget_visitor(dict(atoms), path).values()) == {
            "-", "GET /public/ar/stories/s-1 HTTP/1.1"}, path
    assert forget_visitor(dict(atoms), "/publishing/")["h"] == "203.0.113.7"


def test_public_rate_limiter_stores_no_reader_address(app, client, world):
    """The limiter counts a keyed hash of the reader's address (as the families' form
    does), so its storage never lists who reads the public site."""
    from portal.extensions import limiter
    storage = limiter.storage
    client.get("/public/en/figures", environ_base={"REMOTE_ADDR": "198.51.100.23"})
    keys = " ".join(str(k) for k in (list(getattr(storage, "storage", {}))
                                     + list(getattr(storage, "events", {}))))
    assert "public.figures" in keys, "the limiter counted nothing"
    assert "198.51.100.23" not in keys


def test_a_consent_given_again_does_not_bring_back_the_old_story(client, world, users, db):
    """After a withdrawal, a new consent to publish is not an approval of the old text: the
    story stays off until staff approve it again (two people), under the new consent."""
    from datetime import date

    from portal.models import FamilyConsent
    from portal.services.public import publishing

    from .case_helpers import actor_of
    url = f"/public/en/stories/{world.stories['pub'].slug}"
    public_helpers.withdraw(world, "pub", users["admin"])
    old = world.consents["pub"]
    db.session.add(FamilyConsent(family_id=old.family_id, kind="publish",
                                 case_id=old.case_id, method="written",
                                 given_on=date(2026, 2, 1), recorded_by_id=users["staff"].id))
    db.session.commit()
    assert client.get(url).status_code == 404
    assert "ZQPUBFIRSTNAMELATX" not in client.get("/public/en/").get_data(as_text=True)
    story = world.stories["pub"]
    publishing.unpublish(story, actor=actor_of(users["staff"]))
    publishing.submit(story, actor=actor_of(users["staff"]))
    publishing.approve(story, actor=actor_of(users["admin"]))
    db.session.commit()
    assert client.get(url).status_code == 200
