"""The routes the bench loads, with the paths each one rotates through."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode


@dataclass
class Route:
    id: str  # B0 … B8, B8o (the anonymous probe), P1 … P3 (partner subset)
    label: str
    server: str  # "raw" | "hello" | "portal"
    paths: list[str]
    who: str | None = None  # None: no cookie; "anon": an anonymous session; or an account key
    marker: str = ""  # text the page must contain (checked once before loading)
    levels: tuple[int, ...] | None = None  # concurrency levels (None: the run's levels)
    min_seconds: float = 0  # a measured run lasts at least this long (slow routes)
    notes: list[str] = field(default_factory=list)


def _q(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def build_routes(sample: dict, *, partner: bool) -> list[Route]:
    """All routes of a run; `sample` comes from bench.sample (uids, queries, codes)."""
    routes = [
        Route("B0", "raw WSGI OK", "raw", ["/"]),
        Route("B1", "Flask /hello", "hello", ["/hello"]),
        Route("B8o", "probe page, anonymous session", "portal", ["/_bench/open"], who="anon",
              marker="probe"),
        Route("B8", "probe page, signed in (staff)", "portal", ["/_bench/signed-in"],
              who="staff", marker="probe"),
        Route("B2", "case list page 1 (staff)", "portal", ["/cases/"], who="staff",
              marker=sample["list_marker"]),
        Route("B3", "case list page 200 (staff)", "portal", [_q("/cases/", page=200)],
              who="staff", marker=sample["list_marker"]),
        Route("B4", "filtered list: status + governorate + arrest dates", "portal",
              [_q("/cases/", **f) for f in sample["filters"]], who="staff",
              marker=sample["list_marker"]),
        Route("B5", "Arabic name search", "portal",
              [_q("/cases/", q=q) for q in sample["arabic_queries"]], who="staff",
              marker=sample["list_marker"]),
        Route("B6", "Latin → Arabic cross-script search", "portal",
              [_q("/cases/", q=q) for q in sample["latin_queries"]], who="staff",
              marker=sample["list_marker"]),
        Route("B7", "case page with timeline (audited)", "portal",
              [f"/cases/{uid}" for uid in sample["uids"]], who="staff",
              marker=sample["detail_marker"]),
    ]
    if partner and sample.get("partner"):
        p = sample["partner"]
        routes += [
            Route("P1", "partner list page 1 (20k subset)", "portal", ["/cases/"],
                  who="partner", marker=sample["list_marker"]),
            Route("P2", "partner name search (20k subset)", "portal",
                  [_q("/cases/", q=q) for q in p["queries"]], who="partner",
                  marker=sample["list_marker"]),
            # A whole-subset export takes seconds: one client, long enough for a p95.
            Route("P3", "partner export CSV (20k subset)", "portal", [p["export_path"]],
                  who="partner", levels=(1,), min_seconds=30),
        ]
    return routes
