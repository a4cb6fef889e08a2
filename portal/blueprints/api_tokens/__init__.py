from flask import Blueprint

bp = Blueprint("api_tokens", __name__, url_prefix="/api-access")

from . import routes  # noqa: E402,F401
