"""gunicorn settings for the portal (`make run`, and a starting point for production)."""

import gc
import sys

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

# The application is loaded once, in the master, and each worker is a fork of it: a worker
# that max_requests retires is replaced at once, where loading the application again took
# about a second of CPU (sharing the cores with the requests being served; measured by
# `python -m bench.partner_queries`), and the workers
# share the loaded code's memory. Connections opened before a fork are never shared
# (post_fork below, portal/database.py).
preload_app = True

# The collector's full passes walk every object a worker keeps: the loaded application and the
# caches its first requests fill (compiled SQL, templates, name keys). Each such pass took
# about 100 ms, on whichever request set it off: one in 1,000 partner searches, more often on
# pages that load more objects (`python -m bench.partner_queries --db postgres --reps 10`). What is alive before each fork, and in a worker
# after its first requests, is frozen (gc.freeze): later passes leave it out and walk only
# what requests make, and a worker's passes do not write to the memory it shares with the
# master. Garbage in cycles is collected first; what becomes garbage in a cycle after a
# freeze stays until max_requests retires the worker.
GC_FREEZE_AFTER = 200  # requests: by then the caches of the common pages are filled


def _freeze() -> None:
    gc.collect()
    gc.freeze()


def pre_fork(server, worker):
    _freeze()


def post_fork(server, worker):
    database = sys.modules.get("portal.database")  # loaded only if the master loaded the portal
    if database is not None:
        database.after_fork(server.app.wsgi())


def post_worker_init(worker):
    _freeze()  # without preload_app, what loading the application made


def post_request(worker, req, environ, resp):
    if worker.nr == GC_FREEZE_AFTER:
        _freeze()
