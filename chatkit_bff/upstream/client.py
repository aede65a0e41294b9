"""A small, typed client for the hosted ChatKit REST API, with bounded and safe retries."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError, ReadTimeoutError
from urllib3.util.retry import Retry

from chatkit_bff.observability import metrics
from chatkit_bff.observability.request_ids import upstream_headers

from . import shapes
from .breaker import BreakerConfig, Bulkhead, CircuitBreaker
from .errors import (
    InternalServerError,
    InvalidIdentifierError,
    UpstreamConnectionError,
    UpstreamError,
    UpstreamProtocolError,
    UpstreamTimeout,
    error_class_for_status,
)
from .models import (
    ChatKitThread,
    ChatSession,
    SessionCreateParams,
    ThreadDeleted,
    ThreadItemListPage,
    ThreadListPage,
)
from .redaction import redact
from .retry_policy import (
    IDEMPOTENT_METHODS,
    TRANSIENT_STATUSES,
    backoff_delay,
    parse_retry_after,
)

logger = logging.getLogger("chatkit_bff.upstream")

Result = TypeVar("Result")
Order = Literal["asc", "desc"]

OPENAI_BETA = "chatkit_beta=v1"
# OpenAI's header for an id of the caller's choosing, quoted when asking about a lost answer.
CLIENT_REQUEST_ID_HEADER = "X-Client-Request-Id"
OperationKind = Literal["create", "cancel", "read", "delete"]
OPERATION_KINDS: tuple[OperationKind, ...] = ("create", "cancel", "read", "delete")
MAX_USER_LENGTH = 512
# Upstream ids look like `cthr_<hex>`; anything else (slashes, dots, `%`) never reaches a URL.
_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,255}")


def _package_version() -> str:
    try:
        return metadata.version("chatkit-bff")
    except metadata.PackageNotFoundError:
        return "0+unknown"


USER_AGENT = f"chatkit-bff/{_package_version()}"


@dataclass(frozen=True)
class ClientConfig:
    """Where the upstream is, how long to wait for it, and how hard to retry."""

    api_key: str = field(repr=False)
    base_url: str
    connect_timeout: float = 3.0
    read_timeout: float = 15.0
    max_retries: int = 2
    backoff_base: float = 0.25
    backoff_max: float = 4.0
    # Total seconds all waits between attempts of one call may add up to.
    max_retry_wait: float = 10.0
    pool_maxsize: int = 32
    # Total seconds one call may take, every attempt and wait included. A create is bounded by
    # the read timeout instead (it is never repeated once sent).
    deadline: float = 10.0
    # Upstream calls in flight at once in this process (None: no cap). Keep it below the web
    # server's threads, so a slow upstream cannot occupy them all.
    max_concurrency: int | None = None
    # Seconds a call waits for a free slot before it fails: a burst against a healthy upstream
    # (calls of tens of ms) queues briefly, a slow upstream costs each extra call only this.
    slot_wait: float = 0.5
    breaker: BreakerConfig = field(default_factory=BreakerConfig)

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("api_key is required")
        scheme = urlsplit(self.base_url).scheme
        if scheme not in ("http", "https"):
            raise ValueError("base_url must be an http(s) URL")
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if self.max_retries < 0 or self.max_retry_wait < 0:
            raise ValueError("max_retries and max_retry_wait must not be negative")
        if self.backoff_base < 0 or self.backoff_max < 0:
            raise ValueError("backoff_base and backoff_max must not be negative")
        if self.pool_maxsize < 1:
            raise ValueError("pool_maxsize must be at least 1")
        if self.deadline <= 0:
            raise ValueError("deadline must be positive")
        if self.max_concurrency is not None and self.max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if self.slot_wait < 0:
            raise ValueError("slot_wait must not be negative")

    def deadline_for(self, kind: OperationKind) -> float:
        return self.read_timeout if kind == "create" else self.deadline


def _pooled_session(pool_maxsize: int, base_url: str) -> requests.Session:
    session = requests.Session()
    # The environment's proxy (HTTPS_PROXY, NO_PROXY) and CA bundle settings are read once,
    # here, by requests itself: left on, it reads them again on every call (a third of a
    # millisecond each). Every call goes to `base_url`, so its settings are all of them.
    settings = session.merge_environment_settings(base_url, {}, None, None, None)
    session.proxies.update(settings["proxies"])
    session.verify = settings["verify"]
    session.trust_env = False
    # No transport-level retries: every retry decision is made (and logged) by the client.
    adapter = HTTPAdapter(
        pool_connections=4,
        pool_maxsize=pool_maxsize,
        max_retries=Retry(total=0, read=False, redirect=False),
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _segment(value: str, name: str) -> str:
    if not isinstance(value, str) or not _ID_PATTERN.fullmatch(value):
        raise InvalidIdentifierError(f"{name} is not a valid identifier", param=name)
    return quote(value, safe="")


def _page_query(
    limit: int | None, order: Order | None, after: str | None, before: str | None
) -> dict[str, str]:
    query: dict[str, str] = {}
    if limit is not None:
        query["limit"] = str(limit)
    if order is not None:
        query["order"] = order
    if after is not None:
        query["after"] = after
    if before is not None:
        query["before"] = before
    return query


@dataclass
class _Failure:
    """One failed attempt: the error to raise and whether repeating the call is safe."""

    error: UpstreamError
    repeatable: bool


class ChatKitClient:
    """Calls the ChatKit API over one pooled HTTP session.

    GET and DELETE are retried on connection failures, timeouts and 502/503/504; every
    method is retried on 429 (the request was refused, so nothing happened). A POST is
    otherwise only repeated when its connection could not even be opened.
    """

    def __init__(
        self,
        config: ClientConfig,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._base_url = config.base_url.rstrip("/")
        self._owns_session = session is None
        self._session = (
            session if session is not None else _pooled_session(config.pool_maxsize, self._base_url)
        )
        self._sleep = sleep
        self.breakers = {kind: CircuitBreaker(kind, config.breaker) for kind in OPERATION_KINDS}
        self._bulkhead = (
            Bulkhead(config.max_concurrency, config.slot_wait)
            if config.max_concurrency is not None
            else None
        )

    def __repr__(self) -> str:
        return f"ChatKitClient(base_url={self._base_url!r})"

    def __enter__(self) -> ChatKitClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release pooled connections (only of a session this client created)."""
        if self._owns_session:
            self._session.close()

    def count_outage(self, kind: OperationKind) -> None:
        """A caller gave up waiting on a call of this kind: the breaker counts it as failed."""
        self.breakers[kind].failed(probe=False)

    # --- operations ---------------------------------------------------------------------

    def create_session(
        self,
        params: SessionCreateParams,
        *,
        request_id: str | None = None,
        timeout: float | None = None,
    ) -> ChatSession:
        """Create a session; `request_id` goes upstream as `X-Client-Request-Id`. `timeout`
        replaces the read timeout (and deadline) for a caller that keeps reading a late answer."""
        return self._call(
            "POST",
            "/chatkit/sessions",
            shapes.chat_session,
            kind="create",
            body=params,
            request_id=request_id,
            timeout=timeout,
        )

    def cancel_session(self, session_id: str) -> ChatSession:
        path = f"/chatkit/sessions/{_segment(session_id, 'session_id')}/cancel"
        return self._call("POST", path, shapes.chat_session, kind="cancel")

    def list_threads(
        self,
        *,
        user: str,
        limit: int | None = None,
        order: Order | None = None,
        after: str | None = None,
        before: str | None = None,
    ) -> ThreadListPage:
        """One page of `user`'s threads.

        `user` is required: without it the upstream lists every user's threads.
        """
        if not isinstance(user, str) or not 1 <= len(user) <= MAX_USER_LENGTH:
            raise ValueError(f"user must be 1 to {MAX_USER_LENGTH} characters")
        query = {"user": user, **_page_query(limit, order, after, before)}
        page = self._call(
            "GET",
            "/chatkit/threads",
            lambda body: shapes.list_page(body, shapes.chatkit_thread),
            kind="read",
            query=query,
        )
        if any(thread["user"] != user for thread in page["data"]):
            raise UpstreamProtocolError("the thread list held threads of another user")
        return page

    def list_every_users_threads(
        self,
        *,
        limit: int | None = None,
        order: Order | None = None,
        after: str | None = None,
        before: str | None = None,
    ) -> ThreadListPage:
        """One page of the whole project's threads, every user's (no `user` filter).

        Only for jobs that act for the operator (retention); never for a signed-in user.
        """
        return self._call(
            "GET",
            "/chatkit/threads",
            lambda body: shapes.list_page(body, shapes.chatkit_thread),
            query=_page_query(limit, order, after, before),
            kind="read",
        )

    def retrieve_thread(self, thread_id: str) -> ChatKitThread:
        path = f"/chatkit/threads/{_segment(thread_id, 'thread_id')}"
        return self._call("GET", path, shapes.chatkit_thread, kind="read")

    def delete_thread(self, thread_id: str) -> ThreadDeleted:
        path = f"/chatkit/threads/{_segment(thread_id, 'thread_id')}"
        return self._call("DELETE", path, shapes.thread_deleted, kind="delete")

    def list_items(
        self,
        thread_id: str,
        *,
        limit: int | None = None,
        order: Order | None = None,
        after: str | None = None,
        before: str | None = None,
    ) -> ThreadItemListPage:
        path = f"/chatkit/threads/{_segment(thread_id, 'thread_id')}/items"
        return self._call(
            "GET",
            path,
            lambda body: shapes.list_page(body, shapes.thread_item),
            kind="read",
            query=_page_query(limit, order, after, before),
        )

    # --- transport ----------------------------------------------------------------------

    def _headers(self, *, with_body: bool) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self._config.api_key}",
            "OpenAI-Beta": OPENAI_BETA,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if with_body:
            headers["Content-Type"] = "application/json"
        headers.update(upstream_headers())
        return headers

    def _call(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], Result],
        *,
        kind: OperationKind,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        request_id: str | None = None,
        timeout: float | None = None,
    ) -> Result:
        """One call through its kind's circuit breaker and the process's concurrency cap."""
        breaker = self.breakers[kind]
        probe = breaker.admit()
        try:
            if self._bulkhead is None:
                result = self._attempts(method, path, parse, kind, query, body, request_id, timeout)
            else:
                with self._bulkhead.slot():
                    result = self._attempts(
                        method, path, parse, kind, query, body, request_id, timeout
                    )
        except UpstreamError as exc:
            if _is_outage(exc):
                breaker.failed(probe)
            elif exc.status is not None:
                breaker.succeeded(probe)  # it answered: the upstream is up
            else:
                breaker.released(probe)
            raise
        except BaseException:
            breaker.released(probe)
            raise
        breaker.succeeded(probe)
        return result

    def _attempts(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], Result],
        kind: OperationKind,
        query: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
        request_id: str | None,
        timeout: float | None,
    ) -> Result:
        attempts = self._config.max_retries + 1
        wait_budget = self._config.max_retry_wait
        deadline = timeout or self._config.deadline_for(kind)
        read_timeout = timeout or self._config.read_timeout
        give_up_at = time.monotonic() + deadline
        payload = None if body is None else json.dumps(body, allow_nan=False).encode("utf-8")
        headers = self._headers(with_body=payload is not None)
        # One id for every attempt of this call: the attempts are one logical request. A create
        # names itself (its late answer is matched by it); other calls carry the id of the
        # request they serve, so an operator can follow one request upstream.
        if request_id:
            headers[CLIENT_REQUEST_ID_HEADER] = request_id
        else:
            headers.setdefault(CLIENT_REQUEST_ID_HEADER, str(uuid.uuid4()))
        for attempt in range(1, attempts + 1):
            started = time.monotonic()
            left = give_up_at - started
            if left <= 0:
                message = f"the upstream did not answer within the {deadline:g} s deadline"
                raise UpstreamTimeout(message)
            outcome = self._attempt(method, path, query, payload, headers, left, read_timeout)
            elapsed_ms = (time.monotonic() - started) * 1000.0
            _observe(method, path, outcome, elapsed_ms)
            if isinstance(outcome, requests.Response) and 200 <= outcome.status_code < 300:
                logger.debug(
                    "%s %s -> %d in %.0f ms (attempt %d/%d)",
                    method,
                    path,
                    outcome.status_code,
                    elapsed_ms,
                    attempt,
                    attempts,
                )
                return parse(self._json_body(outcome))
            failure = (
                self._response_failure(method, outcome)
                if isinstance(outcome, requests.Response)
                else outcome
            )
            logger.info(
                "%s %s -> %s in %.0f ms (attempt %d/%d)",
                method,
                path,
                self._outcome_label(failure.error),
                elapsed_ms,
                attempt,
                attempts,
            )
            wait = self._wait_before_retry(failure, attempt, attempts, wait_budget)
            if wait is not None and time.monotonic() + wait >= give_up_at:
                logger.warning(
                    "not retrying %s %s: the %.1f s deadline would pass", method, path, deadline
                )
                raise failure.error
            if wait is None:
                if failure.repeatable and attempt < attempts:
                    logger.warning(
                        "not retrying %s %s: the upstream asks for %.1f s, over the %.1f s left",
                        method,
                        path,
                        failure.error.retry_after,
                        wait_budget,
                    )
                raise failure.error
            wait_budget -= wait
            metrics.UPSTREAM_RETRIES.labels(operation(method, path), _reason(failure.error)).inc()
            logger.warning(
                "retrying %s %s after %s in %.2f s (attempt %d/%d)",
                method,
                path,
                self._outcome_label(failure.error),
                wait,
                attempt + 1,
                attempts,
            )
            self._sleep(wait)
        raise AssertionError("the retry loop always returns or raises")

    def _attempt(
        self,
        method: str,
        path: str,
        query: Mapping[str, str] | None,
        payload: bytes | None,
        headers: Mapping[str, str],
        left: float,
        read_timeout: float,
    ) -> requests.Response | _Failure:
        connect_timeout = min(self._config.connect_timeout, left)
        read_timeout = min(read_timeout, left)
        try:
            return self._session.request(
                method,
                self._base_url + path,
                params=query,
                data=payload,
                headers=headers,
                timeout=(connect_timeout, read_timeout),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            return self._transport_failure(method, exc, connect_timeout, read_timeout)

    def _transport_failure(
        self,
        method: str,
        exc: requests.RequestException,
        connect_timeout: float,
        read_timeout: float,
    ) -> _Failure:
        idempotent = method in IDEMPOTENT_METHODS
        if isinstance(exc, requests.ConnectTimeout):
            # Nothing was sent, so even a POST may be repeated.
            message = f"could not connect to the upstream within {connect_timeout:g} s"
            return _Failure(UpstreamTimeout(message), repeatable=True)
        if isinstance(exc, requests.ReadTimeout) or _caused_by(exc, ReadTimeoutError):
            message = f"the upstream did not answer within {read_timeout:g} s"
            return _Failure(UpstreamTimeout(message), repeatable=idempotent)
        if isinstance(exc, requests.ConnectionError):
            if _caused_by(exc, NewConnectionError):
                message = "could not open a connection to the upstream"
                return _Failure(UpstreamConnectionError(message), repeatable=True)
            message = "the connection to the upstream failed"
            return _Failure(UpstreamConnectionError(message), repeatable=idempotent)
        message = f"the upstream request failed ({type(exc).__name__})"
        return _Failure(UpstreamConnectionError(message), repeatable=False)

    def _response_failure(self, method: str, response: requests.Response) -> _Failure:
        status = response.status_code
        retry_after = parse_retry_after(response.headers)
        if 300 <= status < 400:
            error: UpstreamError = UpstreamProtocolError(
                "the upstream answered with an unexpected redirect", status=status
            )
            return _Failure(error, repeatable=False)
        fields = self._error_fields(response)
        error = error_class_for_status(status)(
            fields.get("message") or f"the upstream answered HTTP {status}",
            status=status,
            type=fields.get("type"),
            param=fields.get("param"),
            code=fields.get("code"),
            retry_after=retry_after,
        )
        repeatable = status == 429 or (
            status in TRANSIENT_STATUSES and method in IDEMPOTENT_METHODS
        )
        return _Failure(error, repeatable=repeatable)

    def _error_fields(self, response: requests.Response) -> dict[str, str]:
        """The `error` object's string fields, credentials removed; empty if the body has none."""
        try:
            body = response.json()
        except ValueError:
            return {}
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return {}
        fields: dict[str, str] = {}
        for key in ("message", "type", "param", "code"):
            value = error.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                fields[key] = redact(str(value), self._config.api_key)
        return fields

    def _wait_before_retry(
        self, failure: _Failure, attempt: int, attempts: int, budget: float
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to give up now."""
        if not failure.repeatable or attempt >= attempts:
            return None
        asked = failure.error.retry_after
        if asked is not None:
            # Waiting less than asked would only be refused again.
            return asked if asked <= budget else None
        delay = backoff_delay(attempt, self._config.backoff_base, self._config.backoff_max)
        return min(delay, max(budget, 0.0))

    def _json_body(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise UpstreamProtocolError(
                "the upstream answered with a body that is not JSON", status=response.status_code
            ) from None

    @staticmethod
    def _outcome_label(error: UpstreamError) -> str:
        if error.status is not None:
            return str(error.status)
        return type(error).__name__


def operation(method: str, path: str) -> str:
    return metrics.upstream_operation(method, path)


def _observe(
    method: str, path: str, outcome: requests.Response | _Failure, elapsed_ms: float
) -> None:
    """One attempt in the duration histogram: by HTTP status, or how the transport failed."""
    status = (
        str(outcome.status_code)
        if isinstance(outcome, requests.Response)
        else _reason(outcome.error)
    )
    metrics.UPSTREAM_REQUEST_DURATION.labels(operation(method, path), status).observe(
        elapsed_ms / 1000.0
    )


def _reason(error: UpstreamError) -> str:
    if error.status is not None:
        return str(error.status)
    return "timeout" if isinstance(error, UpstreamTimeout) else "connection_error"


def _is_outage(exc: UpstreamError) -> bool:
    """Failures that say the upstream is down or slow (what the circuit breaker counts)."""
    return isinstance(exc, UpstreamTimeout | UpstreamConnectionError | InternalServerError)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether `kind` is somewhere in what requests wrapped (args, reason, cause)."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen or not isinstance(current, BaseException):
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return True
        pending.extend(current.args)
        pending.append(getattr(current, "reason", None))
        pending.append(current.__cause__)
        pending.append(current.__context__)
    return False
