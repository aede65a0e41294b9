"""`flask --app app retention run`: the retention job's command line (the logic is elsewhere)."""

from __future__ import annotations

import click
from flask import Blueprint

from chatkit_bff.retention.job import RetentionBusy, RetentionOptions, RunReport

from ._context import services

bp = Blueprint("retention", __name__, cli_group="retention")


@bp.cli.command("run")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="Delete at most N threads in this run; the next run continues from there.",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0.1, max=100.0),
    default=5.0,
    show_default=True,
    help="Upstream calls per second (a 429 slows the run down further).",
)
def run(dry_run: bool, limit: int | None, rate: float) -> None:
    """Delete conversations older than their owner's retention_days."""
    options = RetentionOptions(dry_run=dry_run, limit=limit, requests_per_second=rate)
    try:
        report = services().retention.run(options)
    except RetentionBusy as exc:
        raise click.ClickException(str(exc)) from None
    _print(report)
    if report.problem is not None:
        raise click.ClickException(
            f"stopped early: {report.problem}; the next run continues from the checkpoint"
        )


def _print(report: RunReport) -> None:
    verb = "would delete" if report.dry_run else "deleted"
    for owner, count in sorted(report.deleted.items()):
        click.echo(f"{owner}: {verb} {count} thread{'s' if count != 1 else ''}")
    start = "resumed from the checkpoint; " if report.resumed else ""
    click.echo(
        f"{start}examined {report.examined} threads; {verb} {report.total_deleted} "
        f"of {len(report.deleted)} user(s)"
        + ("; complete" if report.finished else "")
        + ("; stopped at --limit, run again to continue" if report.stopped_at_limit else "")
    )
