"""B0: a bare WSGI callable answering ``OK``, the physical limit of a page under gunicorn.

Imports nothing, so a worker that gunicorn restarts (max_requests) boots at once.
"""

_OK = [b"OK"]
_HEADERS = [("Content-Type", "text/plain"), ("Content-Length", "2")]


def app(environ, start_response):
    start_response("200 OK", _HEADERS)
    return _OK
