"""`flask --app app redis …`: operator commands for the Redis data."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from chatkit_bff.redis_connection import connect, parse_redis_url
from chatkit_bff.redis_migration import migrate

from ._context import services

redis_cli = AppGroup("redis", help="Redis data: move keys to the current layout.")


@redis_cli.command("migrate-keys")
@click.option("--dry-run", is_flag=True, help="Count what would move; change nothing.")
@click.option(
    "--from",
    "source_url",
    default=None,
    help="Copy from this single-node Redis URL into REDIS_URL (default: move in place).",
)
def migrate_keys(dry_run: bool, source_url: str | None) -> None:
    """Move keys of the layout before Redis Cluster support to the current one (resumable)."""
    target = services().redis
    source = connect(parse_redis_url(source_url)) if source_url else target
    settings = current_app.config["SETTINGS"]
    in_place = source_url is None or source_url == settings.redis_url
    try:
        report = migrate(source, target, in_place=in_place, dry_run=dry_run)
    finally:
        if source is not target:
            source.close()
    mode = "dry run, nothing changed" if dry_run else ("moved in place" if in_place else "copied")
    click.echo(f"migrate-keys ({mode}):")
    for line in report.lines() or ["nothing to do"]:
        click.echo(f"  {line}")
