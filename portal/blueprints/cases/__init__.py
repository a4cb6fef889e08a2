from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from . import curation, labels, records, routes, transfer  # noqa: E402,F401

bp.record_once(labels.register)
