"""Briefing packs through the web and the CLI: generate, progress, download, verify, expire.

Most tests replace data.pack_cases/pack_events by fictional CONTRACT.md dicts
(tests/briefing_data.py), keyed by the recipient organisation; tests/test_sharing_packs.py
builds packs from the real register and share grants.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader
from sqlalchemy import select

from portal.access import load_policy
from portal.extensions import db as _db
from portal.models import AuditEvent, BriefingPack
from portal.services.briefings import data, jobs, packs

from . import briefing_data as bd
from .conftest import post_form

ALL_SECTIONS = ["summary", "table", "cases", "events", "contacts"]


@pytest.fixture
def shared(monkeypatch, orgs):
    """What each organisation may see: A three detailed cases, B one summary case."""
    visible = {orgs["a"].id: [bd.case_at("detailed", n) for n in (1, 2, 3)],
               orgs["b"].id: [bd.case_at("summary", 9)]}

    def pack_cases(recipient, selection):
        cases = visible.get(recipient.id, [])
        if selection.mode == "references":
            cases = [c for c in cases if c["reference"] in selection.references]
        return [dict(c) for c in cases]
    monkeypatch.setattr(data, "pack_cases", pack_cases)
    monkeypatch.setattr(data, "pack_events", lambda recipient: [bd.EVENT])
    yield visible
    wait_for_jobs()


def wait_for_jobs() -> None:
    """Let the background packs finish. The test's own session is released first: on SQLite a
    transaction holds the write lock from its start, and the job thread needs it."""
    _db.session.commit()
    jobs.wait_for_background()


def generate(client, orgs, *, lang="en", recipient="a", **extra):
    form = {"language": lang, "mode": "all", "sections": ALL_SECTIONS, "covering_note": ""}
    if recipient:
        form["recipient"] = str(orgs[recipient].id)
    form.update(extra)
    return post_form(client, "/briefings/new", form)


def latest_pack() -> BriefingPack:
    _db.session.expire_all()
    return _db.session.scalars(select(BriefingPack).order_by(BriefingPack.id.desc())).first()


def actions() -> list[str]:
    return list(_db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_staff_can_generate_and_download_a_pack_for_a_partner(client, users, orgs, login,
                                                               shared, lang):
    login(users["staff"])
    response = generate(client, orgs, lang=lang)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    pack = latest_pack()
    assert (pack.status, pack.organization_id, pack.language) == ("done", orgs["a"].id, lang)
    assert pack.case_count == 3 and pack.page_count >= 3 and len(pack.checksum) == 64
    page = client.get(f"/briefings/{pack.document_id}").get_data(as_text=True)
    assert f"/briefings/{pack.document_id}/download" in page
    download = client.get(f"/briefings/{pack.document_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == \
        f"attachment; filename={pack.download_name}"
    assert download.headers["Cache-Control"] == "no-store"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(download.data)).pages)
    assert pack.document_id in text and "Salma Al-Khatib" in text
    assert users["staff"].name not in text and users["staff"].email not in text
    assert {"pack_requested", "pack_generated", "pack_download"} <= set(actions())


def test_partner_manager_can_generate_only_for_its_own_organisation(client, users, orgs,
                                                                     login, shared):
    """A6: a recipient field posted by a partner is ignored."""
    login(users["manager_a"])
    assert 'name="recipient"' not in client.get("/briefings/new").get_data(as_text=True)
    response = generate(client, orgs, recipient="b")
    assert response.status_code == 302
    assert latest_pack().organization_id == orgs["a"].id


def test_partner_viewer_cannot_generate_but_can_download_its_packs(client, users, orgs,
                                                                    login, shared, new_client):
    staff = login(users["staff"], the_client=new_client())
    generate(staff, orgs)
    pack = latest_pack()
    login(users["viewer_a"])
    assert client.get("/briefings/new").status_code == 403
    assert pack.document_id in client.get("/briefings/").get_data(as_text=True)
    assert client.get(f"/briefings/{pack.document_id}/download").status_code == 200


@pytest.mark.security
def test_partner_cannot_reach_another_organisations_pack(client, users, orgs, login, shared,
                                                         new_client):
    """A3: B's viewer gets the same 404 for A's pack as for a pack that does not exist."""
    staff = login(users["staff"], the_client=new_client())
    generate(staff, orgs)
    pack = latest_pack()
    login(users["viewer_b"])
    assert pack.document_id not in client.get("/briefings/").get_data(as_text=True)
    for suffix in ("", "/progress", "/download"):
        assert client.get(f"/briefings/{pack.document_id}{suffix}").status_code == 404
        assert client.get(f"/briefings/0000-0000-0000-0000{suffix}").status_code == 404


@pytest.mark.security
def test_download_is_refused_when_its_audit_entry_cannot_be_written(client, users, orgs,
                                                                    login, shared, monkeypatch):
    """G3: no audit entry, no download."""
    login(users["staff"])
    generate(client, orgs)
    pack = latest_pack()
    real = packs.audit.record

    def failing(action, *args, **kw):
        if action == "pack_download":
            raise RuntimeError("audit store unavailable")
        return real(action, *args, **kw)
    monkeypatch.setattr(packs.audit, "record", failing)
    response = client.get(f"/briefings/{pack.document_id}/download")
    assert response.status_code == 500 and response.mimetype != "application/pdf"


@pytest.mark.security
def test_pack_is_not_served_after_the_recipients_access_changed(client, users, orgs, login,
                                                                shared):
    """A7: once a case is no longer shared (or its tier changed), the pack is refused."""
    login(users["staff"])
    generate(client, orgs)
    pack = latest_pack()
    shared[orgs["a"].id].pop()
    response = client.get(f"/briefings/{pack.document_id}/download")
    assert response.status_code == 410 and response.mimetype != "application/pdf"
    last = _db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (last.action, last.outcome) == ("pack_download", "denied")


@pytest.mark.security
def test_user_cannot_exceed_one_concurrent_or_ten_hourly_packs(client, users, orgs, login,
                                                               shared, app):
    """I4 / §4.7: one pack at a time per user, ten per hour."""
    login(users["staff"])
    queued = BriefingPack(created_by_id=users["staff"].id, organization_id=orgs["a"].id,
                          language="en", expires_at=packs.utcnow() + timedelta(days=1))
    _db.session.add(queued)
    _db.session.commit()
    response = generate(client, orgs)
    assert response.status_code == 429 and "already have a pack" in response.get_data(as_text=True)
    queued.status = "done"
    for _ in range(app.config["PACK_MAX_PER_HOUR"] - 1):
        _db.session.add(BriefingPack(created_by_id=users["staff"].id, status="done",
                                     organization_id=orgs["a"].id, language="en",
                                     expires_at=packs.utcnow() + timedelta(days=1)))
    _db.session.commit()
    response = generate(client, orgs)
    assert response.status_code == 429 and "most packs allowed" in response.get_data(as_text=True)


def test_large_pack_is_generated_in_the_background_with_progress(client, users, orgs, login,
                                                                 shared, app, monkeypatch):
    app.config["PACK_SYNC_MAX_CASES"] = 2
    seen: list[int] = []
    real = jobs._committing_progress

    def spy(pack):
        report = real(pack)
        return lambda pct: (seen.append(pct), report(pct))
    monkeypatch.setattr(jobs, "_committing_progress", spy)
    login(users["staff"])
    response = generate(client, orgs)
    pack = latest_pack()
    assert response.headers["Location"].endswith(f"/briefings/{pack.document_id}")
    page = client.get(f"/briefings/{pack.document_id}").get_data(as_text=True)
    assert re.search(r'<script src="/static/js/briefings\.[0-9a-f]{12}\.js"', page)
    assert "<script>" not in page
    wait_for_jobs()
    state = client.get(f"/briefings/{pack.document_id}/progress").get_json()
    assert state == {"status": "done", "progress": 100, "finished": True}
    assert seen[0] == 5 and seen[-1] == 100 and seen == sorted(seen)


def test_background_failure_is_reported_cleanly(client, users, orgs, login, shared, app,
                                                monkeypatch):
    app.config["PACK_SYNC_MAX_CASES"] = 0

    def too_slow(self, *args, **kwargs):
        raise packs.RenderError("timeout")
    monkeypatch.setattr(packs.get_pool(app.config).__class__, "render", too_slow)
    login(users["staff"])
    generate(client, orgs)
    wait_for_jobs()
    pack = latest_pack()
    assert (pack.status, pack.error) == ("failed", "timeout")
    page = client.get(f"/briefings/{pack.document_id}").get_data(as_text=True)
    assert "took too long" in page
    assert client.get(f"/briefings/{pack.document_id}/download").status_code == 404
    assert "pack_failed" in actions()


def test_pack_for_an_organisation_without_shared_cases_fails_clearly(client, users, orgs,
                                                                      login):
    """The register is wired (services/briefings/data.py): nothing shared, nothing to pack."""
    login(users["staff"])
    response = generate(client, orgs)
    assert response.status_code == 422
    assert "No cases match this selection" in response.get_data(as_text=True)
    assert latest_pack().error == "empty"


def test_expiry_removes_files_and_keeps_the_record(client, users, orgs, login, shared, runner,
                                                  clock, app):
    login(users["staff"])
    generate(client, orgs)
    pack = latest_pack()
    path = packs.pack_dir() / pack.file_name
    assert path.is_file()
    clock.shift((app.config["PACK_RETENTION_DAYS"] + 1) * 86400)
    result = runner.invoke(args=["briefings", "expire"])
    assert "Expired 1 packs." in result.output
    assert not path.exists()
    assert latest_pack().status == "expired"
    login(users["staff"])
    assert client.get(f"/briefings/{pack.document_id}/download").status_code == 404


def test_staff_can_verify_a_document_id_read_from_a_page(client, users, orgs, login, shared):
    login(users["staff"])
    generate(client, orgs)
    pack = latest_pack()
    typed = pack.document_id.lower().replace("-", " ")
    page = post_form(client, "/briefings/verify", {"document_id": typed}).get_data(as_text=True)
    assert "belongs to a pack of the office" in page and pack.checksum in page
    page = post_form(client, "/briefings/verify",
                     {"document_id": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}).get_data(as_text=True)
    assert "No pack has this document id" in page


def test_partner_cannot_use_the_verify_page(client, users, login):
    login(users["manager_a"])
    assert client.get("/briefings/verify").status_code == 403


def test_references_are_validated_naming_the_line(client, users, orgs, login, shared):
    login(users["staff"])
    response = generate(client, orgs, mode="references",
                        references="DO-2025-000001\nnot a reference")
    assert response.status_code == 422 and "Line 2" in response.get_data(as_text=True)
    response = generate(client, orgs, mode="references", references="do-2025-000002")
    assert response.status_code == 302 and latest_pack().case_count == 1


@pytest.mark.security
def test_e6_download_name_is_neutral_whatever_the_organisation_is_called(
        client, users, orgs, login, shared):
    """E6: the file name is server-made; no organisation name, no bidi control."""
    orgs["a"].name_en = "Evil\u202eFDP.exe"
    _db.session.commit()
    login(users["staff"])
    generate(client, orgs)
    pack = latest_pack()
    header = client.get(f"/briefings/{pack.document_id}/download").headers["Content-Disposition"]
    assert re.fullmatch(r"attachment; filename=briefing-[0-9A-Z]{4}(-[0-9A-Z]{4}){3}\.pdf", header)


@pytest.mark.security
def test_f1_injected_template_fragment_fails_loudly(client, users, orgs, login, shared, app):
    """F1: a developer mistake (a fragment loading a URL) stops the render: an error page,
    a malicious_pdf_fetch security event, no request to the network, no file."""
    fragment = ('<img src="http://127.0.0.1:9/x"><link rel="attachment" '
                'href="file:///etc/passwd"><p>injected</p>')
    app.jinja_loader = ChoiceLoader([DictLoader({"briefings/pdf/_contacts.html": fragment}),
                                     app.jinja_loader])
    app.jinja_env.cache.clear() if app.jinja_env.cache else None
    app.jinja_env.loader = app.create_global_jinja_loader()
    login(users["staff"])
    response = generate(client, orgs)
    assert response.status_code == 500
    assert "not allowed" in response.get_data(as_text=True)
    pack = latest_pack()
    assert (pack.status, pack.error, pack.file_name) == ("failed", "asset", "")
    assert "malicious_pdf_fetch" in actions()


def test_every_briefings_endpoint_is_classified():
    from portal import create_app  # noqa: F401  (the app fixture registered the blueprint)
    rules = load_policy()
    for name in ("index", "create", "verify", "detail", "progress", "download"):
        assert f"briefings.{name}" in rules


def test_cli_renders_a_fictional_sample_pack(runner, orgs, tmp_path):
    out = tmp_path / "sample.pdf"
    result = runner.invoke(args=["briefings", "render", "--org", str(orgs["a"].id), "--lang",
                                 "ar", "--out", str(out), "--sample", "4"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "4 cases" in result.output
    assert _db.session.scalar(select(BriefingPack)) is None  # samples are not recorded


def test_cli_render_reports_an_organisation_without_shared_cases(runner, orgs, tmp_path):
    result = runner.invoke(args=["briefings", "render", "--org", str(orgs["a"].id), "--lang",
                                 "en", "--out", str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "No cases match" in result.output


def test_pack_events_are_the_recipients_own_upcoming_joint_events(app, db, users, orgs, clock):
    """The events section shows what the recipient's accounts see: events it is invited to,
    never another organisation's or a proposal, and nothing already over."""
    from datetime import datetime, timedelta, timezone

    from portal.services.briefings.data import pack_events

    from .event_factories import make_event
    soon = datetime.now(timezone.utc) + timedelta(days=10)
    joint = make_event(orgs["office"], invited=[orgs["a"]], title="Joint workshop",
                       starts_at=soon)
    make_event(orgs["office"], invited=[orgs["b"]], title="Only for B", starts_at=soon)
    make_event(orgs["a"], status="proposed", title="A proposal", starts_at=soon,
               proposed_by=orgs["a"])
    make_event(orgs["office"], invited=[orgs["a"]], title="Long past",
               starts_at=soon - timedelta(days=60))
    db.session.commit()
    events = pack_events(orgs["a"])
    assert [e["title_en"] for e in events] == ["Joint workshop"]
    assert events[0]["timezone"] == joint.timezone and events[0]["status"] == "scheduled"
    assert set(events[0]) >= {"title_ar", "starts_at", "ends_at", "venue", "online", "organiser"}
