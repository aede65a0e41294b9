"""Redis checks: reachable, version, round-trip time, persistence, eviction policy, topology."""

from __future__ import annotations

import statistics
import time
from typing import Any
from urllib.parse import urlsplit

import redis

from chatkit_bff.redis_connection import RedisUrlError, parse_redis_url
from chatkit_bff.redis_failures import redis_failure_reason
from chatkit_bff.redis_requirements import NEEDED, too_old

from .report import Check

SLOW_RTT_MS = 10.0


def where(url: str) -> str:
    """The Redis URL without credentials."""
    try:
        target = parse_redis_url(url)
    except RedisUrlError:
        target = None
    if target is not None and target.topology != "single":
        return target.describe()  # a list of hosts that urlsplit cannot take apart
    parts = urlsplit(url)
    host = parts.hostname or parts.path or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path if parts.hostname else ''}"


def check_redis(client: redis.Redis, url: str) -> list[Check]:
    shown = where(url)
    try:
        rtts = []
        for _ in range(5):
            started = time.perf_counter()
            client.ping()
            rtts.append((time.perf_counter() - started) * 1000)
        info: dict[str, Any] = client.info()
    except redis.exceptions.AuthenticationError:
        return [
            Check(
                "redis",
                "reachable",
                "fail",
                f"Redis at {shown} refused the credentials",
                "Put the right password (and user) in REDIS_URL: redis://:password@host:port/0.",
            )
        ]
    except redis.exceptions.RedisError as error:
        reason = redis_failure_reason(error)
        fix = (
            "Change REDIS_URL as said: sign-ins, secrets and limits live in Redis."
            if reason != type(error).__name__  # the cause says what to change
            else "Start Redis or point REDIS_URL at it; sign-ins, secrets and limits live there."
        )
        return [
            Check(
                "redis",
                "reachable",
                "fail",
                f"Redis at {shown} is unreachable ({reason})",
                fix,
            )
        ]
    rtt = statistics.median(rtts)
    return [
        Check("redis", "reachable", "ok", f"{shown} answers"),
        Check("redis", "version", *_version(str(info.get("redis_version", "?")))),
        Check(
            "redis",
            "round trip",
            "warn" if rtt > SLOW_RTT_MS else "ok",
            f"{rtt:.2f} ms (median of 5 PINGs)",
            "Put Redis close to the app: every request makes one to three round trips."
            if rtt > SLOW_RTT_MS
            else None,
        ),
        _persistence(info),
        _eviction(info),
        _topology(info),
    ]


def _version(version: str) -> tuple[Any, str, str | None]:
    if too_old(version):
        return (
            "fail",
            f"Redis {version} is too old: sign-ins and cached secrets need GETEX and SET PXAT",
            f"Use Redis {NEEDED} or newer (or Valkey); the app refuses to start on this one.",
        )
    return "ok", f"Redis {version}", None


def _persistence(info: dict[str, Any]) -> Check:
    if str(info.get("aof_enabled", "0")) == "1":
        return Check("redis", "persistence", "ok", "append-only file on")
    return Check(
        "redis",
        "persistence",
        "warn",
        "append-only file off: a restart loses sign-ins, policies and audit entries written "
        "since the last snapshot",
        "CONFIG SET appendonly yes (and appendonly yes in redis.conf), or a managed Redis "
        "with persistence.",
    )


def _eviction(info: dict[str, Any]) -> Check:
    policy = str(info.get("maxmemory_policy", "?"))
    if policy == "noeviction":
        return Check("redis", "maxmemory-policy", "ok", "noeviction")
    return Check(
        "redis",
        "maxmemory-policy",
        "warn",
        f"{policy}: Redis may evict sign-ins, policies and the audit trail under memory pressure",
        "CONFIG SET maxmemory-policy noeviction (and in redis.conf).",
    )


def _topology(info: dict[str, Any]) -> Check:
    mode = str(info.get("redis_mode", "standalone"))
    role = str(info.get("role", "master"))
    replicas = int(info.get("connected_slaves", 0) or 0)
    detail = f"{mode}, role {role}, {replicas} replica(s)"
    if role != "master":
        return Check(
            "redis",
            "topology",
            "fail",
            detail + ": a replica refuses writes",
            "Point REDIS_URL at the primary.",
        )
    return Check("redis", "topology", "info", detail)
