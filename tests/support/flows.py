"""What a browser does, with Flask's test client: sign in, read the CSRF token, call the API."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from chatkit_bff.auth.dev_users import demo_user
from testing.emulator import Emulator

_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def user_id(key: str) -> str:
    """The user id of demo user `key` (as the development sign-in makes it)."""
    user = demo_user(key)
    assert user is not None
    return user.identity().user_id


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The token a page hands to its scripts in <meta name="csrf-token">."""
    page = client.get(path, follow_redirects=True)
    match = _META_CSRF.search(page.get_data(as_text=True))
    assert match, f"no csrf-token meta tag on {path}"
    return match.group(1)


def dev_sign_in(client: FlaskClient, user: str = "grace", next_url: str = "/") -> TestResponse:
    token = csrf_token(client, "/login")
    return client.post("/login/dev", data={"user": user, "next": next_url, "csrf_token": token})


class ApiCaller:
    """JSON calls with the CSRF header, the way the page's scripts make them."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = csrf_token(client, "/")

    def post(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.client.post(path, json=body, headers={"X-CSRFToken": self.token}, **kwargs)

    def put(self, path: str, body: Any = None) -> TestResponse:
        return self.client.put(path, json=body, headers={"X-CSRFToken": self.token})

    def delete(self, path: str) -> TestResponse:
        return self.client.delete(path, headers={"X-CSRFToken": self.token})

    def get(self, path: str) -> TestResponse:
        return self.client.get(path)

    def new_secret(self, current: str | None = None) -> TestResponse:
        return self.post("/api/chatkit/session", {"current_client_secret": current})


def signed_in(client: FlaskClient, who: str = "grace") -> ApiCaller:
    """The client signed in as demo user `who`, calling the API as the page's scripts do."""
    assert dev_sign_in(client, who).status_code == 302
    return ApiCaller(client)


def creates(emulator: Emulator) -> list[dict[str, Any]]:
    """Create-session bodies the emulator received, oldest first."""
    return [
        r["json"]
        for r in emulator.requests()
        if r["method"] == "POST" and r["path"] == "/v1/chatkit/sessions"
    ]
