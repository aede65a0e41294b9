"""Only administrators reach the admin console, whoever signs in through the provider."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from testing.oidc_provider import ProviderUser

from .oidc_flows import signed_in
from .providers import BOTH

pytestmark = pytest.mark.parametrize("provider_kind", BOTH)


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    page = client.get("/admin")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=%2Fadmin"
    api = client.get("/admin/api/users")
    assert api.status_code == 401
    assert api.json["error"]["code"] == "sign_in_required"


def test_a_non_admin_is_refused(client: FlaskClient, grace: ProviderUser) -> None:
    signed_in(client, grace)
    page = client.get("/admin")
    assert page.status_code == 403
    assert page.mimetype == "text/html"
    api = client.get("/admin/api/users")
    assert api.status_code == 403
    assert api.json["error"]["code"] == "forbidden"
    assert 'href="/admin"' not in client.get("/").get_data(as_text=True)


def test_an_admin_by_group_gets_in(app: Flask, ada: ProviderUser) -> None:
    client = app.test_client()
    signed_in(client, ada)
    assert client.get("/admin").status_code == 200
    assert client.get("/admin/api/users").status_code == 200


def test_losing_the_group_at_the_provider_loses_the_console_at_next_sign_in(
    app: Flask, ada: ProviderUser
) -> None:
    ada.groups.clear()
    client = app.test_client()
    signed_in(client, ada)
    assert client.get("/admin").status_code == 403
    assert client.get("/admin/api/users").status_code == 403
