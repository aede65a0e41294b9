"""Admin console fixtures: signed-in admin and user clients, and demo user ids."""

from __future__ import annotations

import pytest
from flask import Flask

from chatkit_bff.auth.dev_users import demo_user
from tests.support.flows import ApiCaller, signed_in


def user_id(key: str) -> str:
    user = demo_user(key)
    assert user is not None
    return user.identity().user_id


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
