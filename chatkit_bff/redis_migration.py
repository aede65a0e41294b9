"""Move a single-node deployment's keys to the cluster-safe layout of `redis_keys`.

Each key is moved on its own and only if its new name is free, so a run can be stopped and
started again (it goes on where it left off) and a second run changes nothing. TTLs are kept.
Sign-ins, policies (the chat apps' defaults too), the audit trail, the users directory and its
search index, the mint ledger, the record of unanswered creates and the retention checkpoint
survive; cached secrets and their locks are dropped (the next call mints again).

In place (the source is `REDIS_URL` itself), keys are renamed. From another server (`--from`),
they are copied with DUMP/RESTORE into `REDIS_URL`, which may be a cluster or Sentinel.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import redis

from chatkit_bff import redis_keys

_OLD = "bff:"

#: Old name -> new name, for keys whose name says where they go (None: dropped, a cache).
Rule = tuple[str, Callable[[str], str | None]]

_SINGLE: dict[str, str] = {
    _OLD + "policy:defaults": redis_keys.POLICY_DEFAULTS,
    _OLD + "policy:overridden-users": redis_keys.USERS_WITH_OVERRIDES,
    _OLD + "audit": redis_keys.AUDIT_STREAM,
    _OLD + "users": redis_keys.USERS_INDEX,
    _OLD + "users:search": redis_keys.USERS_SEARCH_INDEX,
    _OLD + "mints": redis_keys.MINT_LOG,
}

_RULES: list[Rule] = [
    ("policy:user:", redis_keys.policy_overrides),
    ("policy:app:", redis_keys.policy_app_defaults),
    ("user:", redis_keys.user_record),
    ("session:", redis_keys.sign_in),
    ("sessions-of:", redis_keys.sign_ins_of_user),
    # The records name sign-ins by their old ids, which `session:` keeps valid (redis_keys.sign_in).
    ("sign-in-records:", redis_keys.sign_in_records),
    ("upstream-sessions:", redis_keys.upstream_sessions),
    ("mints:", redis_keys.user_mints),
    ("maybe-created:", redis_keys.maybe_created_sessions),
    ("sessions-ended-at:", redis_keys.sessions_ended_at),
    ("provider-sid-user:", redis_keys.provider_session_user),
    ("logout-jti:", lambda digest: f"{redis_keys.PREFIX}logout-jti:{digest}"),
    ("thread-owner:", redis_keys.thread_owner),
    ("app-users-of:", redis_keys.app_users_of),
    ("secret:", lambda _rest: None),
    ("secrets-of:", lambda _rest: None),
    ("lock:secret:", lambda _rest: None),
]


@dataclass
class MigrationReport:
    counts: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        return [f"{what}: {n}" for what, n in sorted(self.counts.items())]


def new_name(old: str, source: redis.Redis) -> str | None:
    """Where `old` goes in the new layout; None to drop it; `old` itself to leave it."""
    if old in _SINGLE:
        return _SINGLE[old]
    rest = old.removeprefix(_OLD)
    if rest.startswith("{") or rest == old:
        return old  # already in the new layout, or not ours
    if rest.startswith("sessions-of-sid:"):
        # Indexed under the user now: the provider session's user says which slot.
        sid = rest.removeprefix("sessions-of-sid:")
        user = source.get(_OLD + "provider-sid-user:" + sid)
        if user is None:
            return None  # nobody to end them for any more
        return redis_keys.sign_ins_of_provider_session(_text(user), sid)
    for prefix, rename in _RULES:
        if rest.startswith(prefix):
            return rename(rest.removeprefix(prefix))
    return old


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def old_keys(source: redis.Redis) -> Iterator[str]:
    for key in source.scan_iter(match=_OLD + "*", count=1000):
        yield _text(key)


def migrate(
    source: redis.Redis,
    target: redis.Redis,
    *,
    in_place: bool,
    dry_run: bool = False,
) -> MigrationReport:
    """Move (in place) or copy every old-layout key of `source` to its new name in `target`."""
    report = MigrationReport()
    for old in old_keys(source):
        new = new_name(old, source)
        if new is None:
            report.counts["dropped (cache)"] += 1
            if in_place and not dry_run:
                source.delete(old)
        elif new == old and in_place:
            report.counts["unchanged"] += 1
        elif dry_run:
            exists = bool(target.exists(new)) and new != old
            report.counts["already there" if exists else "to move"] += 1
        elif _move(source, target, old, new, in_place=in_place):
            report.counts["moved" if in_place else "copied"] += 1
        else:
            report.counts["already there"] += 1
    return report


def _move(source: redis.Redis, target: redis.Redis, old: str, new: str, *, in_place: bool) -> bool:
    """Move one key; False when its new name is taken (done by an earlier run)."""
    if in_place:
        try:
            # RENAMENX keeps the TTL and is atomic; a single node has every key in one place.
            return bool(source.renamenx(old, new))
        except redis.ResponseError:
            return False  # gone meanwhile (expired)
    payload = source.dump(old)
    if payload is None:
        return False  # expired meanwhile
    ttl = int(source.pttl(old))
    try:
        target.restore(new, max(ttl, 0), payload)
    except redis.ResponseError as error:
        if "BUSYKEY" in str(error):
            return False
        raise
    return True
