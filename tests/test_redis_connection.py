"""One REDIS_URL for every topology (the limits library's forms); an evicting Redis is refused,
and so is one too old for the commands used."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
import redis
from limits.storage import RedisSentinelStorage, storage_from_string

from app import create_app
from chatkit_bff.redis_connection import (
    RedisUrlError,
    Timeouts,
    connect,
    limiter_storage,
    parse_redis_url,
)
from chatkit_bff.redis_failures import redis_failure_reason
from chatkit_bff.redis_requirements import server_versions, too_old, version_problem
from chatkit_bff.settings import ConfigError
from testing.old_redis import VERSION as OLD_VERSION
from testing.old_redis import redis_6_0
from testing.redis_topologies import SERVICE, redis_sentinel
from testing.servers import free_port
from tests.support.own_process import UNREACHABLE, run_app
from tests.test_settings import PRODUCTION

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("url", "topology", "nodes", "service", "db"),
    [
        ("redis://127.0.0.1:6379/2", "single", (), None, 0),
        ("rediss://:pw@cache.internal:6380/0", "single", (), None, 0),
        ("unix:///run/redis.sock?db=1", "single", (), None, 0),
        (
            "redis+sentinel://:pw@s1:26379,s2:26379,s3:26379/mymaster/3",
            "sentinel",
            (("s1", 26379), ("s2", 26379), ("s3", 26379)),
            "mymaster",
            3,
        ),
        ("redis+sentinel://s1:26379/mymaster", "sentinel", (("s1", 26379),), "mymaster", 0),
        ("redis+cluster://:pw@n1:7000,n2:7001", "cluster", (("n1", 7000), ("n2", 7001)), None, 0),
    ],
)
def test_url_forms(
    url: str, topology: str, nodes: tuple[tuple[str, int], ...], service: str | None, db: int
) -> None:
    target = parse_redis_url(url)
    assert (target.topology, target.nodes, target.service_name, target.db) == (
        topology,
        nodes,
        service,
        db,
    )
    assert "pw" not in target.describe()


def test_tls_and_passwords_for_sentinel_and_cluster() -> None:
    sentinel = parse_redis_url(
        "redis+sentinel://app:p%40ss@s1:26379/main?ssl=true&ssl_ca_certs=/etc/ca.pem"
    )
    assert (sentinel.username, sentinel.password) == ("app", "p@ss")
    assert sentinel.tls == {"ssl": True, "ssl_ca_certs": "/etc/ca.pem"}
    assert parse_redis_url("rediss+cluster://:pw@n1:7000").tls == {"ssl": True}


def test_sentinel_and_cluster_take_tls_verify_flags_as_a_single_node_url_does() -> None:
    flags = "ssl_exclude_verify_flags=VERIFY_X509_STRICT,VERIFY_X509_PARTIAL_CHAIN"
    cluster = parse_redis_url(f"rediss+cluster://n1:7000?{flags}")
    assert cluster.tls["ssl_exclude_verify_flags"] == [
        ssl.VerifyFlags.VERIFY_X509_STRICT,
        ssl.VerifyFlags.VERIFY_X509_PARTIAL_CHAIN,
    ]
    sentinel = parse_redis_url(
        "rediss+sentinel://s1:26379/main?ssl_include_verify_flags=VERIFY_X509_STRICT"
    )
    assert sentinel.tls["ssl_include_verify_flags"] == [ssl.VerifyFlags.VERIFY_X509_STRICT]
    _, options = limiter_storage(sentinel)  # the limiter's connections verify alike
    assert options["ssl_include_verify_flags"] == [ssl.VerifyFlags.VERIFY_X509_STRICT]
    assert options["sentinel_kwargs"]["ssl_include_verify_flags"] == [
        ssl.VerifyFlags.VERIFY_X509_STRICT
    ]


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("memcached://127.0.0.1:11211", "unknown scheme 'memcached'"),
        ("redis+sentinel://s1:26379", "needs /service_name"),
        ("redis+sentinel://s1:26379/main/x", "database must be a number"),
        ("redis+cluster://n1:7000/1", "only database 0"),
        ("redis+cluster://n1", "needs a host and a port"),
        ("redis+cluster://n1:7000?sll=true", "unknown options: sll"),
        ("redis+sentinel://s1:26379/main?sentinel_ssl=false", "is for TLS data nodes"),
        ("rediss+sentinel://s1:26379/main?sentinel_ssl=maybe", "must be true or false"),
        ("rediss+cluster://n1:7000?sentinel_ssl=false", "sentinel_ssl is for"),
        ("rediss+cluster://n1:7000?ssl_exclude_verify_flags=LAX", "Invalid ssl verify flag: LAX"),
        ("redis+cluster://n1:7000?ssl_exclude_verify_flags=VERIFY_X509_STRICT", "without ssl=true"),
        ("rediss://r1:6379/0?ssl_exclude_verify_flags=LAX", "ssl_exclude_verify_flags"),
    ],
)
def test_bad_urls_stop_start_up_with_one_line(url: str, problem: str) -> None:
    with pytest.raises(RedisUrlError, match=problem):
        parse_redis_url(url)
    with pytest.raises(ConfigError) as refused:
        create_app({**PRODUCTION, "REDIS_URL": url})
    assert len(refused.value.problems) == 1
    assert problem in refused.value.problems[0]


def test_sentinels_may_take_other_credentials_or_none() -> None:
    same = parse_redis_url("redis+sentinel://app:pw@s1:26379/main")
    assert same.sentinel_auth == {"username": "app", "password": "pw"}
    none = parse_redis_url("redis+sentinel://app:pw@s1:26379/main?sentinel_password=")
    assert none.sentinel_auth == {"username": None, "password": None}
    assert (none.username, none.password) == ("app", "pw")  # the data nodes keep theirs
    other = parse_redis_url(
        "redis+sentinel://:pw@s1:26379/main?sentinel_username=watch&sentinel_password=s%40f"
    )
    assert other.sentinel_auth == {"username": "watch", "password": "s@f"}
    _, options = limiter_storage(none)
    assert options["sentinel_kwargs"] == {"username": None, "password": None}
    assert "sentinel_kwargs" not in limiter_storage(same)[1]  # the URL's credentials serve
    with pytest.raises(RedisUrlError, match="for redis\\+sentinel:// only"):
        parse_redis_url("redis+cluster://:pw@n1:7000?sentinel_password=x")


def test_the_limiter_gets_the_same_url_in_the_limits_form() -> None:
    sentinel = parse_redis_url("redis+sentinel://:pw@s1:26379,s2:26379/main/2?ssl=true")
    uri, options = limiter_storage(sentinel)
    assert uri == "redis+sentinel://:pw@s1:26379,s2:26379/main"
    assert options["db"] == 2
    assert options["ssl"] is True
    assert options["sentinel_kwargs"]["ssl"] is True
    assert limiter_storage(parse_redis_url("unix:///run/r.sock"))[0] == "redis+unix:///run/r.sock"
    cluster_uri, _ = limiter_storage(parse_redis_url("redis+cluster://:pw@n1:7000,n2:7001"))
    assert cluster_uri == "redis+cluster://:pw@n1:7000,n2:7001"


def test_plain_sentinels_in_front_of_tls_data_nodes() -> None:
    split = parse_redis_url("rediss+sentinel://:pw@s1:26379/main?sentinel_ssl=false")
    assert split.tls == {"ssl": True}  # the data nodes
    assert split.sentinel_tls_options == {}
    assert "the sentinels without" in split.describe()
    _, options = limiter_storage(split)
    assert options["ssl"] is True
    assert "ssl" not in options["sentinel_kwargs"]
    both = parse_redis_url("rediss+sentinel://:pw@s1:26379/main?sentinel_ssl=true")
    assert both.sentinel_tls_options == {"ssl": True}
    assert limiter_storage(both)[1]["sentinel_kwargs"]["ssl"] is True


def test_ipv6_nodes_reach_the_limiter_in_brackets() -> None:
    sentinel = parse_redis_url("redis+sentinel://:pw@[::1]:26379,[fd00::7]:26380/main")
    uri, options = limiter_storage(sentinel)
    assert uri == "redis+sentinel://:pw@[::1]:26379,[fd00::7]:26380/main"
    # The limits library reads it back into the same sentinels (it connects only when used).
    storage = storage_from_string(uri, **options)
    assert isinstance(storage, RedisSentinelStorage)
    pools = [node.connection_pool.connection_kwargs for node in storage.sentinel.sentinels]
    assert [(kw["host"], kw["port"]) for kw in pools] == [("::1", 26379), ("fd00::7", 26380)]
    cluster = parse_redis_url("redis+cluster://:pw@[::1]:7000,10.0.0.2:7001")
    assert limiter_storage(cluster)[0] == "redis+cluster://:pw@[::1]:7000,10.0.0.2:7001"
    assert "[::1]:7000" in cluster.describe()


@pytest.fixture
def evicting_redis(redis_client: redis.Redis) -> Any:
    redis_client.config_set("maxmemory-policy", "allkeys-lru")
    yield redis_client
    redis_client.config_set("maxmemory-policy", "noeviction")


def test_an_evicting_redis_is_refused_in_production_unless_accepted(
    evicting_redis: redis.Redis, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    production = {**PRODUCTION, "REDIS_URL": redis_url}
    with pytest.raises(ConfigError) as refused:
        create_app(production)
    assert "maxmemory-policy is allkeys-lru" in refused.value.problems[0]
    assert "REDIS_ACCEPT_EVICTION" in refused.value.problems[0]

    accepted = create_app({**production, "REDIS_ACCEPT_EVICTION": "on"})
    accepted.extensions["chatkit_bff"].close()
    assert "maxmemory-policy is allkeys-lru" in caplog.text


def test_an_evicting_redis_is_a_warning_in_development(
    evicting_redis: redis.Redis, app_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(app_config)
    app.extensions["chatkit_bff"].close()
    assert "maxmemory-policy is allkeys-lru" in caplog.text


def test_a_redis_older_than_6_2_stops_start_up_with_one_line(app_config: dict[str, Any]) -> None:
    # Ubuntu 22.04's redis-server is 6.0: it has no GETEX, so no sign-in could ever be read.
    with redis_6_0() as url, pytest.raises(ConfigError) as refused:
        create_app({**app_config, "REDIS_URL": url})
    assert refused.value.problems == [
        f"Redis {OLD_VERSION} is too old: this app needs Redis 6.2 or newer "
        "(it uses GETEX and SET PXAT)"
    ]


def test_a_redis_too_old_that_appears_after_start_up_is_a_503_that_says_so(
    app_config: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    app = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{port}/0"})  # nobody yet
    with redis_6_0(port):
        browser = app.test_client()
        browser.set_cookie("session", "u_someone." + "a" * 43)
        page = browser.get("/")
    assert page.status_code == 503
    assert "it needs Redis 6.2 or newer" in caplog.text
    assert "u_someone" not in caplog.text  # the server repeats keys in its error; we do not
    app.extensions["chatkit_bff"].close()


@pytest.mark.parametrize(
    ("version", "old"),
    [("6.0.16", True), ("5.0.7", True), ("6.2.0", False), ("7.0.15", False), ("10.1", False),
     ("", False), ("unknown", False)],
)  # fmt: skip
def test_versions_before_6_2_are_too_old(version: str, old: bool) -> None:
    assert too_old(version) is old


@pytest.mark.all_topologies
def test_every_topology_answers_through_one_url(
    redis_url: str, redis_client: redis.Redis, redis_topology: str
) -> None:
    client = connect(parse_redis_url(redis_url))
    client.set("bff:{probe}:a", "1")
    with client.pipeline(transaction=True) as pipe:  # one slot: a cluster accepts it
        pipe.incr("bff:{probe}:a")
        pipe.get("bff:{probe}:a")
        assert pipe.execute() == [2, b"2"]
    assert parse_redis_url(redis_url).topology == redis_topology
    # One answer per primary (three in the cluster), all the same build here.
    assert len(server_versions(client)) == 1
    assert version_problem(client) is None
    client.close()


def test_a_sentinel_service_name_they_do_not_know_is_named_in_the_log(
    app_config: dict[str, Any], sentinel_redis_url: str
) -> None:
    wrong = sentinel_redis_url.replace(f"/{SERVICE}/", "/bff-primary-typo/")
    seen, log = run_app(app_config, wrong, UNREACHABLE)
    assert seen["sign_in"][0] == 503
    assert seen["ready"] == 503
    assert "check the service name in REDIS_URL" in log
    assert "check the service name in REDIS_URL" in seen["doctor"]


def test_a_sentinel_group_whose_sentinels_take_another_password(
    app_config: dict[str, Any],
) -> None:
    with redis_sentinel(sentinel_password="sentinels-own+password") as group:
        assert "?sentinel_password=sentinels-own%2Bpassword" in group.url
        seen, _ = run_app(app_config, group.url)
    # Minted, then served again from the cache in Redis, counted by the limiter there too.
    assert seen["statuses"] == [200, 200]
    assert seen["same_secret"]


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("rediss+sentinel://:pw@127.0.0.1:{port}/main", "take sentinel_ssl=false"),
        ("redis+sentinel://:pw@127.0.0.1:{port}/main", "check their addresses in REDIS_URL"),
    ],
)
def test_sentinels_that_do_not_answer_are_not_blamed_on_the_service_name(
    url: str, hint: str
) -> None:
    client = connect(parse_redis_url(url.format(port=free_port())), Timeouts(0.5, 0.5))
    with pytest.raises(redis.exceptions.ConnectionError) as failed:
        client.ping()
    reason = redis_failure_reason(failed.value)
    assert hint in reason
    assert "did not answer" in reason
    assert "pw" not in reason
