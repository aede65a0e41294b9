"""Request ids: one per request, on the response, in every log line, and sent upstream.

An `X-Request-ID` from the client is only believed when it came through the trusted proxies
(`TRUSTED_PROXY_HOPS`), which set or pass it on; otherwise the id is generated here.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
import uuid
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

HEADER = "X-Request-ID"
#: How the upstream (the OpenAI API) is told our id, so its support can find the call.
UPSTREAM_HEADER = "X-Client-Request-Id"
ENVIRON_KEY = "chatkit_bff.request_id"
#: `time.perf_counter()` when the request reached the app, for its duration.
STARTED_KEY = "chatkit_bff.started"
# Printable, no spaces or quotes: safe in headers, log lines and pages as it stands.
_VALID = re.compile(r"[A-Za-z0-9._:@+=-]{1,128}")


@dataclass
class RequestContext:
    """What every log line of a request carries."""

    request_id: str
    user: str | None = None  # a hash of the user id, once known


_current: ContextVar[RequestContext | None] = ContextVar("chatkit_bff_request", default=None)


def current_context() -> RequestContext | None:
    return _current.get()


def current_request_id() -> str | None:
    """The id of the request this code runs for, if any."""
    context = _current.get()
    return context.request_id if context else None


def bind_user(user_id: str) -> None:
    """Name the request's user in its log lines, as a hash (never the id or an email)."""
    context = _current.get()
    if context is not None:
        context.user = user_hash(user_id)


@functools.lru_cache(maxsize=4096)
def user_hash(user_id: str) -> str:
    return hashlib.sha256(user_id.encode()).hexdigest()[:16]


def new_request_id() -> str:
    return uuid.uuid4().hex


def choose_request_id(offered: str | None, *, trusted: bool) -> str:
    """The offered id when it came through a trusted proxy and looks sane, else a new one."""
    if trusted and offered and _VALID.fullmatch(offered):
        return offered
    return new_request_id()


def upstream_headers() -> dict[str, str]:
    """The header naming the current request to the upstream (none outside a request)."""
    request_id = current_request_id()
    return {UPSTREAM_HEADER: request_id} if request_id else {}


class RequestIdMiddleware:
    """Gives each request its id before anything else runs, and puts it on the response."""

    def __init__(self, app: WSGIApplication, *, trust_header: bool) -> None:
        self._app = app
        self._trust = trust_header

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request_id = choose_request_id(environ.get("HTTP_X_REQUEST_ID"), trusted=self._trust)
        environ[ENVIRON_KEY] = request_id
        environ[STARTED_KEY] = time.perf_counter()
        token = _current.set(RequestContext(request_id))

        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            headers = [(k, v) for k, v in headers if k.lower() != HEADER.lower()]
            headers.append((HEADER, request_id))
            return start_response(status, headers, *exc_info)

        try:
            return self._app(environ, start)
        finally:
            _current.reset(token)
