"""What's new for a partner since their previous sign-in."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from ...access import effective_tiers, redact
from ...extensions import db
from ...services.sharing import whats_new
from . import bp

PER_PAGE = 50


@bp.route("/")
def index():
    since = current_user.previous_sign_in_at
    if since is None:  # the first sign-in: everything shared is new
        return render_template("updates/index.html", since=None, page=None, rows=[])
    page = db.paginate(whats_new.changed_cases(current_user, since),
                       page=max(1, request.args.get("page", 1, type=int) or 1),
                       per_page=PER_PAGE, error_out=False)
    cases = list(page.items)
    kinds = whats_new.what_changed(current_user, cases, since)
    tiers = effective_tiers(current_user, cases)  # one query for the page
    rows = [(redact(c, "summary"), whats_new.labels_for(kinds[c.id], tiers[c.id]))
            for c in cases if c.id in tiers]
    return render_template("updates/index.html", since=since, page=page, rows=rows)
