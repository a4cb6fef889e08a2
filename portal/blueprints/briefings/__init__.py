from flask import Blueprint

from ...services.briefings.version import check_weasyprint_version

# Start-up check (SECURITY.md F4): the portal refuses to start with a WeasyPrint older than 69.
check_weasyprint_version()

bp = Blueprint("briefings", __name__, url_prefix="/briefings")

from . import routes  # noqa: E402,F401
