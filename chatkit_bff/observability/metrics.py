"""The BFF's Prometheus metrics: names, labels, and exposition (one process or many).

Label values come from small fixed sets (outcomes, API operations, route rules, status
codes): never a user id, an email, a thread id or a secret.
"""

from __future__ import annotations

import os
import re

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

#: The metrics of this process; under gunicorn each worker also writes them to
#: PROMETHEUS_MULTIPROC_DIR, and `exposition` sums every worker's files.
REGISTRY = CollectorRegistry(auto_describe=True)

CHAT_SESSION_MINTS = Counter(
    "chatkit_bff_chat_session_mints",
    "ChatKit sessions created upstream for users, by outcome (created, failed).",
    ["outcome"],
    registry=REGISTRY,
)
SECRET_CACHE_REQUESTS = Counter(
    "chatkit_bff_secret_cache_requests",
    "Calls for a client secret: served from cache (hit), none cached (miss), refresh asked.",
    ["result"],
    registry=REGISTRY,
)
SINGLE_FLIGHT_WAITS = Counter(
    "chatkit_bff_single_flight_waits",
    "Calls that waited for another request (any process) minting the same user's session.",
    registry=REGISTRY,
)
UPSTREAM_REQUEST_DURATION = Histogram(
    "chatkit_bff_upstream_request_duration_seconds",
    "Each HTTP request to the ChatKit API (every attempt), by API operation and status.",
    ["operation", "status"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0),
    registry=REGISTRY,
)
UPSTREAM_RETRIES = Counter(
    "chatkit_bff_upstream_retries",
    "Upstream calls repeated, by API operation and the reason (status, timeout, connection).",
    ["operation", "reason"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "chatkit_bff_rate_limited",
    "Requests refused with 429 by this app's own limits, by limit.",
    ["limit"],
    registry=REGISTRY,
)
SIGN_INS = Counter(
    "chatkit_bff_sign_ins",
    "Browser sign-ins, by outcome (succeeded, or the failure's code).",
    ["outcome"],
    registry=REGISTRY,
)
BACKCHANNEL_LOGOUTS = Counter(
    "chatkit_bff_backchannel_logouts",
    "Back-channel logout tokens received, by outcome (ended, rejected, unavailable).",
    ["outcome"],
    registry=REGISTRY,
)
FRONTCHANNEL_LOGOUTS = Counter(
    "chatkit_bff_frontchannel_logouts",
    "Front-channel logout frames loaded, by outcome (ended, rejected, unavailable).",
    ["outcome"],
    registry=REGISTRY,
)
REDIS_ERRORS = Counter(
    "chatkit_bff_redis_errors",
    "Requests that failed because Redis was unreachable or too slow.",
    registry=REGISTRY,
)
HTTP_REQUEST_DURATION = Histogram(
    "chatkit_bff_http_request_duration_seconds",
    "Requests served, by route rule (never the raw path), method and status.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)

_OPERATIONS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(r"/chatkit/sessions"), "sessions.create"),
    ("POST", re.compile(r"/chatkit/sessions/[^/]+/cancel"), "sessions.cancel"),
    ("GET", re.compile(r"/chatkit/threads"), "threads.list"),
    ("GET", re.compile(r"/chatkit/threads/[^/]+"), "threads.retrieve"),
    ("DELETE", re.compile(r"/chatkit/threads/[^/]+"), "threads.delete"),
    ("GET", re.compile(r"/chatkit/threads/[^/]+/items"), "threads.list_items"),
)


def upstream_operation(method: str, path: str) -> str:
    """The API operation a request path names (`threads.list_items`), without its ids."""
    for verb, pattern, name in _OPERATIONS:
        if method == verb and pattern.fullmatch(path):
            return name
    return "other"


#: Which of our limits an endpoint's 429 comes from.
_LIMITS = {
    "api.create_chatkit_session": "mint",
    "auth.login": "sign_in",
    "auth.callback": "sign_in",
}


def limit_name(endpoint: str | None) -> str:
    return _LIMITS.get(endpoint or "", "other")


def cache_result(cached: object | None, answered: object | None) -> str:
    """hit: the cache answered; refresh: a secret was cached but the caller asked past it."""
    if answered is not None:
        return "hit"
    return "miss" if cached is None else "refresh"


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition() -> tuple[bytes, str]:
    """The text exposition of every process's metrics, and its content type."""
    if multiprocess_dir() is None:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST
