"""Materials: an allow-list of types, a size limit, neutral download names (SECURITY.md E6)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.models import Material

from .conftest import post_form, signed_in_csrf, table_counts
from .event_factories import make_event

PDF = b"%PDF-1.4\n% fictional agenda\n"
RLO = "\u202e"


@pytest.fixture
def app_config(app_config, tmp_path):
    app_config["EVENT_MATERIAL_MAX_BYTES"] = 2048
    app_config["EVENT_MATERIAL_DIR"] = str(tmp_path / "materials")
    return app_config


@pytest.fixture
def event(db, orgs):
    made = make_event(orgs["office"], invited=[orgs["a"]])
    db.session.commit()
    return made


def _upload(client, event, name, content, title="Agenda", **extra):
    return post_form(client, f"/events/{event.id}/materials/new", {
        "title": title, "url": "", "file": (io.BytesIO(content), name), **extra},
        content_type="multipart/form-data")


def _files(app):
    from pathlib import Path
    folder = Path(app.config["EVENT_MATERIAL_DIR"])
    return sorted(folder.iterdir()) if folder.exists() else []


def test_e6_staff_upload_is_served_with_a_neutral_name(client, new_client, app, db, users,
                                                       login, event):
    login(users["staff"])
    title = f"Agenda {RLO}fdp.exe"
    response = _upload(client, event, f"family-name-{RLO}fdp.exe.pdf", PDF, title=title)
    assert response.status_code == 302
    material = db.session.scalar(select(Material))
    assert material.extension == "pdf" and material.size == len(PDF)
    [stored] = _files(app)
    assert stored.name == material.stored_name and "family" not in stored.name
    assert stored.stat().st_mode & 0o777 == 0o600

    viewer = login(users["viewer_a"], the_client=new_client())
    page = viewer.get(f"/events/{event.id}").get_data(as_text=True)
    assert f'<bdi dir="auto">{title}</bdi>' in page
    download = viewer.get(f"/events/{event.id}/materials/{material.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=event-{event.id}-material-{material.id}.pdf"
    assert RLO not in disposition and "family" not in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("name, content, message", [
    ("agenda.pdf", PDF + b"x" * 4096, "larger than the limit"),
    ("agenda.exe", b"MZ fictional", "This type of file is not accepted"),
    ("page.html", b"<script>alert(1)</script>", "This type of file is not accepted"),
    ("image.svg", b"<svg onload=alert(1)>", "This type of file is not accepted"),
    ("agenda", PDF, "This type of file is not accepted"),
    ("fake.pdf", b"<html>not a pdf</html>", "does not match its type"),
    ("notes.txt", b"\xff\xfe\x00binary", "does not match its type"),
    ("empty.pdf", b"", "The file is empty."),
])
def test_bad_uploads_are_refused_and_nothing_is_kept(name, content, message, client, app, db,
                                                     users, login, event):
    login(users["staff"])
    before = table_counts(db)
    response = _upload(client, event, name, content)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert table_counts(db) == before
    assert _files(app) == []


def test_upload_above_the_request_limit_gets_the_413_page(client, app, db, users, login, event):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    login(users["staff"])
    response = _upload(client, event, "big.pdf", PDF + b"x" * 8192)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Material.id))) == 0


def test_file_is_removed_when_the_transaction_fails(client, app, db, users, login, event,
                                                    monkeypatch):
    from portal.services import audit
    real = audit.record

    def failing(action, *args, **kwargs):
        if action == "event_material_added":
            raise RuntimeError("audit unavailable")
        return real(action, *args, **kwargs)
    monkeypatch.setattr(audit, "record", failing)
    login(users["staff"])
    response = _upload(client, event, "agenda.pdf", PDF)
    assert response.status_code == 500
    assert _files(app) == []  # no entry, no action: and no orphan file either
    assert db.session.scalar(select(func.count(Material.id))) == 0


def test_links_must_be_http_or_https(client, db, users, login, event):
    login(users["staff"])
    before = table_counts(db)
    for url in ("javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd",
                "//evil.example", "https://"):
        response = post_form(client, f"/events/{event.id}/materials/new",
                             {"title": "Slides", "url": url})
        assert response.status_code == 422, url
        assert "starting with https:// or http://" in response.get_data(as_text=True)
    assert table_counts(db) == before
    assert post_form(client, f"/events/{event.id}/materials/new", {
        "title": "Slides", "url": "https://slides.example/deck"}).status_code == 302


def test_deleting_a_material_deletes_its_file(client, app, db, users, login, event):
    login(users["staff"])
    _upload(client, event, "agenda.pdf", PDF)
    material_id = db.session.scalar(select(Material.id))
    assert len(_files(app)) == 1
    response = client.post(f"/events/{event.id}/materials/{material_id}/delete",
                           data={"csrf_token": signed_in_csrf(client)})
    assert response.status_code == 302
    assert _files(app) == []
    assert client.get(f"/events/{event.id}/materials/{material_id}").status_code == 404


def test_invited_viewer_cannot_upload(client, db, users, login, event):
    login(users["viewer_a"])
    response = post_form(client, f"/events/{event.id}/materials/new",
                         {"title": "x", "url": "https://x.example"}, page="/account/")
    assert response.status_code == 403
