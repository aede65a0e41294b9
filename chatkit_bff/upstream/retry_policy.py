"""When and how long to wait before repeating a failed upstream call."""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping

# Repeating these cannot create or change anything twice.
IDEMPOTENT_METHODS = frozenset({"GET", "DELETE"})
# Gateway-style failures that usually pass; a plain 500 is more likely to repeat itself.
TRANSIENT_STATUSES = frozenset({502, 503, 504})


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds asked for by `Retry-After-Ms` or `Retry-After` (seconds or HTTP-date), if any."""
    milliseconds = _finite(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return max(milliseconds / 1000.0, 0.0)
    raw = headers.get("retry-after")
    if raw is None:
        return None
    seconds = _finite(raw)
    if seconds is not None:
        return max(seconds, 0.0)
    try:
        moment = email.utils.parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    current = time.time() if now is None else now
    return max(moment.timestamp() - current, 0.0)


def _finite(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def backoff_delay(failed_attempt: int, base: float, cap: float) -> float:
    """Exponential backoff with full jitter, for the wait after 1-based `failed_attempt`."""
    ceiling = min(cap, base * (2.0 ** (failed_attempt - 1)))
    return random.uniform(0.0, max(ceiling, 0.0))
