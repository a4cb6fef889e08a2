"""Import (upload → dry-run report → commit) and streamed export of the register."""

from __future__ import annotations

import base64
import io
import secrets
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from ... import crypto
from ...access import list_scope, principal_of
from ...extensions import db
from ...search import filters as case_filters
from ...search.query import apply_filters
from ...services.cases import exports, imports
from ...services.cases.import_format import COLUMNS, TEMPLATE_AR
from ...web import current_actor
from . import bp
from .forms import ExportForm, ImportCommitForm, ImportForm

UPLOAD_HOURS = 12


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(mode=0o700, exist_ok=True)
    for old in path.glob("*.bin"):  # uploads are kept only until committed or stale
        if old.stat().st_mtime < time.time() - UPLOAD_HOURS * 3600:
            old.unlink(missing_ok=True)
    return path


def _stash(data: bytes, filename: str) -> str:
    """Keep an uploaded file (encrypted at rest) for the commit step; return its token."""
    token = f"{current_user.id}-{secrets.token_urlsafe(16)}"
    blob = crypto.encrypt(base64.b64encode(data).decode(), context=b"import:" + token.encode())
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    (_upload_dir() / f"{token}{suffix}.bin").write_bytes(blob)
    return token + suffix


def _unstash(token: str) -> tuple[io.BytesIO, str, Path]:
    name, _, suffix = token.rpartition(".")
    if not name.startswith(f"{current_user.id}-") or suffix not in ("csv", "xlsx") \
            or "/" in token or ".." in token:
        abort(404)
    path = _upload_dir() / f"{token}.bin"
    if not path.is_file():
        abort(404)
    data = crypto.decrypt(path.read_bytes(), context=b"import:" + name.encode())
    return io.BytesIO(base64.b64decode(data)), f"upload.{suffix}", path


@bp.route("/import", methods=["GET", "POST"])
def import_upload():
    request.max_content_length = current_app.config.get("IMPORT_MAX_BYTES", 20 * 2**20) + 65536
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        report = imports.run_import(io.BytesIO(data), filename=upload.filename or "",
                                    encoding=form.encoding.data, commit=False,
                                    actor=current_actor())
        token = _stash(data, upload.filename or "") if not report.error_count else ""
        db.session.commit()  # the audit entry of the dry run
        commit_form = ImportCommitForm(token=token, encoding=form.encoding.data)
        return render_template("cases/import_report.html", report=report,
                               commit_form=commit_form), 422 if report.error_count else 200
    return render_template("cases/import.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/import/commit", methods=["POST"])
def import_commit():
    form = ImportCommitForm()
    if not form.validate_on_submit() or form.encoding.data not in ("utf-8", "windows-1256"):
        abort(400)
    stream, filename, path = _unstash(form.token.data)
    report = imports.run_import(stream, filename=filename, encoding=form.encoding.data,
                                commit=True, actor=current_actor())
    if report.error_count or not report.committed:
        db.session.rollback()
        return render_template("cases/import_report.html", report=report,
                               commit_form=None), 422
    db.session.commit()
    path.unlink(missing_ok=True)
    flash(_("%(count)s cases were imported.", count=report.created), "success")
    return redirect(url_for("cases.index", sort="recent"))


@bp.route("/import/template.csv")
def import_template():
    arabic = request.args.get("lang") == "ar"
    headers = [TEMPLATE_AR.get(name, COLUMNS[name][-1] if arabic else name.replace("_", " "))
               if arabic else name for name in COLUMNS]
    body = "\ufeff" + ",".join(f'"{h}"' for h in headers) + "\r\n"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=case-import-template.csv"})


def _export(fmt: str):
    f, errors = case_filters.parse(request.args)
    form = ExportForm(request.args)
    if errors or not form.validate():
        abort(400)
    scope = list_scope(current_user, f)
    # Partners: each case at its own tier, the header of their highest grant (as on screen).
    tier = form.tier.data if current_user.is_office else (scope.max_tier or "summary")
    # A snapshot of the user: the stream outlives the request's database session.
    actor, principal = current_actor(), principal_of(current_user)
    started = exports.record_export(actor, fmt=fmt, tier=tier, filters=len(f.params()))
    db.session.commit()

    def cases() -> Iterator[dict]:
        # The scoped statement is built when the first case is wanted, after the header
        # row has gone out: the download starts without waiting for it.
        stmt = apply_filters(scope.cases, scope.filter, with_name=True)
        yield from exports.redacted(stmt, principal, tier, f.q, first_tiers=scope.tiers)
    # The number of cases is recorded when the stream ends (exports.audited).
    dicts = cases()
    if fmt == "csv":
        render, mimetype = partial(exports.csv_stream, tier=tier), "text/csv; charset=utf-8"
    else:
        render, mimetype = exports.json_stream, "application/json"
    body = exports.audited(render, dicts, actor, started)
    name = f"cases-{time.strftime('%Y%m%d')}.{fmt}"  # neutral: no names, no filter values
    return Response(stream_with_context(body), mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/export.csv")
def export_csv():
    return _export("csv")


@bp.route("/export.json")
def export_json():
    return _export("json")


