"""The per-user limit on chat session calls, counted by `limits` (flask-limiter's engine).

The mint endpoint checks it in its view instead of through a flask-limiter decorator: the
limit is the user's policy, read with the sign-in, and the decorator would resolve it twice
per request. The strategy, storage and counter keys are the ones flask-limiter uses.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import lru_cache

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.strategies import RateLimiter

from chatkit_bff.errors import RateLimited


@lru_cache(maxsize=256)
def _per_minute(amount: int) -> RateLimitItem:
    return RateLimitItemPerMinute(amount)


def check_mint_limit(
    strategy: RateLimiter,
    counter: Sequence[str],
    per_minute: int,
    *,
    clock: Callable[[], float] = time.time,
) -> None:
    """Count one call under `counter`; refuse it (RateLimited) past `per_minute` calls a minute."""
    item = _per_minute(per_minute)
    if strategy.hit(item, *counter):
        return
    reset_at = strategy.get_window_stats(item, *counter).reset_time
    raise RateLimited.waiting(str(item), reset_at - clock(), item.get_expiry())
