"""One `REDIS_URL` for every topology: a single node, a Sentinel group or a Redis Cluster.

The URL forms are the `limits` library's, so the same URL also configures flask-limiter:

- ``redis://[[user]:password@]host:port[/db]``, ``rediss://…`` (TLS), ``unix:///path.sock[?db=N]``
- ``redis+sentinel://[[user]:password@]host:port[,host:port…]/service_name[/db]``
- ``redis+cluster://[[user]:password@]host:port[,host:port…]``

Sentinel and cluster take TLS from the query: ``?ssl=true`` (with ``ssl_ca_certs=/path``,
``ssl_certfile``, ``ssl_keyfile``, ``ssl_cert_reqs=required|optional|none``,
``ssl_exclude_verify_flags`` / ``ssl_include_verify_flags`` as needed, the last two as redis-py
reads them from a single node's URL, e.g. ``VERIFY_X509_STRICT``); the password (and user)
apply to the sentinels as well as to the data nodes. The scheme ``rediss+sentinel://`` /
``rediss+cluster://`` is the same as ``?ssl=true``. Sentinels that speak plain TCP in front of
TLS data nodes take ``sentinel_ssl=false``.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import redis
from redis.backoff import ExponentialBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.retry import Retry
from redis.sentinel import Sentinel

Topology = Literal["single", "sentinel", "cluster"]

_SINGLE_SCHEMES = {"redis", "rediss", "unix", "redis+unix"}
_SENTINEL_SCHEMES = {"redis+sentinel", "rediss+sentinel"}
_CLUSTER_SCHEMES = {"redis+cluster", "rediss+cluster"}
_TLS_OPTIONS = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile", "ssl_cert_reqs")
# Lists of ssl.VerifyFlags names, as redis-py reads them from a single node's URL.
_VERIFY_FLAG_OPTIONS = ("ssl_include_verify_flags", "ssl_exclude_verify_flags")
_SENTINEL_AUTH_OPTIONS = ("sentinel_username", "sentinel_password")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

#: What a Redis outage or failover looks like to redis-py: the caller gets a 503, never a 500.
OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,  # includes Sentinel's MasterNotFoundError
    redis.exceptions.TimeoutError,
    redis.exceptions.ClusterError,  # ClusterDownError, MasterDownError
    redis.exceptions.TryAgainError,  # a slot migrating or a replica being promoted
    redis.exceptions.ReadOnlyError,  # a write reached a primary that was just demoted
    redis.exceptions.SlotNotCoveredError,  # while the client rebuilds its slot map
    redis.exceptions.BusyLoadingError,
)


#: Seconds a client should wait before retrying after an outage error (a failover takes ~2-5 s).
OUTAGE_RETRY_AFTER = 2


class RedisUrlError(ValueError):
    """`REDIS_URL` cannot be used; the message is one line naming the problem."""


@dataclass(frozen=True)
class RedisTarget:
    """A parsed `REDIS_URL`."""

    topology: Topology
    url: str
    nodes: tuple[tuple[str, int], ...] = ()
    service_name: str | None = None
    db: int = 0
    username: str | None = None
    password: str | None = None
    tls: dict[str, Any] = field(default_factory=dict)
    #: (username, password) for the sentinels when they differ from the data nodes' (None: the
    #: same); a None password sends them no AUTH.
    sentinel_credentials: tuple[str | None, str | None] | None = None
    #: False when the sentinels speak plain TCP although the data nodes take TLS.
    sentinel_tls: bool = True

    @property
    def sentinel_auth(self) -> dict[str, Any]:
        """The credentials the sentinels themselves take."""
        username, password = self.sentinel_credentials or (self.username, self.password)
        return {"username": username, "password": password}

    @property
    def sentinel_tls_options(self) -> dict[str, Any]:
        """The TLS options the sentinels themselves take (none when they speak plain TCP)."""
        return self.tls if self.sentinel_tls else {}

    @property
    def uses_tls(self) -> bool:
        return bool(self.tls.get("ssl"))

    def describe(self) -> str:
        """Where the data lives, for log lines: never the password."""
        where = ",".join(f"{_url_host(host)}:{port}" for host, port in self.nodes)
        tls = " over TLS" if self.uses_tls else ""
        if self.topology == "sentinel" and tls and not self.sentinel_tls:
            tls += " to the data nodes (the sentinels without)"
        if self.topology == "sentinel":
            return f"Sentinel service {self.service_name!r} (sentinels {where}, db {self.db}){tls}"
        if self.topology == "cluster":
            return f"Redis Cluster (seed nodes {where}){tls}"
        parsed = urllib.parse.urlsplit(self.url)
        return f"Redis at {parsed.hostname or parsed.path}{tls}"


def parse_redis_url(url: str) -> RedisTarget:
    """Parse and check `url`; raises `RedisUrlError` with one clear line."""
    try:
        parsed = urllib.parse.urlsplit(url.strip())
    except ValueError as exc:
        raise RedisUrlError(f"REDIS_URL is not a URL: {exc}") from None
    scheme = parsed.scheme.lower()
    if scheme in _SINGLE_SCHEMES:
        try:
            redis.connection.parse_url(  # type: ignore[no-untyped-call]
                url.replace("redis+unix://", "unix://", 1)
            )
        except ValueError as exc:
            raise RedisUrlError(f"REDIS_URL is not valid: {exc}") from None
        return RedisTarget("single", url, username=parsed.username, password=parsed.password)
    if scheme not in _SENTINEL_SCHEMES | _CLUSTER_SCHEMES:
        forms = "redis://, rediss://, unix://, redis+sentinel:// or redis+cluster://"
        raise RedisUrlError(f"REDIS_URL has an unknown scheme {parsed.scheme!r}; use {forms}")
    nodes = _locations(parsed.netloc)
    query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
    sentinel_credentials = _sentinel_credentials(query, sentinel=scheme in _SENTINEL_SCHEMES)
    sentinel_tls = _sentinel_tls(query, sentinel=scheme in _SENTINEL_SCHEMES)
    query = {name: values for name, values in query.items() if values[-1]}
    tls = _tls_options(query, force=scheme.startswith("rediss+"))
    username = urllib.parse.unquote(parsed.username) if parsed.username else None
    password = urllib.parse.unquote(parsed.password) if parsed.password else None
    if scheme in _CLUSTER_SCHEMES:
        if parsed.path.strip("/"):
            raise RedisUrlError("REDIS_URL: a Redis Cluster has only database 0 (drop the path)")
        return RedisTarget("cluster", url, nodes, None, 0, username, password, tls)
    parts = [p for p in parsed.path.split("/") if p]
    if not parts or len(parts) > 2:
        raise RedisUrlError("REDIS_URL: redis+sentinel:// needs /service_name[/db] after the hosts")
    db = 0
    if len(parts) == 2:
        if not parts[1].isdigit():
            raise RedisUrlError(f"REDIS_URL: the database must be a number, got {parts[1]!r}")
        db = int(parts[1])
    if not sentinel_tls and not tls:
        raise RedisUrlError("REDIS_URL: sentinel_ssl=false is for TLS data nodes (ssl=true)")
    return RedisTarget(
        "sentinel",
        url,
        nodes,
        parts[0],
        db,
        username,
        password,
        tls,
        sentinel_credentials,
        sentinel_tls,
    )


def _sentinel_tls(query: dict[str, list[str]], *, sentinel: bool) -> bool:
    """`sentinel_ssl` (taken out of `query`): false when the sentinels speak plain TCP in
    front of TLS data nodes; true (the default) when they take the same TLS."""
    if "sentinel_ssl" not in query:
        return True
    if not sentinel:
        raise RedisUrlError("REDIS_URL: sentinel_ssl is for redis+sentinel:// only")
    value = query.pop("sentinel_ssl")[-1].lower()
    if value not in _TRUE | _FALSE:
        raise RedisUrlError("REDIS_URL: sentinel_ssl must be true or false")
    return value in _TRUE


def _sentinel_credentials(
    query: dict[str, list[str]], *, sentinel: bool
) -> tuple[str | None, str | None] | None:
    """`sentinel_username` / `sentinel_password` (taken out of `query`): the sentinels' own
    credentials, for the common set-up where they take none (`sentinel_password=`) or another
    password than the data nodes."""
    given = {name: query.pop(name)[-1] for name in _SENTINEL_AUTH_OPTIONS if name in query}
    if not given:
        return None
    if not sentinel:
        raise RedisUrlError(f"REDIS_URL: {', '.join(sorted(given))} is for redis+sentinel:// only")
    return given.get("sentinel_username") or None, given.get("sentinel_password") or None


def _locations(netloc: str) -> tuple[tuple[str, int], ...]:
    hosts = netloc.rpartition("@")[2]
    found: list[tuple[str, int]] = []
    for location in hosts.split(","):
        try:
            sub = urllib.parse.urlsplit(f"//{location.strip()}")
            host, port = sub.hostname, sub.port
        except ValueError:
            host, port = None, None
        if not host or port is None:
            raise RedisUrlError(f"REDIS_URL: {location.strip()!r} needs a host and a port")
        found.append((host, port))
    return tuple(found)


def _tls_options(query: dict[str, list[str]], *, force: bool) -> dict[str, Any]:
    unknown = set(query) - {"ssl", *_TLS_OPTIONS, *_VERIFY_FLAG_OPTIONS}
    if unknown:
        raise RedisUrlError(f"REDIS_URL has unknown options: {', '.join(sorted(unknown))}")
    if not force and query.get("ssl", ["false"])[-1].lower() not in _TRUE:
        if any(name in query for name in (*_TLS_OPTIONS, *_VERIFY_FLAG_OPTIONS)):
            raise RedisUrlError("REDIS_URL has TLS options without ssl=true")
        return {}
    options: dict[str, Any] = {"ssl": True}
    for name in _TLS_OPTIONS:
        if name in query:
            options[name] = query[name][-1]
    for name in _VERIFY_FLAG_OPTIONS:
        if name in query:
            try:
                options[name] = redis.connection.parse_ssl_verify_flags(query[name][-1])  # type: ignore[no-untyped-call]
            except ValueError as exc:
                raise RedisUrlError(f"REDIS_URL: {name}: {exc}") from None
    if options.get("ssl_cert_reqs", "required") not in {"required", "optional", "none"}:
        raise RedisUrlError("REDIS_URL: ssl_cert_reqs must be required, optional or none")
    return options


@dataclass(frozen=True)
class Timeouts:
    connect: float = 2.0
    read: float = 5.0


def _retry() -> Retry:
    # A few quick retries ride out a dropped connection or a MOVED redirect; a failover that
    # takes longer than that surfaces as a 503 and the next request finds the new primary.
    return Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=2)


def connect(target: RedisTarget, timeouts: Timeouts = Timeouts()) -> redis.Redis:
    """The redis-py client for `target` (a `RedisCluster` answers the same commands)."""
    common: dict[str, Any] = {
        "socket_connect_timeout": timeouts.connect,
        "socket_timeout": timeouts.read,
        "retry": _retry(),
        "health_check_interval": 30,
    }
    auth: dict[str, Any] = {"username": target.username, "password": target.password}
    if target.topology == "single":
        return redis.Redis.from_url(target.url.replace("redis+unix://", "unix://", 1), **common)
    if target.topology == "sentinel":
        sentinel = Sentinel(  # type: ignore[no-untyped-call, unused-ignore]  # typed from redis 8.2
            list(target.nodes),
            sentinel_kwargs={**target.sentinel_auth, **target.sentinel_tls_options, **common},
            **auth,
            **target.tls,
            **common,
        )
        assert target.service_name is not None
        # Reads go to the primary too: a replica may not have the write that was just made.
        primary: redis.Redis = sentinel.master_for(  # type: ignore[no-untyped-call, unused-ignore]
            target.service_name, db=target.db
        )
        return primary
    cluster = RedisCluster(
        startup_nodes=[
            ClusterNode(host, port)  # type: ignore[no-untyped-call]
            for host, port in target.nodes
        ],
        **auth,
        **target.tls,
        **common,
    )
    # Every module is typed against `redis.Redis`; the cluster client answers the same commands
    # (keys of one call always share a slot, see redis_keys), so it stands in for it.
    return cast(redis.Redis, cluster)


def as_cluster(client: redis.Redis) -> RedisCluster | None:
    """The cluster client behind `client`, or None on a single node or Sentinel."""
    found: object = client
    return found if isinstance(found, RedisCluster) else None


def limiter_storage(
    target: RedisTarget, timeouts: Timeouts = Timeouts()
) -> tuple[str, dict[str, Any]]:
    """flask-limiter's `RATELIMIT_STORAGE_URI` and `RATELIMIT_STORAGE_OPTIONS` for `target`."""
    common: dict[str, Any] = {
        "socket_connect_timeout": timeouts.connect,
        "socket_timeout": timeouts.read,
    }
    if target.topology == "single":
        url = target.url
        return ("redis+" + url if url.startswith("unix://") else url), common
    auth = f"{_quote(target.username)}:{_quote(target.password)}@" if target.password else ""
    hosts = ",".join(f"{_url_host(host)}:{port}" for host, port in target.nodes)
    if target.topology == "cluster":
        return f"redis+cluster://{auth}{hosts}", {**common, **target.tls}
    # limits reads only /service_name from the path: the database and TLS go as options (only
    # when set: flask-limiter merges the options of every app it is bound to in one process).
    options = {**common, **target.tls}
    if target.db:
        options["db"] = target.db
    sentinel_kwargs: dict[str, Any] = {}
    if target.tls:
        sentinel_kwargs.update(common, **target.sentinel_tls_options)
    if target.sentinel_credentials is not None:
        sentinel_kwargs.update(target.sentinel_auth)
    if sentinel_kwargs:
        options["sentinel_kwargs"] = sentinel_kwargs
    return f"redis+sentinel://{auth}{hosts}/{target.service_name}", options


def _url_host(host: str) -> str:
    """A host as a URL writes it: an IPv6 address in brackets (RFC 3986 §3.2.2)."""
    return f"[{host}]" if ":" in host else host


def _quote(value: str | None) -> str:
    return urllib.parse.quote(value or "", safe="")
