"""gunicorn's access log without the secrets some URL paths carry."""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

# Paths whose last segment is a bearer token: one-time activation links and calendar feeds.
TOKEN_PATHS = re.compile(r"^(/auth/activate/|/events/feed/)[^/]+")


def redact_path(path: str) -> str:
    return TOKEN_PATHS.sub(r"\1[token]", path or "")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r"):
            if key in atoms:
                atoms[key] = redact_path(atoms[key]) if key == "U" else re.sub(
                    r" (\S+) ", lambda m: " " + redact_path(m.group(1).split("?")[0]) + " ",
                    atoms[key])
        return atoms
