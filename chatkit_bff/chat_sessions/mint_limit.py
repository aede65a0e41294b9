"""The per-user limit on chat session calls: a moving window counted by one Redis script.

A cached secret is one Redis round trip: the sign-in, the user's policy and the secret are read
together (see `blueprints/_sign_in_store.py`). The call is counted in that same round trip,
which no limiter library offers: the sign-in id names its user, but a made-up id must not use
up that user's limit, so the script counts the call only if the sign-in exists, atomically.
The limit comes from the policy read in that round trip, so the count uses the limit the
user's calls had last (remembered per process); when the fresh policy says otherwise, that
count is taken back and the call counted again under the right limit.

The window is flask-limiter's moving window, with its semantics: at most N accepted calls in
any 60 seconds, refused calls not counted, and a new limit counted afresh.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from redis.client import Pipeline

from chatkit_bff import redis_keys
from chatkit_bff.errors import RateLimited

WINDOW_SECONDS = 60
_REMEMBERED_LIMITS = 10_000

# KEYS[1]: the calls list (newest first). KEYS[2], when given: the sign-in that must exist.
# ARGV[1]: the limit; ARGV[2]: the window in seconds. Answers {1, time} when the call is
# counted (time: the entry pushed), {0, wait} when it is refused, {-1} without the sign-in.
# Redis's clock, so every worker and host counts on one clock.
_HIT = """
if #KEYS > 1 and redis.call('EXISTS', KEYS[2]) == 0 then return {-1} end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local oldest = redis.call('LINDEX', KEYS[1], limit - 1)
if oldest and tonumber(oldest) > now - window then
  return {0, tostring(tonumber(oldest) + window - now)}
end
local entry = string.format('%.6f', now)
redis.call('LPUSH', KEYS[1], entry)
redis.call('LTRIM', KEYS[1], 0, limit - 1)
redis.call('EXPIRE', KEYS[1], window)
return {1, entry}
"""
_COUNTED, _REFUSED, _NO_SIGN_IN = 1, 0, -1


@dataclass(frozen=True)
class QueuedHit:
    """A call counted on a pipeline that has not run yet, under the limit the user had last."""

    user_id: str
    app_slug: str
    per_minute: int


def _queue_script(pipe: Pipeline, keys: tuple[str, ...], per_minute: int) -> None:
    # EVAL by command: a cluster pipeline has no `eval`, but routes the command by its keys
    # (one slot: the user's). The script's text each time, not EVALSHA: after a failover or
    # on a new cluster node, an EVALSHA would fail until the script was loaded there.
    pipe.execute_command(  # type: ignore[no-untyped-call]
        "EVAL", _HIT, len(keys), *keys, per_minute, WINDOW_SECONDS
    )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _outcome(answer: object) -> tuple[int, str]:
    """The script's answer as (counted / refused / no sign-in, the time pushed or the wait)."""
    if not isinstance(answer, list | tuple) or not answer:
        raise redis.ResponseError(f"unexpected answer from the mint limit script: {answer!r}")
    return int(answer[0]), _text(answer[1]) if len(answer) > 1 else ""


class MintLimit:
    """Counts each user's chat session calls per chat app, and refuses those over the limit."""

    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        # The limit each user's calls were last counted under, per chat app.
        self._last_limit: dict[tuple[str, str], int] = {}

    def queue_hit(
        self, pipe: Pipeline, user_id: str, app_slug: str, sign_in_key: str
    ) -> QueuedHit | None:
        """Count a call on `pipe` if the sign-in `sign_in_key` exists (None: no limit known yet,
        so nothing queued); pass the result to `check`."""
        per_minute = self._last_limit.get((user_id, app_slug))
        if per_minute is None:
            return None
        keys = (redis_keys.mint_calls(user_id, app_slug, per_minute), sign_in_key)
        _queue_script(pipe, keys, per_minute)
        return QueuedHit(user_id, app_slug, per_minute)

    def check(
        self,
        user_id: str,
        app_slug: str,
        per_minute: int,
        queued: tuple[QueuedHit, object] | None = None,
    ) -> None:
        """Count one call; refuse it (RateLimited) past `per_minute` calls a minute.

        `queued` is a call counted with the sign-in's read, and the script's answer: used when
        it was counted under this limit, taken back (one more round trip) when under another.
        """
        outcome: tuple[int, str] | None = None
        with self._redis.pipeline(transaction=False) as pipe:
            if queued is not None:
                hit, answer = queued
                if (hit.user_id, hit.app_slug) != (user_id, app_slug):
                    raise ValueError("this call was counted for another user")
                counted, detail = _outcome(answer)
                if counted != _NO_SIGN_IN and hit.per_minute == per_minute:
                    outcome = counted, detail
                elif counted == _COUNTED:
                    pipe.lrem(redis_keys.mint_calls(user_id, app_slug, hit.per_minute), 1, detail)
            if outcome is None:
                key = redis_keys.mint_calls(user_id, app_slug, per_minute)
                _queue_script(pipe, (key,), per_minute)
                outcome = _outcome(pipe.execute()[-1])
        self._remember(user_id, app_slug, per_minute)
        counted, detail = outcome
        if counted == _REFUSED:
            limit = f"{per_minute} per 1 minute"
            raise RateLimited.waiting(limit, float(detail), WINDOW_SECONDS)

    def _remember(self, user_id: str, app_slug: str, per_minute: int) -> None:
        if self._last_limit.get((user_id, app_slug)) == per_minute:
            return
        if len(self._last_limit) >= _REMEMBERED_LIMITS:
            self._last_limit.clear()
        self._last_limit[(user_id, app_slug)] = per_minute
