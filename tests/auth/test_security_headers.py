"""Every response carries the security headers; the CSP admits only what the page needs."""

from __future__ import annotations

import re
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app import create_app
from chatkit_bff.settings import ConfigError
from testing.oidc_provider import ProviderUser, RunningProvider

from .oidc_flows import signed_in


def _directives(response: TestResponse) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed: dict[str, list[str]] = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


def _assert_protected(response: TestResponse) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Strict-Transport-Security" not in headers  # development is plain http
    csp = _directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'self'"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/signed-out", 200),
        ("/api/me", 401),
        ("/api/nothing-here", 401),
        ("/no-such-page", 404),
        ("/static/app.css", 200),
        ("/healthz", 200),
        ("/", 302),
    ],
)
def test_every_kind_of_response_is_protected(client: FlaskClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    _assert_protected(response)


def test_signed_in_pages_api_and_refusals_are_protected(
    client: FlaskClient, grace: ProviderUser
) -> None:
    signed_in(client, grace)
    for response in (
        client.get("/"),
        client.get("/api/me"),
        client.post("/api/chatkit/session", json={}),  # no CSRF token: 400
        client.post("/logout"),  # no CSRF token: 400
    ):
        _assert_protected(response)
    assert client.get("/api/me").headers["Cache-Control"] == "no-store"


def test_the_policy_allows_chatkit_and_no_inline_code(
    client: FlaskClient, provider: RunningProvider
) -> None:
    csp = _directives(client.get("/signed-out"))
    assert csp["script-src"] == ["'self'", "https://cdn.platform.openai.com"]
    assert csp["frame-src"] == ["https://cdn.platform.openai.com"]
    assert "https://api.openai.com" in csp["connect-src"]
    assert "https://cdn.platform.openai.com" in csp["connect-src"]
    assert csp["img-src"] == ["'self'", "https:", "data:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    # Sign-out answers its form with a redirect to the provider: the form may go there.
    assert csp["form-action"] == ["'self'", provider.issuer]
    flat = " ".join(source for sources in csp.values() for source in sources)
    assert "'unsafe-inline'" not in flat
    assert "'unsafe-eval'" not in flat
    assert "*" not in flat


def test_pages_carry_no_inline_script_or_style(client: FlaskClient, grace: ProviderUser) -> None:
    signed_in(client, grace)
    for path in ("/", "/signed-out"):
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"
        assert not re.search(r"<[^>]+\sstyle=", html), "inline style attribute"


def test_frame_ancestors_can_name_embedding_sites(
    app_config: dict[str, Any], redis_client: redis.Redis
) -> None:
    embedding = "'self' https://portal.example.com https://*.intranet.example"
    application = create_app({**app_config, "FRAME_ANCESTORS": embedding})
    response = application.test_client().get("/signed-out")
    assert _directives(response)["frame-ancestors"] == embedding.split()
    assert "X-Frame-Options" not in response.headers  # it cannot say "these sites"
    application.extensions["chatkit_bff"].close()


@pytest.mark.parametrize(
    "value", ["'self'; script-src *", "https://a.example,https://b.example", "'unsafe-inline'"]
)
def test_a_frame_ancestors_value_that_could_inject_a_directive_is_refused(
    app_config: dict[str, Any], value: str
) -> None:
    with pytest.raises(ConfigError, match="FRAME_ANCESTORS"):
        create_app({**app_config, "FRAME_ANCESTORS": value})
