"""Shared fixtures: a private Redis, a live ChatKit emulator, the app and its test client.

Modules marked `all_topologies` run on a single Redis node, a Redis Cluster (3 primaries, 3
replicas) and a Sentinel group; the rest run on a single node only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, Page

from app import create_app
from chatkit_bff.redis_connection import connect, parse_redis_url
from emulator.app import create_app as create_emulator
from emulator.config import EmulatorConfig
from testing.emulator import UPSTREAM_KEY, Emulator
from testing.redis_topologies import redis_cluster, redis_sentinel
from testing.servers import LiveServer, redis_server, serve_in_thread
from tests.support.browser import chromium

TEST_SECRET_KEY = "test-secret-key-3a8f0c6e1b9d47e2a5c4b3d2e1f0a9b8"
WORKFLOW_ID = "wf_test_support_agent"


TOPOLOGIES = ("single", "cluster", "sentinel")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "redis_topology" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "all_topologies"
    ):
        metafunc.parametrize("redis_topology", TOPOLOGIES, indirect=True, scope="session")


@pytest.fixture(scope="session")
def redis_topology(request: pytest.FixtureRequest) -> str:
    """single, cluster or sentinel (single unless the test is marked `all_topologies`)."""
    return str(getattr(request, "param", "single"))


@pytest.fixture(scope="session")
def single_redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def cluster_redis_url() -> Iterator[str]:
    with redis_cluster() as cluster:
        yield cluster.url


@pytest.fixture(scope="session")
def sentinel_redis_url() -> Iterator[str]:
    with redis_sentinel() as group:
        yield group.url


@pytest.fixture(scope="session")
def redis_url(redis_topology: str, request: pytest.FixtureRequest) -> str:
    """The REDIS_URL of this test's topology (each started once per test process)."""
    return str(request.getfixturevalue(f"{redis_topology}_redis_url"))


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A connection to the private Redis (every primary of a cluster), emptied before each test."""
    client = connect(parse_redis_url(redis_url))
    client.flushall()
    yield client
    client.close()


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    with serve_in_thread(create_emulator(EmulatorConfig(api_key=UPSTREAM_KEY))) as live:
        control = Emulator(live.url)
        yield control
        control.close()


@pytest.fixture
def emulator(emulator_server: Emulator) -> Emulator:
    emulator_server.reset()
    return emulator_server


@pytest.fixture
def app_config(redis_url: str, emulator: Emulator) -> dict[str, Any]:
    """Development settings with demo sign-in, against the live emulator and private Redis."""
    return {
        "APP_ENV": "development",
        "SECRET_KEY": TEST_SECRET_KEY,
        "OPENAI_API_KEY": UPSTREAM_KEY,
        "CHATKIT_API_BASE": emulator.api_url,
        "CHATKIT_WORKFLOW_ID": WORKFLOW_ID,
        "REDIS_URL": redis_url,
        "OIDC_ISSUER": "",
        "STATE_VARIABLE_CLAIMS": "plan=plan",
        "UPSTREAM_READ_TIMEOUT": "2",
        "TESTING": True,
    }


@pytest.fixture
def app(app_config: dict[str, Any], redis_client: redis.Redis) -> Iterator[Flask]:
    application = create_app(app_config)
    yield application
    application.extensions["chatkit_bff"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with chromium() as instance:
        yield instance


@pytest.fixture
def live_app(app: Flask) -> Iterator[LiveServer]:
    """The app served over real HTTP on loopback, for the browser."""
    with serve_in_thread(app) as live:
        yield live


@pytest.fixture
def page(browser: Browser, live_app: LiveServer) -> Iterator[Page]:
    """A fresh browser context (no cookies) with its base URL on the live app."""
    context = browser.new_context(base_url=live_app.url)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def csp_violations(page: Page) -> Iterator[list[str]]:
    """What the page reports as Content Security Policy violations; none may be left at the end."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield violations
    assert violations == []
