"""The two OpenID providers the sign-in tests run against, behind one small interface.

``fake``: our own provider (``testing.oidc_provider``), steerable to misbehave in every way a
relying party must refuse. ``panva``: panva's certified ``oidc-provider`` in its default
configuration (claims from UserInfo), run by node. Each test client is paired with a
``requests.Session`` standing for the same browser at the provider (its cookies there).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import urljoin, urlsplit
from weakref import WeakKeyDictionary

import requests
from flask.testing import FlaskClient

from testing.oidc_provider import ProviderClient, ProviderUser, RunningProvider
from testing.panva_provider import PanvaProvider

from .oidc_constants import CLIENT_ID, CLIENT_SECRET, TEST_CLIENT_ORIGIN

BOTH = ["fake", "panva"]
_BROWSERS: WeakKeyDictionary[FlaskClient, requests.Session] = WeakKeyDictionary()
_PROVIDERS: dict[str, OpenIDProvider] = {}
_LOGOUT_FORM = re.compile(r'<form id="op.logoutForm" method="post" action="([^"]+)">')
_XSRF = re.compile(r'name="xsrf" value="([^"]+)"')


def browser_at_provider(client: FlaskClient | None) -> requests.Session:
    """The provider-side half of the browser whose app-side half is ``client``."""
    if client is None:
        return requests.Session()
    if client not in _BROWSERS:
        _BROWSERS[client] = requests.Session()
    return _BROWSERS[client]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def follow_at_provider(browser: requests.Session, response: requests.Response) -> requests.Response:
    """Follow redirects while they stay at the provider; stop at the one that leaves it."""
    origin = _origin(response.url)
    while response.is_redirect:
        target = urljoin(response.url, response.headers["Location"])
        if _origin(target) != origin:
            break
        response = browser.get(target, allow_redirects=False, timeout=10)
    return response


class OpenIDProvider(Protocol):
    kind: str
    issuer: str

    def before_sign_in(self) -> None:
        """Bring the provider's accounts up to date with the test's users."""

    def notify_backchannel_logout(self, uri: str) -> None:
        """Register our back-channel logout URI (the live app) for the test client."""

    def sign_out_at_provider(self, browser: requests.Session, user: ProviderUser) -> None:
        """The user ends their provider session there (not through us)."""

    def end_session(self, browser: requests.Session, url: str) -> str:
        """Follow our RP-initiated logout redirect; return where the provider sends us back."""

    def fail_userinfo(self, status: int) -> None: ...

    def age_next_authentication(self) -> None:
        """The next ID token says the user authenticated long ago (a reused provider session)."""

    def answer_userinfo_for(self, sub: str) -> None:
        """The next UserInfo answers name another subject."""


def provider_for(url: str) -> OpenIDProvider | None:
    return next((p for issuer, p in _PROVIDERS.items() if url.startswith(issuer + "/")), None)


def register(provider: OpenIDProvider) -> None:
    _PROVIDERS[provider.issuer] = provider


def unregister(provider: OpenIDProvider) -> None:
    _PROVIDERS.pop(provider.issuer, None)


def our_client(
    backchannel_logout_uri: str | None = None, frontchannel_logout_uri: str | None = None
) -> ProviderClient:
    """The test client's registration at our provider, with the logout URIs given."""
    return ProviderClient(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[f"{TEST_CLIENT_ORIGIN}/auth/callback"],
        post_logout_redirect_uris=[f"{TEST_CLIENT_ORIGIN}/signed-out"],
        backchannel_logout_uri=backchannel_logout_uri,
        frontchannel_logout_uri=frontchannel_logout_uri,
    )


class FakeProvider:
    kind = "fake"

    def __init__(self, running: RunningProvider) -> None:
        self.running = running
        self.issuer = running.issuer

    def before_sign_in(self) -> None:
        return None

    def notify_backchannel_logout(self, uri: str) -> None:
        self.running.state.register_client(our_client(uri))
        self.running.state.backchannel_logout_on_end_session = True

    def sign_out_at_provider(self, browser: requests.Session, user: ProviderUser) -> None:
        # This provider keeps no browser cookies: the user's latest provider session ends.
        self.running.state.end_session(self.running.state.current_sid(user.sub))

    def end_session(self, browser: requests.Session, url: str) -> str:
        back = browser.get(url, allow_redirects=False, timeout=10)
        assert back.status_code == 302, back.text
        return back.headers["Location"]

    def fail_userinfo(self, status: int) -> None:
        self.running.state.userinfo_failure_status = status

    def answer_userinfo_for(self, sub: str) -> None:
        self.running.state.userinfo_overrides = {"sub": sub}

    def age_next_authentication(self) -> None:
        self.running.state.id_token_overrides = {"auth_time": int(time.time()) - 3600}


class Panva:
    kind = "panva"

    def __init__(self, server: PanvaProvider, users: Iterable[ProviderUser]) -> None:
        self.server = server
        self.issuer = server.issuer
        self.users = list(users)
        server.reset()
        self._register()

    def _register(
        self, backchannel_logout_uri: str | None = None, *, pushed_only: bool = False
    ) -> None:
        client = our_client(backchannel_logout_uri)
        metadata: dict[str, object] = {
            "client_secret": client.client_secret,
            "redirect_uris": client.redirect_uris,
            "post_logout_redirect_uris": client.post_logout_redirect_uris,
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        }
        if backchannel_logout_uri:
            metadata["backchannel_logout_uri"] = backchannel_logout_uri
            metadata["backchannel_logout_session_required"] = True
        if pushed_only:
            metadata["require_pushed_authorization_requests"] = True
        self.server.register_client(client.client_id, metadata)

    def require_pushed_authorization(self) -> None:
        """Hold our client to pushed authorization requests (RFC 9126 §6)."""
        self._register(pushed_only=True)

    def before_sign_in(self) -> None:
        self.server.set_users(self.users)

    def notify_backchannel_logout(self, uri: str) -> None:
        self._register(uri)

    def _confirm_logout(self, browser: requests.Session, page: requests.Response) -> str:
        assert page.status_code == 200, page.text
        action, xsrf = _LOGOUT_FORM.search(page.text), _XSRF.search(page.text)
        assert action, page.text
        assert xsrf, page.text
        done = browser.post(
            urljoin(page.url, action.group(1)),
            data={"xsrf": xsrf.group(1), "logout": "yes"},
            allow_redirects=False,
            timeout=15,
        )
        assert done.is_redirect, done.text
        return urljoin(done.url, done.headers["Location"])

    def sign_out_at_provider(self, browser: requests.Session, user: ProviderUser) -> None:
        page = browser.get(f"{self.issuer}/session/end", timeout=10)
        self._confirm_logout(browser, page)

    def end_session(self, browser: requests.Session, url: str) -> str:
        page = follow_at_provider(browser, browser.get(url, allow_redirects=False, timeout=10))
        return self._confirm_logout(browser, page)

    def fail_userinfo(self, status: int) -> None:
        self.server.set_faults(userinfo_status=status)

    def answer_userinfo_for(self, sub: str) -> None:
        self.server.set_faults(userinfo_sub=sub)

    def age_next_authentication(self) -> None:
        # Configured by default, this provider puts no auth_time in the ID token of a plain
        # sign-in: when the user authenticated is unknown, which is never recent.
        return None
