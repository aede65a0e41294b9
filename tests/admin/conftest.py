"""Admin console fixtures: signed-in admin and user clients, and demo user ids."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from chatkit_bff.auth.dev_users import demo_user
from testing.emulator import Emulator
from tests.support.flows import ApiCaller, dev_sign_in


def user_id(key: str) -> str:
    user = demo_user(key)
    assert user is not None
    return user.identity().user_id


def signed_in(client: FlaskClient, who: str) -> ApiCaller:
    assert dev_sign_in(client, who).status_code == 302
    return ApiCaller(client)


def creates(emulator: Emulator) -> list[dict[str, Any]]:
    """Create-session bodies the emulator received, oldest first."""
    return [
        r["json"]
        for r in emulator.requests()
        if r["method"] == "POST" and r["path"] == "/v1/chatkit/sessions"
    ]


def policy_url(who: str) -> str:
    return f"/admin/api/users/{user_id(who)}/policy"


@pytest.fixture
def admin(app: Flask) -> ApiCaller:
    """Ada, an admin, signed in with the CSRF header ready."""
    return signed_in(app.test_client(), "ada")


@pytest.fixture
def grace(app: Flask) -> ApiCaller:
    """Grace, an ordinary user, signed in (so she is in the users directory)."""
    return signed_in(app.test_client(), "grace")


@pytest.fixture
def alan(app: Flask) -> ApiCaller:
    return signed_in(app.test_client(), "alan")
