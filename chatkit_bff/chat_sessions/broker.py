"""Mint ChatKit sessions for signed-in users; serve each user's secret from cache while it lasts."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from redis.client import Pipeline
from redis.lock import Lock

from chatkit_bff.apps import AppCatalog, ChatApp, upstream_user
from chatkit_bff.chat_sessions.late_answers import SessionCreates
from chatkit_bff.chat_sessions.ledger import MintLedger, MintRecord
from chatkit_bff.chat_sessions.secret_cache import CachedSecret, SecretCache
from chatkit_bff.chat_sessions.state_variables import state_variables_for
from chatkit_bff.errors import Busy
from chatkit_bff.identity import Identity
from chatkit_bff.observability import metrics
from chatkit_bff.policy.model import Policy, fingerprint
from chatkit_bff.policy.store import PolicyStore
from chatkit_bff.redis_connection import OUTAGE_ERRORS
from chatkit_bff.upstream import ChatKitClient, SessionCreateParams, UpstreamError

log = logging.getLogger(__name__)


def session_params(
    identity: Identity,
    policy: Policy,
    app: ChatApp,
    claim_map: Mapping[str, str],
) -> SessionCreateParams:
    """The create-session body for this user in this chat app under this policy."""
    workflow_param: dict[str, object] = {"id": app.workflow_id}
    if app.workflow_version:
        workflow_param["version"] = app.workflow_version
    variables = state_variables_for(identity, policy.state_variables, claim_map)
    if variables:
        workflow_param["state_variables"] = variables
    history: dict[str, object] = {"enabled": policy.history.enabled}
    if policy.history.recent_threads is not None:
        history["recent_threads"] = policy.history.recent_threads
    params = {
        "user": upstream_user(identity, app),
        "workflow": workflow_param,
        "chatkit_configuration": {
            "automatic_thread_titling": {"enabled": policy.automatic_thread_titling},
            "file_upload": {
                "enabled": policy.file_upload.enabled,
                "max_files": policy.file_upload.max_files,
                "max_file_size": policy.file_upload.max_file_size,
            },
            "history": history,
        },
        "expires_after": {"anchor": "created_at", "seconds": policy.session_seconds},
        "rate_limits": {"max_requests_per_1_minute": policy.max_requests_per_1_minute},
    }
    return params  # type: ignore[return-value]  # built to the TypedDict's shape above


@dataclass(frozen=True)
class MintRequest:
    """What one call for a secret needs, read from Redis in one round trip by `prepare`."""

    identity: Identity
    app: ChatApp
    policy: Policy
    params: SessionCreateParams
    fingerprint: str
    cached: CachedSecret | None


@dataclass(frozen=True)
class MintReads:
    """Reads for one user's mint request, queued on a pipeline that has not run yet."""

    user_id: str
    app: ChatApp
    guess: str | None

    def made_for(self, identity: Identity, app: ChatApp) -> bool:
        return self.user_id == identity.user_id and self.app.slug == app.slug


@dataclass(frozen=True)
class _CacheKey:
    """The fingerprint a user's secret was last cached under, and what it was computed from."""

    fingerprint: str
    policy: Policy
    app: ChatApp
    state_variables: object


_REMEMBERED_FINGERPRINTS = 10_000


class SessionBroker:
    def __init__(
        self,
        *,
        client: ChatKitClient,
        redis_client: redis.Redis,
        policies: PolicyStore,
        cache: SecretCache,
        ledger: MintLedger,
        apps: AppCatalog,
        claim_map: Mapping[str, str],
        creates: SessionCreates | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._creates = creates
        self._redis = redis_client
        self._policies = policies
        self._cache = cache
        self._ledger = ledger
        self._apps = apps
        self._claim_map = claim_map
        self._clock = clock
        # A guess at each user's cache key per app, only ever verified against the fresh policy.
        self._last_key: dict[tuple[str, str], _CacheKey] = {}

    def prepare(self, identity: Identity, app: ChatApp | None = None) -> MintRequest:
        """Read the user's policy in the app (default: the default app), and their cached secret
        under the key it last had, at once (see `queue_reads`)."""
        app = app or self._apps.default
        with self._redis.pipeline(transaction=False) as pipe:
            reads = self.queue_reads(pipe, identity.user_id, app)
            results = pipe.execute()
        return self.finish(reads, results, identity)

    def queue_reads(self, pipe: Pipeline, user_id: str, app: ChatApp) -> MintReads:
        """Queue what `prepare` reads on a pipeline (perhaps the sign-in's); `finish` it.

        The cache key depends on the policy, so reading both would take two round trips; the
        guessed key is checked against the fingerprint of the policy read, and only a match
        is used (a policy change simply costs a second read).
        """
        last = self._last_key.get((user_id, app.slug))
        guess = None if last is None else last.fingerprint
        self._policies.queue_layers(pipe, user_id, app.slug)
        if guess is not None:
            self._cache.queue_get(pipe, user_id, app.slug, guess)
        return MintReads(user_id, app, guess)

    def finish(self, reads: MintReads, results: Sequence[Any], identity: Identity) -> MintRequest:
        """The mint request from the results of `queue_reads`, for the user they were read for."""
        if not reads.made_for(identity, reads.app):
            raise ValueError("these reads are another user's")
        user_id, app = reads.user_id, reads.app
        policy = self._policies.parse_effective(results, app.slug)
        params = session_params(identity, policy, app, self._claim_map)
        key = self._cache_key(user_id, app, policy, params)
        if key == reads.guess:
            raw = results[PolicyStore.layer_reads(app.slug)]
            cached = self._cache.parse(raw, user_id, app.slug, key)
        else:
            cached = self._cache.get(user_id, app.slug, key)
        return MintRequest(identity, app, policy, params, key, cached)

    def _cache_key(
        self, user_id: str, app: ChatApp, policy: Policy, params: SessionCreateParams
    ) -> str:
        """The fingerprint of everything but the user in `params`: the one computed last time
        when it came from the same policy (parsed once per stored layers), app and variables."""
        last = self._last_key.get((user_id, app.slug))
        variables = params["workflow"].get("state_variables")
        if last and last.policy is policy and last.app is app and last.state_variables == variables:
            return last.fingerprint
        key = fingerprint({k: v for k, v in params.items() if k != "user"})
        if len(self._last_key) >= _REMEMBERED_FINGERPRINTS:
            self._last_key.clear()
        self._last_key[(user_id, app.slug)] = _CacheKey(key, policy, app, variables)
        return key

    def client_secret(self, request: MintRequest, current: str | None = None) -> CachedSecret:
        """The user's secret: from cache, or one new upstream session for all callers.

        `current` is the secret the caller holds. Naming the cached secret is a refresh, and a
        refresh mints a new session for the same user; naming anything else (someone else's
        secret, a stale one) is the same as a first call.
        """
        identity, params, key = request.identity, request.params, request.fingerprint
        slug = request.app.slug
        answer = _answer_from_cache(request.cached, current)
        metrics.SECRET_CACHE_REQUESTS.labels(metrics.cache_result(request.cached, answer)).inc()
        if answer is not None:
            return answer
        if not self._cache.enabled:
            return self._mint(identity.user_id, params)
        # The lock outlives the slowest create we would still wait for, so it cannot lapse mid-call.
        lock = self._cache.lock(identity.user_id, slug, key, hold_seconds=60)
        if not _acquire(lock):
            answer = _answer_from_cache(self._cache.get(identity.user_id, slug, key), current)
            if answer is not None:
                return answer
            raise Busy(
                "Another request is creating your chat session; try again in a moment.",
                retry_after=1,
            )
        try:
            # Concurrent refreshes of one secret: the first mints, the others get its result.
            answer = _answer_from_cache(self._cache.get(identity.user_id, slug, key), current)
            if answer is not None:
                return answer
            secret = self._mint(identity.user_id, params)
            self._cache.put(identity.user_id, slug, key, secret)
            return secret
        finally:
            _release(lock, identity.user_id)

    def _mint(self, user_id: str, params: SessionCreateParams) -> CachedSecret:
        created_at = int(self._clock())
        try:
            session = (
                self._creates.create(user_id, params)
                if self._creates is not None
                else self._client.create_session(params)
            )
        except UpstreamError:
            metrics.CHAT_SESSION_MINTS.labels(outcome="failed").inc()
            raise
        metrics.CHAT_SESSION_MINTS.labels(outcome="created").inc()
        secret = CachedSecret(
            client_secret=session["client_secret"],
            expires_at=int(session["expires_at"]),
            session_id=session["id"],
            created_at=created_at,
        )
        self._ledger.record(MintRecord(session["id"], user_id, created_at, secret.expires_at))
        log.info("minted chat session %s for user %s", session["id"], user_id)
        return secret

    def drop_cached(self, user_id: str) -> None:
        """Forget the user's cached secrets so the next call mints under the current policy."""
        self._cache.drop_user(user_id)

    def drop_everyones_cached(self) -> None:
        """Forget every user's cached secrets (after a change of the global defaults)."""
        self._cache.drop_everyone()

    def end_sessions(self, user_id: str) -> int:
        """Drop cached secrets and cancel every live upstream session of the user."""
        self._cache.drop_user(user_id)
        cancelled = 0
        for session_id in self._ledger.take_live_sessions(user_id):
            try:
                self._client.cancel_session(session_id)
                cancelled += 1
            except UpstreamError as exc:
                # The secret is gone from our cache either way; upstream expires it on its own.
                log.warning("could not cancel chat session %s: %s", session_id, exc)
        unanswered = self._ledger.maybe_created(user_id)
        if unanswered:
            # Cancelled when their answer comes (see late_answers); else they expire unused.
            log.info("user %s has %d unanswered session creates", user_id, len(unanswered))
        return cancelled


def _acquire(lock: Lock) -> bool:
    """Take the lock, waiting (and counted as waiting) when another request holds it."""
    if lock.acquire(blocking=False):
        return True
    metrics.SINGLE_FLIGHT_WAITS.inc()
    return bool(lock.acquire())


_RELEASE_ATTEMPTS = 6


def _release(lock: Lock, user_id: str) -> None:
    """Release the mint lock, riding out a failover (a lock left behind stalls the user's calls)."""
    token = lock.local.token
    if token is None:
        return
    lock.local.token = None
    for attempt in range(_RELEASE_ATTEMPTS):
        try:
            lock.do_release(token)
            return
        except redis.exceptions.LockNotOwnedError:
            # Lapsed, or lost with a primary that failed over: nothing is left to release.
            log.warning("the mint lock of user %s was gone at release", user_id)
            return
        except OUTAGE_ERRORS:
            if attempt == _RELEASE_ATTEMPTS - 1:
                raise
            time.sleep(0.5)  # a promoted replica usually answers within a few seconds


def _answer_from_cache(cached: CachedSecret | None, current: str | None) -> CachedSecret | None:
    """A cached secret answers a first call, never a refresh of that very secret."""
    if cached is None or current is None:
        return cached
    refresh = hmac.compare_digest(current.encode(), cached.client_secret.encode())
    return None if refresh else cached
