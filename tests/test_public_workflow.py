"""The two-person publishing workflow of the public site (issue 18), through the staff
pages with CSRF on, and the monthly report's PDF (Arabic shaping: no .notdef glyph)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, PublicPage, PublicSnapshot, PublicStory
from portal.services.briefings.pdfcheck import inspect_pdf
from portal.services.public.pdf import render_report_pdf
from portal.services.public.publishing import content_digest

from . import public_helpers
from .case_helpers import make_case
from .conftest import post_form

pytestmark = pytest.mark.security


def test_figures_need_a_second_person(client, new_client, users, login, db):
    make_case(users["staff"])
    db.session.commit()
    staff = login(users["staff"])
    response = post_form(staff, "/publishing/snapshots", page="/publishing/")
    assert response.status_code == 302
    snapshot = db.session.scalars(select(PublicSnapshot)).one()
    assert snapshot.status == "pending"
    url = f"/publishing/snapshots/{snapshot.id}"
    response = post_form(staff, f"{url}/approve", page=url)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(PublicSnapshot, snapshot.id).status == "pending"
    assert "No figures are published yet." in client.get("/public/en/figures").get_data(
        as_text=True)
    admin = login(users["admin"], the_client=new_client())
    assert post_form(admin, f"{url}/approve", page=url).status_code == 302
    db.session.expire_all()
    assert db.session.get(PublicSnapshot, snapshot.id).status == "published"
    text = new_client().get("/public/en/figures").get_data(as_text=True)
    assert "fewer than 5" in text


def test_story_two_people_and_consent(new_client, users, login, db):
    world = public_helpers.build(users["staff"], users["admin"])
    db.session.commit()
    staff = login(users["staff"], the_client=new_client())
    case = world.cases["pub"]
    response = post_form(staff, "/publishing/stories/new", {
        "case": case.reference, "fields": ["first_name"], "text_ar": "نص", "text_en": "Text"})
    assert response.status_code == 302
    story = db.session.scalars(select(PublicStory).order_by(PublicStory.id.desc())).first()
    assert story.status == "draft" and story.family_name_en == "" and story.first_name_en
    step = f"/publishing/stories/{story.id}"
    assert post_form(staff, f"{step}/submit", page="/publishing/").status_code == 302
    db.session.expire_all()
    seen = {"seen": content_digest(db.session.get(PublicStory, story.id))}
    refused = post_form(staff, f"{step}/approve", seen, page="/publishing/")
    assert refused.status_code == 303
    db.session.expire_all()
    assert db.session.get(PublicStory, story.id).status == "review"
    admin = login(users["admin"], the_client=new_client())
    assert post_form(admin, f"{step}/approve", seen, page="/publishing/").status_code == 302
    db.session.expire_all()
    assert db.session.get(PublicStory, story.id).status == "published"
    anonymous = new_client()
    assert anonymous.get(f"/public/en/stories/{story.slug}").status_code == 200
    # An edit sends it back to draft: off the public site until approved again.
    post_form(staff, f"{step}/edit", {"case": case.reference, "fields": ["first_name"],
                                      "text_en": "Changed"})
    db.session.expire_all()
    assert db.session.get(PublicStory, story.id).status == "draft"
    assert anonymous.get(f"/public/en/stories/{story.slug}").status_code == 404
    # A case without a consent to publish cannot be published, whoever approves.
    post_form(staff, "/publishing/stories/new", {
        "case": world.cases["noconsent"].reference, "fields": [], "text_en": "Text"})
    other = db.session.scalars(select(PublicStory).order_by(PublicStory.id.desc())).first()
    post_form(staff, f"/publishing/stories/{other.id}/submit", page="/publishing/")
    db.session.expire_all()
    response = post_form(admin, f"/publishing/stories/{other.id}/approve",
                         {"seen": content_digest(db.session.get(PublicStory, other.id))},
                         page="/publishing/")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(PublicStory, other.id).status == "review"
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"public_story_saved", "public_story_submitted", "public_story_published"} <= actions


def test_bad_input_names_the_field_and_writes_nothing(new_client, users, login, db):
    staff = login(users["staff"], the_client=new_client())
    response = post_form(staff, "/publishing/pages/new/report", {
        "slug": "Bad Slug!", "title_ar": "", "title_en": "x" * 300, "period": "2026-13"},
        page="/publishing/pages/new/report")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "3 to 80 lowercase Latin letters" in text and "YYYY-MM" in text
    assert "This field is required." in text and "At most 200 characters." in text
    assert db.session.scalars(select(PublicPage)).all() == []
    response = post_form(staff, "/publishing/stories/new", {"case": "DO-1999-999999",
                                                             "text_en": "x"})
    assert response.status_code == 422 and "No case with this reference." in response.get_data(
        as_text=True)


def test_report_pdf_in_both_languages_without_notdef_or_canaries(client, users, db,
                                                                security_report):
    world = public_helpers.build(users["staff"], users["admin"], render_pdf=render_report_pdf,
                                 extra_cases=12)
    db.session.commit()
    forbidden = world.forbidden() + world.allowed()  # the PDF carries no story at all
    hits, fonts = [], set()
    for lang in ("ar", "en"):
        response = client.get(f"/public/{lang}/reports/2026-11.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "public, no-cache"
        facts = inspect_pdf(response.get_data())
        assert facts.notdef_fonts == set(), facts.notdef_fonts
        fonts |= facts.fonts
        hits += [c for c in forbidden if c in facts.text]
        if lang == "ar":
            assert "التقرير الشهري" in facts.text
            assert "الحالات حسب الجهة المحتجِزة" in facts.text  # a chart, shaped in Arabic
            assert "أقل من" in facts.text
        else:
            assert "Monthly report: November 2026" in facts.text
            assert "Cases by holding party" in facts.text
    assert hits == []
    security_report["PUB2"] = {"pdfs": 2, "canary_hits": len(hits), "fonts": len(fonts)}


def test_the_reviewer_approves_what_they_read(new_client, users, login, db):
    """The author cannot slip an edit past the reviewer: edited and re-submitted after the
    reviewer opened it, the item is not published by the reviewer's click on the old page."""
    import re
    world = public_helpers.build(users["staff"], users["admin"])
    db.session.commit()
    staff = login(users["staff"], the_client=new_client())
    case = world.cases["pub"]
    post_form(staff, "/publishing/stories/new", {
        "case": case.reference, "fields": ["first_name"], "text_en": "Reviewed text"})
    story = db.session.scalars(select(PublicStory).order_by(PublicStory.id.desc())).first()
    step = f"/publishing/stories/{story.id}"
    post_form(staff, f"{step}/submit", page="/publishing/")
    admin = login(users["admin"], the_client=new_client())
    page = admin.get(f"{step}/edit").get_data(as_text=True)
    seen = re.search(r'name="seen" value="([^"]+)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    # Meanwhile the author changes the text and submits again.
    post_form(staff, f"{step}/edit", {"case": case.reference, "fields": ["first_name",
                                                                          "family_name"],
                                      "text_en": "Something nobody reviewed"})
    post_form(staff, f"{step}/submit", page="/publishing/")
    response = admin.post(f"{step}/approve", data={"csrf_token": token, "seen": seen})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(PublicStory, story.id).status == "review"
    for missing in ({}, {"seen": ""}):  # an approval must name what was read
        response = admin.post(f"{step}/approve", data={"csrf_token": token, **missing})
        assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(PublicStory, story.id).status == "review"
    page = admin.get(f"{step}/edit").get_data(as_text=True)
    seen = re.search(r'name="seen" value="([^"]+)"', page).group(1)
    assert admin.post(f"{step}/approve", data={"csrf_token": token,
                                               "seen": seen}).status_code == 302
    db.session.expire_all()
    assert db.session.get(PublicStory, story.id).status == "published"


def test_two_snapshots_a_day_apart_cannot_both_be_published(clock, users, db):
    """Two published snapshots stay readable side by side (a report keeps its own, the
    figures page shows the latest): a day apart, subtracting one from the other isolates the
    one or two cases added in between. A new snapshot waits PUBLIC_SNAPSHOT_MIN_DAYS."""
    from datetime import timedelta

    from portal.services.public.figures import (
        PublishRefused,
        approve_snapshot,
        refresh_snapshot,
    )

    from .case_helpers import actor_of, make_case
    world = public_helpers.build(users["staff"], users["admin"])
    db.session.commit()
    clock.shift(timedelta(days=1))
    make_case(users["staff"], governorate_id=2, status="released")
    second = refresh_snapshot(actor=actor_of(users["staff"]), actor_user=users["staff"])
    with pytest.raises(PublishRefused) as refused:
        approve_snapshot(second, actor=actor_of(users["admin"]))
    assert refused.value.code == "too_soon" and second.status == "pending"
    clock.shift(timedelta(days=28))
    approve_snapshot(second, actor=actor_of(users["admin"]))
    assert second.status == "published" and world.snapshot.status == "published"
