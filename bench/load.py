"""The one load client for every route: wrk (Debian package `wrk`), driven by a Lua script.

Each run is bounded in time (wrk -d) and in request count (the script stops a thread after
its share), targets only 127.0.0.1, and reports latency percentiles, throughput and how many
answers had an unexpected status (a redirect to the sign-in page counts as a failure).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from urllib.parse import urlsplit

INSTALL_HINT = "wrk is not installed: run `sudo apt-get install -y wrk` (Debian/Ubuntu)."

LUA = r"""
local paths = {%(paths)s}
local headers = {%(headers)s}
local max_per_thread = %(max_per_thread)d
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  i = id or 0
  answered = 0
  unexpected = 0
end

function request()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], headers)
end

function response(status, hdrs, body)
  answered = answered + 1
  if status ~= %(expect)d then unexpected = unexpected + 1 end
  if answered >= max_per_thread then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + (t:get("unexpected") or 0) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, ' ..
    '"p99_us": %%d, "max_us": %%d, "mean_us": %%.1f, "unexpected": %%d, ' ..
    '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, bad,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Sample:
    """One measured run of one route at one concurrency."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    rps: float
    unexpected: int
    errors: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def require_wrk() -> str:
    path = shutil.which("wrk")
    if not path:
        raise SystemExit(INSTALL_HINT)
    return path


def run_wrk(base: str, paths: list[str], *, connections: int, seconds: float,
            cookie: str | None = None, expect: int = 200, max_requests: int = 300_000,
            timeout_s: int = 10) -> Sample:
    """Drive `paths` (rotated) at `connections` for `seconds`; return the figures."""
    host = urlsplit(base).hostname
    if host != "127.0.0.1":
        raise ValueError("the bench only loads 127.0.0.1")
    threads = max(1, min(connections, 2))
    headers = {"Accept-Language": "ar"}
    if cookie:
        headers["Cookie"] = cookie
    script = LUA % {
        "paths": ", ".join(lua_string(p) for p in paths),
        "headers": ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()),
        "max_per_thread": max(1, max_requests // threads),
        "expect": expect,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    cmd = [require_wrk(), "-t", str(threads), "-c", str(connections),
           "-d", f"{max(1, round(seconds))}s", "--timeout", f"{timeout_s}s", "-s", fh.name,
           base + paths[0]]
    out = subprocess.run(cmd, text=True, capture_output=True, timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {out.stderr or out.stdout}")
    data = json.loads(line[len("WRKJSON "):])
    secs = data["duration_us"] / 1e6
    return Sample(requests=data["requests"], seconds=round(secs, 2),
                  p50_ms=data["p50_us"] / 1000, p95_ms=data["p95_us"] / 1000,
                  p99_ms=data["p99_us"] / 1000, max_ms=data["max_us"] / 1000,
                  rps=round(data["requests"] / secs, 1) if secs else 0.0,
                  unexpected=data["unexpected"], errors=sum(data["errors"].values()))
