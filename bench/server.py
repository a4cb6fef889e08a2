"""Start and stop gunicorn for one application, on 127.0.0.1 and a free port."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from .common import BENCH, RESULTS, ROOT, VENV_BIN, children, cpu_seconds, rss_mb

IDLE_LIMIT_S = 5.0  # Gunicorn.wait_idle gives up after this long (bench.run reports it)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """One gunicorn master with the bench settings (bench/gunicorn_conf.py)."""

    def __init__(self, name: str, app: str, env: dict[str, str] | None = None,
                 probe: str = "/"):
        self.name, self.app, self.probe = name, app, probe
        self.env = dict(env or os.environ)
        self.env.setdefault("PYTHONPATH", str(ROOT))
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log_path: Path = RESULTS / "logs" / f"gunicorn-{name}.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "Gunicorn":
        self.port = free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "w")
        cmd = [str(VENV_BIN / "gunicorn"), "--config", str(BENCH / "gunicorn_conf.py"),
               "--bind", f"127.0.0.1:{self.port}", "--chdir", str(ROOT), self.app]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited; see {self.log_path}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", self.probe)
                status = conn.getresponse().status
                conn.close()
                if status < 500:
                    self._wait_workers()
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn {self.name} did not answer; see {self.log_path}")

    def _wait_workers(self) -> None:
        """Let every worker boot (they import the application) before measuring."""
        wanted = int(self.env.get("BENCH_WORKERS") or 2 * (os.cpu_count() or 1) + 1)
        deadline = time.monotonic() + 30
        while len(self.workers()) < wanted and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)

    def workers(self) -> list[int]:
        return children(self.proc.pid) if self.proc else []

    def rss(self) -> dict[str, float]:
        """Worker memory: the largest worker and the sum (MB)."""
        sizes = [rss_mb(pid) for pid in self.workers()]
        return {"max_worker_mb": round(max(sizes, default=0), 1),
                "total_mb": round(sum(sizes) + (rss_mb(self.proc.pid) if self.proc else 0), 1)}

    def cpu(self) -> dict[int, float]:
        """CPU seconds per worker (for CPU time per request over a measured run)."""
        return cpu_seconds(self.workers())

    def wait_idle(self, quiet: float = 0.06, limit: float = IDLE_LIMIT_S) -> float:
        """Wait until no worker has used CPU for `quiet` seconds (at most `limit`); returns
        the seconds waited. A client that closes a streamed download does not stop the
        worker at once: it goes on until a write fails. Measuring one request at a time
        (c=1) means waiting for that too."""
        started = time.monotonic()
        last, still_since = self.cpu(), started
        while time.monotonic() - started < limit:
            time.sleep(0.02)
            now = self.cpu()
            if now != last:
                last, still_since = now, time.monotonic()
            elif time.monotonic() - still_since >= quiet:
                break
        return time.monotonic() - started

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # gunicorn's graceful stop of master + workers
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own process group only
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
