from flask import Blueprint

bp = Blueprint("organizations", __name__, url_prefix="/organizations")

from . import routes  # noqa: E402,F401
