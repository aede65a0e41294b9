"""A browser's part in the code flow, played with Flask's test client and `requests`.

The test client talks to the app; `requests` talks to the live provider, which is where a
browser would be sent. The provider's answer (a redirect to our callback) goes back to the
test client, exactly as a browser would follow it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from testing.oidc_provider import ProviderUser

from .oidc_constants import CLIENT_ID, CLIENT_SECRET, TEST_CLIENT_ORIGIN
from .providers import browser_at_provider, follow_at_provider, provider_for

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "TEST_CLIENT_ORIGIN"]

SESSION_COOKIE = "session"
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def session_cookie(client: FlaskClient, name: str = SESSION_COOKIE) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def start_sign_in(client: FlaskClient, next_url: str | None = None) -> str:
    """GET /login; return the provider URL the browser is sent to."""
    path = "/login" + (f"?{urlencode({'next': next_url})}" if next_url is not None else "")
    response = client.get(path)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def answer_at_provider(
    authorize_url: str, user: ProviderUser | None, browser: requests.Session | None = None
) -> str:
    """Show the provider's sign-in page and press a button; return where it sends us back."""
    provider = provider_for(authorize_url)
    if provider is not None:
        provider.before_sign_in()
    browser = browser or requests.Session()
    first = browser.get(authorize_url, allow_redirects=False, timeout=10)
    page = follow_at_provider(browser, first)
    assert page.status_code == 200, page.text
    form = {"username": user.sub} if user else {"action": "cancel"}
    if user:
        assert f"Sign in as {user.name}" in page.text
    answer = browser.post(page.url, data=form, allow_redirects=False, timeout=10)
    answer = follow_at_provider(browser, answer)
    assert answer.is_redirect, answer.text
    return urljoin(answer.url, answer.headers["Location"])


def answer_without_asking(client: FlaskClient, authorize_url: str) -> str:
    """The provider still knows the browser: it answers at once, no page shown (SSO)."""
    browser = browser_at_provider(client)
    answer = follow_at_provider(browser, browser.get(authorize_url, allow_redirects=False))
    assert answer.is_redirect, answer.text
    return urljoin(answer.url, answer.headers["Location"])


def deliver(client: FlaskClient, callback_url: str) -> TestResponse:
    """The browser follows the provider's redirect back to us."""
    parts = urlsplit(callback_url)
    assert f"{parts.scheme}://{parts.netloc}" == TEST_CLIENT_ORIGIN, callback_url
    return client.get(f"{parts.path}?{parts.query}")


@dataclass
class SignIn:
    authorize_url: str
    callback_url: str
    response: TestResponse


def sign_in(client: FlaskClient, user: ProviderUser, next_url: str | None = None) -> SignIn:
    """The whole code flow; the response is the app's answer to the callback."""
    authorize_url = start_sign_in(client, next_url)
    callback_url = answer_at_provider(authorize_url, user, browser_at_provider(client))
    return SignIn(authorize_url, callback_url, deliver(client, callback_url))


def signed_in(client: FlaskClient, user: ProviderUser, next_url: str | None = None) -> SignIn:
    flow = sign_in(client, user, next_url)
    assert flow.response.status_code == 302, flow.response.get_data(as_text=True)
    return flow


def page_csrf_token(client: FlaskClient, path: str = "/") -> str:
    page = client.get(path)
    match = _META_CSRF.search(page.get_data(as_text=True))
    assert match, f"no csrf-token meta tag on {path}"
    return match.group(1)


def me(client: FlaskClient) -> TestResponse:
    return client.get("/api/me")


def mint_secret(client: FlaskClient) -> TestResponse:
    """What the chat page's script does: ask for a ChatKit client secret."""
    token = page_csrf_token(client)
    return client.post(
        "/api/chatkit/session",
        json={"current_client_secret": None},
        headers={"X-CSRFToken": token},
    )


def sign_out(client: FlaskClient, from_page: str = "/") -> TestResponse:
    token = page_csrf_token(client, from_page)
    return client.post("/logout", data={"csrf_token": token})
