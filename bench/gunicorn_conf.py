"""gunicorn settings for the bench: the portal's gunicorn.conf.py (its hooks too), without the
access log.

Sync workers, 2 x cores + 1 of them (BENCH_WORKERS overrides); the bind address comes from
the command line (always 127.0.0.1 and a free port).
"""

import os
import runpy
from pathlib import Path
from types import ModuleType

_portal = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
globals().update({k: v for k, v in _portal.items()
                  if not k.startswith("_") and not isinstance(v, ModuleType)})  # hooks too

accesslog = None  # the only change from the portal's settings
workers = int(os.environ.get("BENCH_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
worker_class = "sync"
