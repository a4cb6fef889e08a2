"""WeasyPrint version floor (SECURITY.md F4): releases before 69 have URL-fetcher bypasses."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

MINIMUM_WEASYPRINT = (69, 0)


class UnsafeWeasyPrint(RuntimeError):
    """The installed WeasyPrint is older than the floor, or missing."""


def parse_version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def check_weasyprint_version(installed: str | None = None) -> str:
    """Refuse a WeasyPrint older than 69; return the version found.

    Reads the installed distribution's metadata, so the web process can check at start-up
    without importing WeasyPrint itself (the import is slow and belongs to the render process).
    """
    if installed is None:
        try:
            installed = version("weasyprint")
        except PackageNotFoundError as exc:
            raise UnsafeWeasyPrint("WeasyPrint is not installed; briefing packs need >= 69.") from exc
    if parse_version(installed) < MINIMUM_WEASYPRINT:
        raise UnsafeWeasyPrint(f"WeasyPrint {installed} is too old for briefing packs: "
                               "69 or newer is required (earlier releases have URL-fetcher "
                               "bypasses).")
    return installed
