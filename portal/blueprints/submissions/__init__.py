from flask import Blueprint

bp = Blueprint("submissions", __name__, url_prefix="/submissions")

from . import review, routes  # noqa: E402,F401
