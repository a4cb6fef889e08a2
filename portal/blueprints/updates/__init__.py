from flask import Blueprint

bp = Blueprint("updates", __name__, url_prefix="/updates")

from . import routes  # noqa: E402,F401
