"""The parent side of the render sandbox: warm render processes with limits and a timeout.

Each render process (worker.py) limits its own memory and CPU before loading WeasyPrint and
gets an environment with no proxy settings, no database address and no keys: it can only
turn HTML into PDF bytes. The parent adds a wall-clock timeout (the process is killed, never
waited on forever) and replaces a process after a number of packs, after any failure, and
when its memory grew past half its limit (WeasyPrint 63's leak, B12). At most `size` packs
render at once in this process; the rest wait for a slot.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import signal

# Starts the render worker, a fixed argv.
import subprocess  # nosec B404
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .worker import is_proxy_variable, read_frame, write_frame

log = logging.getLogger("portal.briefings")
ROOT = Path(__file__).resolve().parents[3]
_ENV_KEEP = ("PATH", "LANG", "LC_ALL", "TZ", "TMPDIR")


class RenderError(RuntimeError):
    """A pack could not be rendered; `code` is one of labels.briefings.RENDER_ERRORS."""

    def __init__(self, code: str, detail: str = "", blocked: list[str] | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.blocked = blocked or []


@dataclass
class Limits:
    memory_mb: int = 1024
    cpu_seconds: int = 60
    wall_seconds: float = 90
    max_jobs: int = 25

    @classmethod
    def from_config(cls, config) -> "Limits":
        return cls(memory_mb=int(config["PACK_MEMORY_MB"]),
                   cpu_seconds=int(config["PACK_CPU_SECONDS"]),
                   wall_seconds=float(config["PACK_WALL_SECONDS"]),
                   max_jobs=int(config["PACK_WORKER_MAX_JOBS"]))


@dataclass
class RenderResult:
    pdf: bytes
    pages: int
    served: list[str]
    notdef: int
    peak_rss_kb: int
    pid: int
    extra: dict = field(default_factory=dict)


def worker_environment(environ=None) -> dict[str, str]:
    """The render process's environment: a short allow-list, never a proxy variable."""
    environ = os.environ if environ is None else environ
    env = {k: environ[k] for k in _ENV_KEEP if k in environ and not is_proxy_variable(k)}
    env.setdefault("LANG", "C.UTF-8")
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


class _Process:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.jobs = 0
        # Our own module and two integers.
        self.proc = subprocess.Popen(  # nosec B603
            [sys.executable, "-m", "portal.services.briefings.worker",
             str(limits.memory_mb), str(limits.cpu_seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=str(ROOT),
            env=worker_environment(), start_new_session=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def call(self, job: dict, on_wait: Callable[[float], None] | None = None
             ) -> tuple[dict, bytes | None]:
        timer_fired = threading.Event()

        def on_timeout() -> None:
            timer_fired.set()
            self.kill()
        timer = threading.Timer(self.limits.wall_seconds, on_timeout)
        timer.daemon = True
        timer.start()
        try:
            self.jobs += 1
            write_frame(self.proc.stdin, json.dumps(job).encode())
            if on_wait is not None:
                self._wait_readable(on_wait)
            header = read_frame(self.proc.stdout)
            answer = json.loads(header) if header is not None else None
            pdf = read_frame(self.proc.stdout) if answer and answer.get("ok") and \
                job.get("op") != "env" else None
        except (BrokenPipeError, OSError, ValueError):
            answer, pdf = None, None
        finally:
            timer.cancel()
        if answer is None or (answer.get("ok") and job.get("op") != "env" and pdf is None):
            self.kill()
            raise RenderError(self._death_cause(timer_fired.is_set()))
        return answer, pdf

    def _wait_readable(self, on_wait: Callable[[float], None]) -> None:
        """Report the elapsed time every second until the answer starts arriving."""
        started = time.monotonic()
        while not select.select([self.proc.stdout], [], [], 1.0)[0]:
            if self.proc.poll() is not None:
                return
            on_wait(time.monotonic() - started)

    def _death_cause(self, timed_out: bool) -> str:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        if timed_out:
            return "timeout"
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            return "cpu"
        return "crashed"  # typically an allocation refused by RLIMIT_AS inside native code

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.proc.kill()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def rss_kb(self) -> int:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0


class RenderPool:
    """Up to `size` warm render processes shared by the threads of this process."""

    def __init__(self, limits: Limits, size: int = 2) -> None:
        self.limits = limits
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[_Process] = []
        self._lock = threading.Lock()

    def _take(self) -> _Process:
        with self._lock:
            while self._idle:
                process = self._idle.pop()
                if process.alive():
                    return process
        return _Process(self.limits)

    def _give_back(self, process: _Process) -> None:
        worn = process.jobs >= self.limits.max_jobs or \
            process.rss_kb() > self.limits.memory_mb * 512
        if worn or not process.alive():
            process.kill()
            return
        with self._lock:
            self._idle.append(process)

    def call(self, job: dict, on_wait: Callable[[float], None] | None = None
             ) -> tuple[dict, bytes | None]:
        with self._slots:
            process = self._take()
            answer, pdf = process.call(job, on_wait)  # RenderError: the process is gone
            if answer.get("fatal"):
                process.kill()
            else:
                self._give_back(process)
            return answer, pdf

    def render(self, html: str, css: str, *, title: str, lang: str,
               on_wait: Callable[[float], None] | None = None) -> RenderResult:
        """HTML and CSS to PDF in a sandboxed process; RenderError on any failure."""
        answer, pdf = self.call({"html": html, "css": css, "title": title, "lang": lang},
                                on_wait)
        if not answer.get("ok"):
            if answer.get("blocked") or answer.get("messages"):
                log.warning("pdf_render_refused code=%s blocked=%s", answer.get("error"),
                            answer.get("blocked"))
            raise RenderError(answer.get("error", "internal"), answer.get("type", ""),
                              blocked=answer.get("blocked"))
        return RenderResult(pdf=pdf or b"", pages=int(answer["pages"]),
                            served=answer.get("served", []),
                            notdef=int(answer.get("notdef", 0)),
                            peak_rss_kb=int(answer.get("peak_rss_kb", 0)),
                            pid=int(answer.get("pid", 0)),
                            extra={"cpu_s": float(answer.get("cpu_s", 0.0))})

    def environment(self) -> dict:
        """What a render process sees of its environment (tests, SECURITY.md F3)."""
        answer, _pdf = self.call({"op": "env"})
        return answer

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for process in idle:
            process.kill()


_pools: dict[tuple, RenderPool] = {}
_pools_lock = threading.Lock()


def get_pool(config) -> RenderPool:
    """The render pool for these settings (one per process and configuration)."""
    limits = Limits.from_config(config)
    key = (limits.memory_mb, limits.cpu_seconds, limits.wall_seconds, limits.max_jobs,
           int(config["PACK_RENDER_WORKERS"]))
    with _pools_lock:
        if key not in _pools:
            _pools[key] = RenderPool(limits, size=key[-1])
        return _pools[key]


def close_pools() -> None:
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


atexit.register(close_pools)
