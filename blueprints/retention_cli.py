"""`flask --app app retention run`: the retention job's command line (the logic is elsewhere)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import click
from flask import Blueprint

from chatkit_bff.apps import DEFAULT_APP
from chatkit_bff.retention.job import Owner, RetentionBusy, RetentionOptions, RunReport

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
    stop = threading.Event()
    options = RetentionOptions(dry_run=dry_run, limit=limit, requests_per_second=rate, stop=stop)
    try:
        with _stopping_on_sigterm(stop):
            report = services().retention.run(options)
    except RetentionBusy as exc:
        raise click.ClickException(str(exc)) from None
    _print(report)
    if report.problem is not None:
        raise click.ClickException(
            f"stopped early: {report.problem}; the next run continues from the checkpoint"
        )


@contextmanager
def _stopping_on_sigterm(stop: threading.Event) -> Iterator[None]:
    """SIGTERM (a stopped systemd unit, an evicted pod) asks the run to stop before its next
    upstream call, so it checkpoints, audits and frees the lock; the default action would kill
    the process in the middle of a deletion and leave the lock for its full 15 minutes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, request_stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _print(report: RunReport) -> None:
    verb = "would delete" if report.dry_run else "deleted"
    for owner, count in sorted(report.deleted.items(), key=lambda pair: _label(pair[0])):
        click.echo(f"{_label(owner)}: {verb} {count} thread{'s' if count != 1 else ''}")
    start = "resumed from the checkpoint; " if report.resumed else ""
    click.echo(
        f"{start}examined {report.examined} threads; {verb} {report.total_deleted} "
        f"of {report.users} user(s)"
        + ("; complete" if report.finished else "")
        + ("; stopped at --limit, run again to continue" if report.stopped_at_limit else "")
    )


def _label(owner: Owner) -> str:
    """`u_…` (the default app, or an upstream user we do not know), `u_… in <app>` otherwise."""
    if owner.app is None or owner.app == DEFAULT_APP:
        return owner.user_id
    return f"{owner.user_id} in {owner.app}"
