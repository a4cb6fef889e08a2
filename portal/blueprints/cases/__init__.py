from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from . import curation, filters, records, routes, transfer  # noqa: E402,F401

bp.record_once(filters.register)
