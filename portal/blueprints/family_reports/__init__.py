"""Reports on support to families and PSS attendance (issue 17): office roles only,
aggregates with small cells suppressed, CSV export (audited)."""

from flask import Blueprint

bp = Blueprint("family_reports", __name__, url_prefix="/reports/families")

from . import routes  # noqa: E402,F401
