"""The partner API v1 (issue 16): bearer tokens only, JSON in and out, problem details."""

from flask import Blueprint

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

from . import auth, routes, submissions  # noqa: E402,F401
