from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/events")

# The area's views are split by concern to keep modules near 300 lines: the list, calendar,
# event page and life cycle (routes), participation, content, and calendar files.
from . import display  # noqa: E402

bp.record_once(lambda state: display.register(state.app))

from . import routes, routes_calendar, routes_content, routes_participation  # noqa: E402,F401
