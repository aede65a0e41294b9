"""When a conversation falls due under a retention policy (shown on pages, used by the job)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

DAY_SECONDS = 86_400


def deletion_due(created_at: float, retention_days: int | None) -> datetime | None:
    """The moment a thread created at `created_at` becomes old enough to delete; None: kept."""
    if retention_days is None:
        return None
    return datetime.fromtimestamp(created_at + retention_days * DAY_SECONDS, tz=UTC)


def is_due(created_at: float, retention_days: int | None, now: float) -> bool:
    """Whether the thread is older than `retention_days` at `now`."""
    return retention_days is not None and created_at + retention_days * DAY_SECONDS <= now


@dataclass(frozen=True)
class DeletionNote:
    """What a page says about a thread's coming deletion."""

    text: str  # "Deleted after 30 days: on 12 Jan"
    due_iso: str


def deletion_note(
    created_at: float, retention_days: int | None, now: datetime
) -> DeletionNote | None:
    due = deletion_due(created_at, retention_days)
    if due is None or retention_days is None:
        return None
    span = "1 day" if retention_days == 1 else f"{retention_days} days"
    if due <= now:
        when = "at the next clean-up"
    else:
        when = f"on {due.day} {due:%b}" + (f" {due.year}" if due.year != now.year else "")
    return DeletionNote(f"Deleted after {span}: {when}", due.isoformat(timespec="seconds"))
