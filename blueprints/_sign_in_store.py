"""Sign-ins kept in Redis: the cookie holds a random id, the sign-in's data stays here.

Unlike a plain "write the whole session back on every request" store, this one never
brings back a session that was ended elsewhere while a request was in flight (sign-out in
another tab, back-channel logout, an admin revoke): an unchanged session only has its idle
timer pushed back when it is read (GETEX) and a changed one is only rewritten if it still
exists (SET XX). Ids are rotated unconditionally on request (`regenerate`).

An endpoint may have reads *ride along* with the GETEX (`ride_along`): they are sent in the
same round trip, for the user the sign-in id names, and kept for the view only if that
sign-in turned out to exist (a write among them checks that itself, in Redis).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from flask import Flask, Request, Response, current_app, g, request, session
from flask.globals import request_ctx
from flask.sessions import SessionInterface, SessionMixin
from redis.client import Pipeline
from werkzeug.datastructures import CallbackDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException

from chatkit_bff import redis_keys
from chatkit_bff.errors import StoreUnavailable
from chatkit_bff.redis_connection import OUTAGE_RETRY_AFTER
from chatkit_bff.redis_failures import redis_failure_reason

log = logging.getLogger(__name__)

SESSION_ID_BYTES = 32
#: Lifetime of a session where nobody is signed in (long enough to finish a sign-in).
ANONYMOUS_SECONDS = 600
#: The session key that says somebody is signed in.
SIGNED_IN_MARK = "identity"
#: The session key holding when the sign-in was made (epoch seconds).
SIGNED_IN_AT = "signed_in_at"
# `<random>` before sign-in, `<user id>.<random>` after it (see redis_keys.sign_in).
_SESSION_ID = re.compile(r"(?:[A-Za-z0-9_-]{1,100}\.)?[A-Za-z0-9_-]{32,64}")


class ServerSignIn(CallbackDict[str, Any], SessionMixin):
    """The session dict of one request, with its id and where it came from."""

    def __init__(
        self,
        data: dict[str, Any] | None,
        sid: str,
        *,
        stored: bool,
        from_cookie: bool,
        unavailable: bool = False,
    ) -> None:
        def on_update(self: ServerSignIn) -> None:
            self.modified = True
            self.accessed = True

        super().__init__(data, on_update)
        self.sid = sid
        #: The id exists in Redis (so it must be updated in place, never recreated).
        self.stored = stored
        #: The browser sent a session cookie (so a stale one must be removed).
        self.from_cookie = from_cookie
        #: Redis could not be read: nothing about this session can be trusted or saved.
        self.unavailable = unavailable
        self.new = not stored
        self.modified = False
        self.accessed = False

    @property
    def permanent(self) -> bool:
        # Every session has the idle lifetime; the cookie carries the same expiry.
        return True

    @permanent.setter
    def permanent(self, value: bool) -> None:
        return None

    def __getitem__(self, key: str) -> Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.accessed = True
        return super().setdefault(key, default)


def new_session_id(user_id: str | None = None) -> str:
    """A random id; a signed-in one names its user, so its data lives in the user's slot."""
    random_part = secrets.token_urlsafe(SESSION_ID_BYTES)
    if user_id is None:
        return random_part
    return f"{user_id}{redis_keys.SIGN_IN_ID_SEPARATOR}{random_part}"


#: Queues reads for one endpoint on the sign-in's pipeline, given the user the sign-in id
#: names, the sign-in's key (commands that must only act for a real sign-in check it exists)
#: and the request's view arguments; returns what the view needs to use their results
#: (None: nothing to read for these arguments).
RideAlong = Callable[[Pipeline, str, str, dict[str, Any]], object | None]
_RIDDEN = "_sign_in_ride_along"


def ride_along_results() -> tuple[object, Sequence[Any]] | None:
    """What this request's endpoint queued with the sign-in's read, and the results.

    Only present when the sign-in exists; they were read for the user its id names, which the
    caller still checks against the signed-in identity.
    """
    taken: tuple[object, Sequence[Any]] | None = g.pop(_RIDDEN, None)
    return taken


def _named_user(sid: str) -> str | None:
    user_id, separator, _ = sid.rpartition(redis_keys.SIGN_IN_ID_SEPARATOR)
    return user_id if separator and user_id else None


def _decode(raw: bytes | str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class RedisSignInInterface(SessionInterface):
    """Flask session interface over Redis with an idle timeout and safe revocation.

    The idle timeout is Redis's: every read pushes back the TTL. The cookie lasts as long as
    the sign-in may (its absolute lifetime), so it is only sent again when the session
    changes, not with every response; a cookie whose sign-in has ended is removed when it next
    comes back.
    """

    def __init__(
        self,
        client: redis.Redis,
        *,
        idle_seconds: int,
        absolute_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self._idle_seconds = max(int(idle_seconds), 1)
        self._absolute_seconds = max(int(absolute_seconds), 1)
        self._clock = clock
        # Nobody signed in yet (a sign-in under way, a CSRF token for the demo sign-in page):
        # kept briefly, so a flood of started sign-ins cannot grow Redis for long.
        self._anonymous_seconds = min(self._idle_seconds, ANONYMOUS_SECONDS)
        self._ride_alongs: dict[str, RideAlong] = {}
        self._ride_along_methods: set[str] = set()

    def ride_along(self, endpoint: str, methods: Sequence[str], reads: RideAlong) -> None:
        """Send `reads` with the sign-in's read on `endpoint` (for these methods)."""
        self._ride_alongs[endpoint] = reads
        self._ride_along_methods.update(m.upper() for m in methods)

    @property
    def client(self) -> redis.Redis:
        return self._redis

    def _key(self, sid: str) -> str:
        return redis_keys.sign_in(sid)

    def get_expiration_time(self, app: Flask, session: SessionMixin) -> datetime:
        """The end of the sign-in's absolute lifetime (of a started sign-in's ten minutes)."""
        signed_in_at = session.get(SIGNED_IN_AT) if SIGNED_IN_MARK in session else None
        if isinstance(signed_in_at, int | float):
            left = float(signed_in_at) + self._absolute_seconds - self._clock()
        else:
            left = self._anonymous_seconds
        # Counted from the app's clock, stated in the browser's: an Expires in UTC from now.
        return datetime.now(UTC) + timedelta(seconds=max(left, 0))

    def open_session(self, app: Flask, request: Request) -> ServerSignIn:
        sid = request.cookies.get(self.get_cookie_name(app))
        if not sid:
            return ServerSignIn(None, new_session_id(), stored=False, from_cookie=False)
        if _SESSION_ID.fullmatch(sid):
            try:
                data = self._read(request, sid)
            except redis.RedisError as error:
                log.error("session store unavailable: %s", redis_failure_reason(error))
                return ServerSignIn(
                    None, new_session_id(), stored=False, from_cookie=True, unavailable=True
                )
            if data is not None:
                return ServerSignIn(data, sid, stored=True, from_cookie=True)
        return ServerSignIn(None, new_session_id(), stored=False, from_cookie=True)

    def _read(self, request: Request, sid: str) -> dict[str, Any] | None:
        # Reading also pushes back the idle timer: one round trip, not two.
        user_id = _named_user(sid)
        reads = self._ride_along_for(request) if user_id else None
        if reads is None or user_id is None:
            return _decode(self._redis.getex(self._key(sid), ex=self._idle_seconds))
        ride_along, view_args = reads
        key = self._key(sid)
        with self._redis.pipeline(transaction=False) as pipe:
            pipe.getex(key, ex=self._idle_seconds)
            queued = ride_along(pipe, user_id, key, view_args)
            raw, *results = pipe.execute()
        data = _decode(raw)
        if data is not None and queued is not None:
            g.setdefault(_RIDDEN, (queued, results))
        return data

    def _ride_along_for(self, request: Request) -> tuple[RideAlong, dict[str, Any]] | None:
        if request.method not in self._ride_along_methods:
            return None
        adapter = request_ctx.url_adapter
        if adapter is None:
            return None
        try:
            rule, view_args = adapter.match(return_rule=True)
        except (HTTPException, RoutingException):
            return None  # Flask matches again right after this, and answers the error then
        ride_along = self._ride_alongs.get(rule.endpoint or "")
        if ride_along is None or request.method not in (rule.methods or ()):
            return None
        return ride_along, dict(view_args)

    def regenerate(self, server_session: ServerSignIn, user_id: str | None = None) -> None:
        """Give the session a fresh id (naming `user_id` when signing in), forget the old one."""
        if server_session.stored:
            self._redis.delete(self._key(server_session.sid))
        server_session.sid = new_session_id(user_id)
        server_session.stored = False
        server_session.modified = True

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSignIn)
        if session.accessed:
            response.vary.add("Cookie")
        if session.unavailable:
            return
        try:
            self._save(app, session, response)
        except redis.RedisError as error:
            log.error("could not save the session: %s", redis_failure_reason(error))

    def _save(self, app: Flask, session: ServerSignIn, response: Response) -> None:
        key = self._key(session.sid)
        if not session:
            if session.stored:
                self._redis.delete(key)
            if session.from_cookie:
                self._delete_cookie(app, response)
            return
        if session.modified or not session.stored:
            payload = json.dumps(dict(session), separators=(",", ":"))
            # A session that existed when the request began is only ever updated in place.
            ttl = self._idle_seconds if SIGNED_IN_MARK in session else self._anonymous_seconds
            written = self._redis.set(key, payload, ex=ttl, xx=session.stored)
            if not written:
                # Ended elsewhere while this request ran: leave it ended.
                self._delete_cookie(app, response)
                return
        if not self.should_set_cookie(app, session):
            return
        response.set_cookie(
            self.get_cookie_name(app),
            session.sid,
            expires=self.get_expiration_time(app, session),
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            partitioned=self.get_cookie_partitioned(app),
        )

    def _delete_cookie(self, app: Flask, response: Response) -> None:
        # The same attributes as when it was set, or browsers keep a __Host- cookie.
        response.delete_cookie(
            self.get_cookie_name(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            httponly=self.get_cookie_httponly(app),
            partitioned=self.get_cookie_partitioned(app),
        )
        response.vary.add("Cookie")


def current_sign_in() -> ServerSignIn:
    """This request's session, typed (only valid with `RedisSignInInterface` installed)."""
    server_session = session._get_current_object()  # type: ignore[attr-defined]
    assert isinstance(server_session, ServerSignIn)
    return server_session


def store_unavailable() -> StoreUnavailable:
    """The 503 a request gets while the sign-in store is down (retry in a moment)."""
    return StoreUnavailable(
        "Storage is unavailable right now; try again shortly.", retry_after=OUTAGE_RETRY_AFTER
    )


def store_answers() -> bool:
    """Whether the sign-in store answers now (asked only on error paths: one PING).

    A session that could not be written looks, on the next request, like one that never
    existed; this tells an outage apart from an expired or forged form.
    """
    interface = current_app.session_interface
    if not isinstance(interface, RedisSignInInterface):
        return True
    try:
        return bool(interface.client.ping())
    except redis.RedisError as error:
        log.error("session store unavailable: %s", redis_failure_reason(error))
        return False


#: Probes and static files answer without a session, so they keep working during an outage.
_WORKS_WITHOUT_SESSIONS = {"health.healthz", "health.readyz", "static"}


def _refuse_when_store_unavailable() -> None:
    """Flask opens the session before any handler runs; fail here, inside error handling."""
    if (
        isinstance(session, ServerSignIn)
        and session.unavailable
        and request.endpoint not in _WORKS_WITHOUT_SESSIONS
    ):
        raise store_unavailable()


def install_sign_in_store(
    app: Flask,
    client: redis.Redis,
    *,
    idle_seconds: int,
    absolute_seconds: int,
    clock: Callable[[], float] = time.time,
) -> None:
    """Keep this app's sign-ins in Redis (keys: `redis_keys.sign_in`)."""
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False  # the cookie lasts the whole sign-in
    app.session_interface = RedisSignInInterface(
        client, idle_seconds=idle_seconds, absolute_seconds=absolute_seconds, clock=clock
    )
    app.before_request(_refuse_when_store_unavailable)
