"""Redis over TLS, as managed services run it: every topology, client certificates, and
failures that say which REDIS_URL option to change.

Each app runs in a process of its own: flask-limiter keeps one storage, and its TLS options,
per process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from testing.redis_topologies import redis_cluster, redis_sentinel, redis_single
from testing.tls import TlsFiles, certificate_authority

ROOT = Path(__file__).resolve().parents[1]

# Signs in, mints twice (the second from the cache in Redis, both counted by the limiter
# there), asks the doctor, and prints what a user and an operator would see.
_MINT_TWICE = """
import json, sys
from app import create_app
from tests.support.flows import signed_in
app = create_app(json.loads(sys.argv[1]))
api = signed_in(app.test_client())
first, second = api.new_secret(), api.new_secret()
doctor = app.test_cli_runner().invoke(args=["doctor"])
print(json.dumps({
    "statuses": [first.status_code, second.status_code],
    "same_secret": first.get_json() == second.get_json(),
    "doctor": doctor.output,
}))
app.extensions["chatkit_bff"].close()
"""

# A visitor who cannot be signed in; the readiness probe, the log and the doctor say why.
_UNREACHABLE = """
import json, sys
from app import create_app
from tests.support.flows import dev_sign_in
app = create_app(json.loads(sys.argv[1]))
sign_in = dev_sign_in(app.test_client())
ready = app.test_client().get("/readyz")
doctor = app.test_cli_runner().invoke(args=["doctor"])
print(json.dumps({
    "sign_in": [sign_in.status_code, sign_in.get_data(as_text=True)],
    "ready": ready.status_code,
    "doctor": doctor.output,
}))
app.extensions["chatkit_bff"].close()
"""


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return certificate_authority(tmp_path_factory.mktemp("tls"))


def _run(
    app_config: dict[str, Any], redis_url: str, script: str = _MINT_TWICE
) -> tuple[dict[str, Any], str]:
    """What the script printed, and the app's log."""
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps({**app_config, "REDIS_URL": redis_url})],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def _url(started: object) -> str:
    return started if isinstance(started, str) else str(getattr(started, "url"))  # noqa: B009


def _topology(kind: str, tls: TlsFiles) -> AbstractContextManager[object]:
    if kind == "cluster":
        return redis_cluster(tls=tls)
    if kind == "sentinel":
        return redis_sentinel(tls=tls)
    return redis_single(tls)


@pytest.mark.parametrize("kind", ["single", "cluster", "sentinel"])
def test_every_topology_serves_over_tls_only(
    app_config: dict[str, Any], tls: TlsFiles, kind: str
) -> None:
    with _topology(kind, tls) as started:
        url = _url(started)
        assert url.startswith("rediss")
        assert "ssl_ca_certs=" in url
        seen, log = _run(app_config, url)
    # Minted, then served again from the cache, with the limiter counting over TLS too.
    assert seen["statuses"] == [200, 200]
    assert seen["same_secret"]
    assert "[ok  ] redis: reachable" in seen["doctor"]
    assert "over TLS" in seen["doctor"] or kind == "single"
    assert "unavailable" not in log


@pytest.fixture
def requiring_client_certificates(tls: TlsFiles) -> Iterator[str]:
    with redis_single(tls, client_certificates="yes") as url:
        yield url


def test_a_redis_that_requires_a_client_certificate_gets_one_from_the_url(
    app_config: dict[str, Any], tls: TlsFiles, requiring_client_certificates: str
) -> None:
    url = f"{requiring_client_certificates}&ssl_certfile={tls.client_cert}"
    seen, _ = _run(app_config, f"{url}&ssl_keyfile={tls.client_key}")
    assert seen["statuses"] == [200, 200]
    assert seen["same_secret"]


def test_without_its_client_certificate_the_log_and_doctor_say_which_options(
    app_config: dict[str, Any], requiring_client_certificates: str
) -> None:
    seen, log = _run(app_config, requiring_client_certificates, _UNREACHABLE)
    assert seen["ready"] == 503
    assert seen["sign_in"][0] == 503
    for said in (log, seen["doctor"]):
        assert "ssl_certfile=/path and ssl_keyfile=/path" in said


def test_an_untrusted_certificate_is_a_503_whose_log_names_ssl_ca_certs(
    app_config: dict[str, Any], tls: TlsFiles
) -> None:
    with redis_single(tls) as url:
        without_ca = url.split("?", 1)[0]
        seen, log = _run(app_config, without_ca, _UNREACHABLE)
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
        seen, log = _run(app_config, plain, _UNREACHABLE)
    assert seen["ready"] == 503
    assert seen["sign_in"][0] == 503
    assert "use rediss://" in log
    assert "use rediss://" in seen["doctor"]
