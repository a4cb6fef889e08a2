"""Families reach the office (issue 17): the public form a relative uses without an account
(/families/report, Arabic first, no JavaScript, nothing tracked) and the office's intake queue
(/intake/) where staff turn a report into a family and a case, link it, or dismiss it."""

from flask import Blueprint

bp = Blueprint("family_intake", __name__)

from . import public, queue  # noqa: E402,F401
