"""gunicorn settings for the portal (`make run`, and a starting point for production)."""

import gunicorn

# No version banner in the Server header (SECURITY.md I3).
gunicorn.SERVER = "portal"
gunicorn.SERVER_SOFTWARE = "portal"

worker_class = "sync"
timeout = 60
graceful_timeout = 30
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
# The access log carries no query strings (search terms and names never reach a log file)
# and no bearer tokens in paths (activation links, calendar feeds): see portal/gunicorn_log.py.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss'
logger_class = "portal.gunicorn_log.RedactingLogger"
forwarded_allow_ips = "127.0.0.1"
