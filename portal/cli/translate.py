"""`flask --app portal translate …`: extract, update and compile the catalogues (pybabel)."""

from __future__ import annotations

# Runs pybabel with a fixed argv.
import subprocess  # nosec B404
import sys
from pathlib import Path

from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parents[2]

translate_cli = AppGroup("translate", help="Extract, update and compile the catalogues.")


def _pybabel(*args: str) -> None:
    # A fixed argv: this interpreter running pybabel.
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args],  # nosec B603
                   check=True, cwd=ROOT)


@translate_cli.command("extract")
def translate_extract() -> None:
    """Extract messages into translations/messages.pot."""
    _pybabel("extract", "-F", "babel.cfg", "-k", "_l", "--add-comments=Translators:",
             "--sort-output", "--no-location", "--omit-header", "-o",
             "translations/messages.pot", ".")


@translate_cli.command("update")
def translate_update() -> None:
    """Merge the template into the ar and en catalogues."""
    _pybabel("update", "-i", "translations/messages.pot", "-d", "translations",
             "--ignore-obsolete")


@translate_cli.command("compile")
def translate_compile() -> None:
    """Compile the catalogues into .mo files."""
    _pybabel("compile", "-d", "translations")
