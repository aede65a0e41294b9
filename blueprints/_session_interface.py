"""Server-side sessions in Redis (Flask-Session) that fail with a clear 503 when Redis is down."""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Flask, Request, Response
from flask_session.redis import RedisSessionInterface

from chatkit_bff import keys
from chatkit_bff.errors import StoreUnavailable

log = logging.getLogger(__name__)


class ResilientRedisSessionInterface(RedisSessionInterface):  # type: ignore[misc]
    """Flask-Session's Redis sessions, but a Redis outage no longer breaks the request context.

    Flask opens the session before any handler runs, so an exception there would bypass our
    error pages. Instead the request gets an empty session marked unavailable, and
    `require_session_store` turns that into a StoreUnavailable inside normal handling.
    """

    def open_session(self, app: Flask, request: Request) -> Any:
        try:
            return super().open_session(app, request)
        except redis.exceptions.RedisError as exc:
            log.error("session store unavailable: %s", type(exc).__name__)
            session = self.session_class(sid=self._generate_sid(self.sid_length))
            session.store_unavailable = True
            return session

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if getattr(session, "store_unavailable", False):
            return
        try:
            super().save_session(app, session, response)
        except redis.exceptions.RedisError as exc:
            log.error("could not save session: %s", type(exc).__name__)


def require_session_store() -> None:
    from flask import request, session

    if getattr(session, "store_unavailable", False) and request.endpoint not in (
        "health.healthz",
        "health.readyz",
        "static",
    ):
        raise StoreUnavailable("Storage is unavailable right now; try again shortly.")


def install_session_interface(app: Flask, client: redis.Redis) -> None:
    app.session_interface = ResilientRedisSessionInterface(
        app,
        client=client,
        key_prefix=keys.SESSION_PREFIX,
        use_signer=False,
        permanent=True,
        sid_length=32,
        serialization_format="json",
    )
    app.before_request(require_session_store)
