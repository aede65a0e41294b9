"""What the app needs of the Redis server itself: a recent enough version, and no eviction.

Checked once at start-up (`app.py`) and by the doctor; a server that cannot be reached yet is
not judged here (requests answer 503 until it can).
"""

from __future__ import annotations

import re
from typing import Any

import redis
from redis.cluster import RedisCluster

from chatkit_bff.redis_connection import OUTAGE_ERRORS, as_cluster

#: GETEX (reading a sign-in pushes back its idle timer) and SET PXAT (cached secrets) are 6.2's.
MINIMUM_VERSION = (6, 2)
NEEDED = ".".join(map(str, MINIMUM_VERSION))
_VERSION = re.compile(r"(\d+)\.(\d+)")


def _primaries_info(client: redis.Redis, section: str) -> list[dict[str, Any]]:
    """INFO `section` of every primary (one on a single node or behind Sentinel)."""
    cluster = as_cluster(client)
    if cluster is None:
        return [client.info(section)]
    answers = cluster.info(section, target_nodes=RedisCluster.PRIMARIES)
    return list(answers.values())


def server_versions(client: redis.Redis) -> set[str]:
    """`redis_version` of every primary."""
    return {str(info.get("redis_version", "")) for info in _primaries_info(client, "server")}


def too_old(version: str) -> bool:
    """Whether `version` ("6.0.16") is older than MINIMUM_VERSION; unknown forms pass."""
    found = _VERSION.match(version)
    return found is not None and (int(found[1]), int(found[2])) < MINIMUM_VERSION


#: What the app's Redis user must be allowed beyond key commands (`README`, "Least privilege").
INFO_REFUSED = (
    "Redis does not answer INFO for this user: the app needs it (the server's version, and "
    "its replicas for the writes they must confirm); allow it in the user's ACL (+info)"
)


def version_problem(client: redis.Redis) -> str | None:
    """One line if a Redis server is older than the app needs, or will not say, else None."""
    try:
        old = sorted(version for version in server_versions(client) if too_old(version))
    except OUTAGE_ERRORS:
        return None
    except redis.exceptions.ResponseError:  # NOPERM by an ACL, or the command renamed away
        return INFO_REFUSED
    if not old:
        return None
    return (
        f"Redis {', '.join(old)} is too old: this app needs Redis "
        f"{NEEDED} or newer (it uses GETEX and SET PXAT)"
    )


def eviction_policies(client: redis.Redis) -> set[str] | None:
    """`maxmemory-policy` of every primary, or None where the server will not say.

    Read from INFO, which managed offerings and least-privilege users allow, unlike CONFIG.
    """
    try:
        answers = _primaries_info(client, "memory")
    except redis.exceptions.ResponseError:
        return None
    return {str(info.get("maxmemory_policy", "")) for info in answers}


def eviction_problem(client: redis.Redis) -> str | None:
    """One line if Redis may evict keys (sessions, policies, audit), else None."""
    try:
        policies = eviction_policies(client)
    except OUTAGE_ERRORS:
        return None  # not reachable yet: requests will answer 503 until it is
    evicting = sorted((policies or set()) - {"noeviction"})
    if not evicting:
        return None
    return (
        f"Redis maxmemory-policy is {', '.join(evicting)}: it may evict sign-ins, policies and "
        "the audit trail; set it to noeviction (or REDIS_ACCEPT_EVICTION=on to accept this)"
    )
