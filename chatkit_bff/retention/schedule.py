"""When a conversation falls due under a retention policy (shown on pages, used by the job)."""

from __future__ import annotations

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
