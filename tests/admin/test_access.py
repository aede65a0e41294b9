"""Every admin page and API route refuses signed-out callers and non-admins."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from chatkit_bff import redis_keys
from tests.admin.conftest import user_id
from tests.support.flows import csrf_token, signed_in

Route = tuple[str, str]  # (method, rule)


def _admin_routes() -> list[Route]:
    """Read from the real url map, so a new admin route is covered without editing this test."""
    app = create_app(
        {
            "APP_ENV": "development",
            "SECRET_KEY": "collect-routes-" + "k" * 40,
            "REDIS_URL": "redis://127.0.0.1:1/0",  # never connected: only the url map is read
            "OIDC_ISSUER": "",
        }
    )
    routes = sorted(
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin")
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    )
    app.extensions["chatkit_bff"].close()
    return routes


ADMIN_ROUTES = _admin_routes()


def _path(rule: str) -> str:
    return rule.replace("<user_id>", user_id("grace")).replace("<slug>", "default")


def _call(client: FlaskClient, method: str, rule: str, token: str):  # type: ignore[no-untyped-def]
    path = _path(rule)
    if rule.startswith("/admin/api/"):
        return client.open(path, method=method, json={}, headers={"X-CSRFToken": token})
    return client.open(path, method=method, data={"csrf_token": token})


def test_the_admin_area_has_pages_and_api_routes() -> None:
    rules = {rule for _, rule in ADMIN_ROUTES}
    assert "/admin" in rules
    assert "/admin/api/users/<user_id>/policy" in rules
    assert len(ADMIN_ROUTES) >= 15


@pytest.mark.parametrize(("method", "rule"), ADMIN_ROUTES)
def test_signed_out_callers_are_sent_to_sign_in(
    app: Flask, redis_client: redis.Redis, method: str, rule: str
) -> None:
    signed_in(app.test_client(), "grace")  # grace is in the directory: a refusal is not a 404
    client = app.test_client()
    response = _call(client, method, rule, csrf_token(client, "/login"))
    if rule.startswith("/admin/api/"):
        assert response.status_code == 401
        assert response.json["error"]["code"] == "sign_in_required"
    else:
        assert response.status_code == 302
        assert response.headers["Location"] == "/login?next=" + quote(_path(rule), safe="")
    assert redis_client.xlen(redis_keys.AUDIT_STREAM) == 0


@pytest.mark.parametrize(("method", "rule"), ADMIN_ROUTES)
def test_non_admins_are_refused(
    app: Flask, redis_client: redis.Redis, method: str, rule: str
) -> None:
    grace = signed_in(app.test_client(), "grace")
    response = _call(grace.client, method, rule, grace.token)
    assert response.status_code == 403
    if rule.startswith("/admin/api/"):
        assert response.json["error"]["code"] == "forbidden"
    else:
        assert "administrators" in response.get_data(as_text=True)
    assert redis_client.xlen(redis_keys.AUDIT_STREAM) == 0
    assert grace.get("/api/me").status_code == 200  # not revoked either


@pytest.mark.parametrize("rule", sorted({r for m, r in ADMIN_ROUTES if m == "GET"}))
def test_admins_can_open_every_page(app: Flask, rule: str) -> None:
    signed_in(app.test_client(), "grace")
    admin = signed_in(app.test_client(), "ada")
    assert admin.get(_path(rule)).status_code == 200
