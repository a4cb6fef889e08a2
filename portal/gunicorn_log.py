"""gunicorn's access log without the secrets some URL paths carry."""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

# Paths whose last segment is a bearer token: one-time activation links and calendar feeds.
TOKEN_PATHS = re.compile(r"^(/auth/activate/|/events/feed/)[^/]+")


def redact_path(path: str) -> str:
    return TOKEN_PATHS.sub(r"\1[token]", path or "")


# The public family form (issue 17) keeps no trace of who used it: no address, browser or
# referring page in the access log either; nor does the public site (issue 18): who read
# which story is nobody's business.
ANONYMOUS_PATHS = re.compile(r"^(/families/report|/public)(/|$|\?)")
VISITOR_ATOMS = ("h", "a", "f", "{x-forwarded-for}i", "{x-real-ip}i", "{user-agent}i",
                 "{referer}i")


def forget_visitor(atoms: dict, path: str) -> dict:
    """The log atoms of a request to the family form or the public site, without the visitor."""
    if ANONYMOUS_PATHS.match(path or ""):
        for key in VISITOR_ATOMS:
            if key in atoms:
                atoms[key] = "-"
    return atoms


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = forget_visitor(super().atoms(resp, req, environ, request_time),
                               environ.get("PATH_INFO", ""))
        for key in ("U", "r"):
            if key in atoms:
                atoms[key] = redact_path(atoms[key]) if key == "U" else re.sub(
                    r" (\S+) ", lambda m: " " + redact_path(m.group(1).split("?")[0]) + " ",
                    atoms[key])
        return atoms
