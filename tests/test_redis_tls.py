"""Redis over TLS, as managed services run it: every topology, client certificates, and
failures that say which REDIS_URL option to change.

Each app runs in a process of its own (`tests.support.own_process`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from testing.redis_topologies import redis_cluster, redis_sentinel, redis_single
from testing.tls import TlsFiles, certificate_authority
from tests.support.own_process import UNREACHABLE, run_app


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return certificate_authority(tmp_path_factory.mktemp("tls"))


@contextmanager
def _tls_only(kind: str, tls: TlsFiles) -> Iterator[str]:
    """Start the `kind` of topology, TLS only; yield its REDIS_URL."""
    if kind == "cluster":
        with redis_cluster(tls=tls) as cluster:
            yield cluster.url
    elif kind == "sentinel":
        with redis_sentinel(tls=tls) as group:
            yield group.url
    else:
        with redis_single(tls) as url:
            yield url


@pytest.mark.parametrize("kind", ["single", "cluster", "sentinel"])
def test_every_topology_serves_over_tls_only(
    app_config: dict[str, Any], tls: TlsFiles, kind: str
) -> None:
    with _tls_only(kind, tls) as url:
        assert url.startswith("rediss")
        assert "ssl_ca_certs=" in url
        seen, log = run_app(app_config, url)
    # Minted, then served again from the cache, with the limiter counting over TLS too.
    assert seen["statuses"] == [200, 200]
    assert seen["same_secret"]
    assert "[ok  ] redis: reachable" in seen["doctor"]
    assert "over TLS" in seen["doctor"] or kind == "single"
    assert "unavailable" not in log


def test_plain_sentinels_in_front_of_tls_data_nodes(
    app_config: dict[str, Any], tls: TlsFiles
) -> None:
    """A common Sentinel set-up: the sentinels on plain TCP, the data nodes on TLS only."""
    with redis_sentinel(tls=tls, plain_sentinels=True) as group:
        assert "sentinel_ssl=false" in group.url
        seen, log = run_app(app_config, group.url)
    assert seen["statuses"] == [200, 200]
    assert seen["same_secret"]
    assert "[ok  ] redis: reachable" in seen["doctor"]
    assert "the sentinels without" in seen["doctor"]
    assert "unavailable" not in log


@pytest.fixture
def requiring_client_certificates(tls: TlsFiles) -> Iterator[str]:
    with redis_single(tls, client_certificates="yes") as url:
        yield url


def test_a_redis_that_requires_a_client_certificate_gets_one_from_the_url(
    app_config: dict[str, Any], tls: TlsFiles, requiring_client_certificates: str
) -> None:
    url = f"{requiring_client_certificates}&ssl_certfile={tls.client_cert}"
    seen, _ = run_app(app_config, f"{url}&ssl_keyfile={tls.client_key}")
    assert seen["statuses"] == [200, 200]
    assert seen["same_secret"]


def test_without_its_client_certificate_the_log_and_doctor_say_which_options(
    app_config: dict[str, Any], requiring_client_certificates: str
) -> None:
    seen, log = run_app(app_config, requiring_client_certificates, UNREACHABLE)
    assert seen["ready"] == 503
    assert seen["sign_in"][0] == 503
    for said in (log, seen["doctor"]):
        assert "ssl_certfile=/path and ssl_keyfile=/path" in said


def test_an_untrusted_certificate_is_a_503_whose_log_names_ssl_ca_certs(
    app_config: dict[str, Any], tls: TlsFiles
) -> None:
    with redis_single(tls) as url:
        without_ca = url.split("?", 1)[0]
        seen, log = run_app(app_config, without_ca, UNREACHABLE)
    assert seen["ready"] == 503
    assert seen["sign_in"][0] == 503
    assert "its TLS certificate was refused" in log
    assert "ssl_ca_certs=/path" in log
    assert "[FAIL] redis: reachable" in seen["doctor"]
    assert "ssl_ca_certs=/path" in seen["doctor"]
    assert "topology-test-password" not in log + seen["doctor"]


def test_a_plain_url_to_a_tls_only_redis_is_told_to_use_rediss(
    app_config: dict[str, Any], tls: TlsFiles
) -> None:
    with redis_single(tls) as url:
        plain = url.split("?", 1)[0].replace("rediss://", "redis://", 1)
        seen, log = run_app(app_config, plain, UNREACHABLE)
    assert seen["ready"] == 503
    assert seen["sign_in"][0] == 503
    assert "use rediss://" in log
    assert "use rediss://" in seen["doctor"]


@pytest.fixture(scope="module")
def tls_without_key_identifiers(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """Certificates as home-made CAs often issue them: no Subject/Authority Key Identifier."""
    return certificate_authority(tmp_path_factory.mktemp("legacy-tls"), key_identifiers=False)


# What Python 3.13 and newer check by default; on older Pythons the URL asks for it.
STRICT = "ssl_include_verify_flags=VERIFY_X509_STRICT"


def test_a_certificate_that_breaks_rfc_5280_is_named_as_such(
    app_config: dict[str, Any], tls_without_key_identifiers: TlsFiles
) -> None:
    with redis_single(tls_without_key_identifiers) as url:
        seen, log = run_app(app_config, f"{url}&{STRICT}", UNREACHABLE)
    assert seen["ready"] == 503
    assert seen["sign_in"][0] == 503
    for said in (log, seen["doctor"]):
        assert "breaks a rule of RFC 5280 (Missing Authority Key Identifier)" in said
        assert "ssl_exclude_verify_flags=VERIFY_X509_STRICT" in said
        assert "ssl_ca_certs=/path" not in said  # the CA is the right one


@pytest.mark.parametrize("kind", ["single", "cluster", "sentinel"])
def test_without_the_strict_check_such_a_certificate_serves_on_every_topology(
    app_config: dict[str, Any], tls_without_key_identifiers: TlsFiles, kind: str
) -> None:
    lenient = "ssl_exclude_verify_flags=VERIFY_X509_STRICT"  # applied after the inclusion
    with _tls_only(kind, tls_without_key_identifiers) as url:
        seen, log = run_app(app_config, f"{url}&{STRICT}&{lenient}")
    assert seen["statuses"] == [200, 200]
    assert seen["same_secret"]
    assert "[ok  ] redis: reachable" in seen["doctor"]
    assert "unavailable" not in log
