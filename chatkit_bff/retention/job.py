"""The retention job: walk every user's threads upstream and delete those past their owner's limit.

The walk goes oldest first through the unfiltered thread list. Its cursor is always the last
thread it *kept* (deleting the rest of a page shifts what follows, never what precedes), and
that cursor is checkpointed in Redis after every page, so an interrupted run resumes where it
stopped. Deleting is idempotent: a second run finds nothing left to delete.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import redis

from chatkit_bff import redis_keys as keys
from chatkit_bff.admin.audit import AuditLog
from chatkit_bff.admin.directory import UserDirectory
from chatkit_bff.apps import DEFAULT_APP, AppUsers
from chatkit_bff.identity import Actor
from chatkit_bff.policy.store import PolicyStore
from chatkit_bff.retention.schedule import is_due
from chatkit_bff.upstream import (
    BadRequestError,
    ChatKitClient,
    ChatKitThread,
    NotFoundError,
    RateLimitError,
    UpstreamError,
)

log = logging.getLogger("chatkit_bff.retention")
Result = TypeVar("Result")

JOB_ACTOR = Actor("system:retention", "Retention job")
UPSTREAM_PAGE = 100
_LOCK_SECONDS = 15 * 60
_MAX_CURSOR_RESTARTS = 3
_REMEMBERED_OWNERS = 10_000


@dataclass(frozen=True)
class RetentionOptions:
    dry_run: bool = False
    limit: int | None = None  # delete at most this many threads in this run
    requests_per_second: float = 5.0  # upstream calls, well under the project's rate limit
    rate_limit_retries: int = 8  # 429 answers in a row before the run gives up
    #: Set (on SIGTERM) to stop before the next upstream call: a wait ends at once, and what
    #: was deleted is checkpointed and audited like any early stop.
    stop: threading.Event | None = None


@dataclass(frozen=True)
class Owner:
    """Whose threads: our user and the chat app, or (app None) an upstream user we do not know."""

    user_id: str
    app: str | None


@dataclass
class RunReport:
    """What one run did; `finished` is False when it stopped before walking every thread."""

    dry_run: bool
    resumed: bool = False
    examined: int = 0
    deleted: Counter[Owner] = field(default_factory=Counter)  # would-delete in a dry run
    finished: bool = False
    stopped_at_limit: bool = False
    problem: str | None = None

    @property
    def total_deleted(self) -> int:
        return sum(self.deleted.values())

    @property
    def users(self) -> int:
        """How many people (or unknown upstream users) lost threads."""
        return len({owner.user_id for owner in self.deleted})


class RetentionBusy(Exception):
    """Another run holds the lock."""


class _StopRequested(Exception):
    """`RetentionOptions.stop` was set."""


STOP_REQUESTED = "stopped on request (SIGTERM)"


class _Pacer:
    """Spaces upstream calls to stay under a rate; slows down after each 429."""

    def __init__(
        self,
        per_second: float,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self.interval = 1.0 / per_second
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0

    def wait_turn(self) -> None:
        now = self._clock()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval

    def back_off(self, seconds: float) -> None:
        self.interval = min(self.interval * 2, 10.0)
        self._sleep(seconds)
        self._next = self._clock() + self.interval


def _waiting_on(stop: threading.Event) -> Callable[[float], None]:
    """A sleep that ends early when `stop` is set."""

    def sleep(seconds: float) -> None:
        stop.wait(seconds)

    return sleep


class RetentionJob:
    def __init__(
        self,
        *,
        chatkit: ChatKitClient,
        redis_client: redis.Redis,
        policies: PolicyStore,
        directory: UserDirectory,
        app_users: AppUsers,
        audit: AuditLog,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._chatkit = chatkit
        self._redis = redis_client
        self._policies = policies
        self._directory = directory
        self._app_users = app_users
        self._audit = audit
        self._clock = clock
        self._sleep = sleep

    def run(self, options: RetentionOptions) -> RunReport:
        """One pass (or the rest of an interrupted one); never raises for upstream failures."""
        token = secrets.token_hex(16)
        if not self._redis.set(keys.RETENTION_LOCK, token, nx=True, ex=_LOCK_SECONDS):
            raise RetentionBusy("another retention run is in progress")
        report = RunReport(dry_run=options.dry_run)
        try:
            self._walk(options, report)
        finally:
            if not options.dry_run and report.total_deleted:
                self._audit_run(report)
            self._release(token)
        return report

    # --- the walk -------------------------------------------------------------------------

    def _walk(self, options: RetentionOptions, report: RunReport) -> None:
        now = self._clock()
        pacer = _Pacer(
            options.requests_per_second,
            time.monotonic,
            self._sleep if options.stop is None else _waiting_on(options.stop),
        )
        retention = _OwnerRetention(self._policies, self._directory, self._app_users)
        cursor = None if options.dry_run else self._checkpoint()
        report.resumed = cursor is not None
        restarts = 0
        while True:
            try:
                page = self._upstream(
                    pacer,
                    options,
                    functools.partial(
                        self._chatkit.list_every_users_threads,
                        limit=UPSTREAM_PAGE,
                        order="asc",
                        after=cursor,
                    ),
                )
            except BadRequestError as exc:
                # The kept thread we continue from was deleted meanwhile (by its owner):
                # start again from the oldest; what was already deleted stays deleted.
                if exc.param != "after" or restarts >= _MAX_CURSOR_RESTARTS:
                    raise
                restarts += 1
                log.warning("retention: the checkpoint thread is gone; starting from the oldest")
                cursor = None
                continue
            except UpstreamError as exc:
                report.problem = f"listing threads failed: {exc}"
                return
            except _StopRequested:
                report.problem = STOP_REQUESTED  # the last page's checkpoint stands
                return
            kept_last: str | None = None
            stopped = False
            for thread in page["data"]:
                owner, days = retention.of(thread["user"])
                if not is_due(thread["created_at"], days, now):
                    report.examined += 1
                    kept_last = thread["id"]
                    continue
                if options.limit is not None and report.total_deleted >= options.limit:
                    report.stopped_at_limit = stopped = True
                    break
                report.examined += 1
                if options.dry_run:
                    kept_last = thread["id"]  # nothing is deleted: every thread stays a cursor
                else:
                    try:
                        self._delete(pacer, options, thread)
                    except UpstreamError as exc:
                        report.problem = f"deleting a thread failed: {exc}"
                        stopped = True
                        break
                    except _StopRequested:
                        report.problem = STOP_REQUESTED
                        stopped = True
                        break
                report.deleted[owner] += 1
            if kept_last is not None:
                cursor = kept_last
            # Still running: keep the lock (a dry run too, which saves no checkpoint).
            self._redis.expire(keys.RETENTION_LOCK, _LOCK_SECONDS)
            if options.dry_run:
                pass
            elif not stopped and (not page["has_more"] or not page["data"]):
                self._redis.delete(keys.RETENTION_CURSOR)
            else:
                self._save_checkpoint(cursor)
            if stopped:
                return
            if not page["has_more"] or not page["data"]:
                report.finished = True
                return

    def _delete(self, pacer: _Pacer, options: RetentionOptions, thread: ChatKitThread) -> None:
        with contextlib.suppress(NotFoundError):  # deleted meanwhile: the outcome we wanted
            self._upstream(pacer, options, lambda: self._chatkit.delete_thread(thread["id"]))
        self._redis.delete(keys.thread_owner(thread["id"]))

    def _upstream(
        self, pacer: _Pacer, options: RetentionOptions, call: Callable[[], Result]
    ) -> Result:
        """One paced call; a 429 waits as long as asked (or backs off) and tries again."""
        refusals = 0
        while True:
            pacer.wait_turn()
            if options.stop is not None and options.stop.is_set():
                raise _StopRequested
            try:
                return call()
            except RateLimitError as exc:
                refusals += 1
                if refusals > options.rate_limit_retries:
                    raise
                wait = exc.retry_after if exc.retry_after is not None else 2.0**refusals
                log.warning("retention: upstream rate limit; waiting %.1f s", wait)
                pacer.back_off(wait)

    # --- checkpoint, lock, audit ----------------------------------------------------------

    def _checkpoint(self) -> str | None:
        raw = self._redis.get(keys.RETENTION_CURSOR)
        if raw is None:
            return None
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    def _save_checkpoint(self, cursor: str | None) -> None:
        if cursor is None:
            self._redis.delete(keys.RETENTION_CURSOR)
        else:
            self._redis.set(keys.RETENTION_CURSOR, cursor)

    def _release(self, token: str) -> None:
        raw = self._redis.get(keys.RETENTION_LOCK)
        if raw is not None and (raw.decode() if isinstance(raw, bytes) else raw) == token:
            self._redis.delete(keys.RETENTION_LOCK)

    def _audit_run(self, report: RunReport) -> None:
        per_user: dict[str, dict[str, int]] = {}
        for owner, count in report.deleted.items():
            per_user.setdefault(owner.user_id, {})[owner.app or ""] = count
        for user_id, by_app in sorted(per_user.items()):
            user = self._directory.get(user_id)
            details: dict[str, object] = {"threads_deleted": sum(by_app.values())}
            if "" not in by_app:  # a user of ours: in which apps (an unknown one has none)
                details["apps"] = dict(sorted(by_app.items()))
            self._audit.add(
                JOB_ACTOR,
                "retention.delete",
                target_user_id=user_id,
                target_name=user.name if user else None,
                details=details,
            )
        self._audit.add(
            JOB_ACTOR,
            "retention.run",
            details={
                "threads_deleted": report.total_deleted,
                "users": report.users,
                "threads_examined": report.examined,
                "finished": report.finished,
            },
        )


class _OwnerRetention:
    """Each upstream user's owner and effective `retention_days`, read once per run.

    An app's upstream id maps back through `AppUsers`; the default app's is our user id (in the
    users directory); anyone else is unknown and follows the global default.
    """

    def __init__(
        self, policies: PolicyStore, directory: UserDirectory, app_users: AppUsers
    ) -> None:
        self._policies = policies
        self._directory = directory
        self._app_users = app_users
        self._default: int | None = policies.defaults().effective.retention_days
        self._known: dict[str, tuple[Owner, int | None]] = {}

    def of(self, upstream_user_id: str) -> tuple[Owner, int | None]:
        known = self._known.get(upstream_user_id)
        if known is None:
            if len(self._known) >= _REMEMBERED_OWNERS:
                self._known.clear()
            known = self._look_up(upstream_user_id)
            self._known[upstream_user_id] = known
        return known

    def _look_up(self, upstream_user_id: str) -> tuple[Owner, int | None]:
        mapped = self._app_users.owner(upstream_user_id)
        if mapped is not None:
            owner = Owner(mapped.user_id, mapped.app)
        elif self._directory.get(upstream_user_id) is not None:
            owner = Owner(upstream_user_id, DEFAULT_APP)
        else:
            return Owner(upstream_user_id, None), self._default
        return owner, self._policies.effective(owner.user_id, owner.app).retention_days
