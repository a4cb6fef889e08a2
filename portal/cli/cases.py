"""`flask --app portal cases …`: generate synthetic cases, import a spreadsheet, rebuild the
search index. Each command calls a service, commits and echoes a result."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

from ..extensions import db
from ..services.audit import Actor

cases_cli = AppGroup("cases", help="The case register.")


@cases_cli.command("generate")
@click.option("--count", type=click.IntRange(1, 2_000_000), required=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--labelled", "labelled_path", type=click.Path(dir_okay=False),
              help="Write the labelled search-quality set (JSON) to this file.")
@click.option("--labelled-size", type=click.IntRange(1, 5000), default=500, show_default=True)
def generate(count: int, seed: int, labelled_path: str | None, labelled_size: int) -> None:
    """Create COUNT deterministic synthetic cases (fictional names) for demos and benchmarks."""
    from ..services.cases.generate import generate_cases
    started = time.monotonic()
    report = generate_cases(count, seed, actor=Actor.system(), labelled_path=labelled_path,
                            labelled_size=labelled_size)
    db.session.commit()
    click.echo(f"Generated {report.count} cases with {report.timeline} timeline entries "
               f"(seed {seed}) in {time.monotonic() - started:.1f} s.")
    if labelled_path:
        click.echo(f"Labelled search set written to {labelled_path}.")


@cases_cli.command("reindex")
def reindex() -> None:
    """Rebuild the name-search index from the normalised columns."""
    from ..services.cases.search_index import rebuild_index
    started = time.monotonic()
    rebuild_index()
    db.session.commit()
    click.echo(f"Search index rebuilt in {time.monotonic() - started:.1f} s.")


@cases_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@click.option("--encoding", type=click.Choice(["utf-8", "windows-1256"]), default="utf-8",
              show_default=True, help="Encoding of a CSV file (UTF-8 with or without BOM).")
def import_file(path: str, dry_run: bool, encoding: str) -> None:
    """Import cases from a CSV or XLSX file: all rows or none."""
    from flask_babel import force_locale

    from ..services.cases import imports
    with open(path, "rb") as fh:
        report = imports.run_import(fh, filename=path, encoding=encoding, commit=not dry_run,
                                    actor=Actor.system())
    db.session.commit()  # the audit entry (and, when committing, the rows)
    with force_locale("en"):
        for line in imports.report_lines(report):
            click.echo(line)
    if report.errors:
        sys.exit(1)
