from flask import Blueprint

bp = Blueprint("families", __name__, url_prefix="/families")

from . import routes, routes_pss, routes_records  # noqa: E402,F401
