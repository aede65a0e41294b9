"""Sign-ins a provider starts (OpenID Connect Core §4): `/login` is the login initiation
endpoint, by GET or by a cross-site form POST, with `iss`, `login_hint` and `target_link_uri`."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testing.oidc_provider import ProviderUser

from .oidc_flows import TEST_CLIENT_ORIGIN, answer_at_provider, deliver, me
from .providers import BOTH, OpenIDProvider, browser_at_provider

pytestmark = pytest.mark.parametrize("provider_kind", BOTH)


def _initiate(client: FlaskClient, method: str, **fields: str) -> str:
    """The provider sends the browser to /login; return where the app sends it on."""
    if method == "GET":
        response = client.get(f"/login?{urlencode(fields)}")
    else:  # a form the provider's page posts: no CSRF token of ours
        response = client.post("/login", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_provider_started_sign_in_carries_its_hint_and_lands_on_the_target(
    client: FlaskClient, op: OpenIDProvider, grace: ProviderUser, method: str
) -> None:
    authorize_url = _initiate(
        client,
        method,
        iss=op.issuer,
        login_hint=grace.email,
        target_link_uri=f"{TEST_CLIENT_ORIGIN}/threads?view=recent",
    )
    assert authorize_url.startswith(op.issuer)
    assert parse_qs(urlsplit(authorize_url).query)["login_hint"] == [grace.email]
    callback = answer_at_provider(authorize_url, grace, browser_at_provider(client))
    landed = deliver(client, callback)
    assert landed.status_code == 302
    assert landed.headers["Location"] == "/threads?view=recent"
    assert me(client).json["email"] == grace.email


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/threads", "//evil.example/", "javascript:alert(1)", "http://[broken/x"],
)
def test_a_target_on_another_origin_lands_on_the_chat_instead(
    client: FlaskClient, op: OpenIDProvider, grace: ProviderUser, target: str
) -> None:
    authorize_url = _initiate(client, "GET", iss=op.issuer, target_link_uri=target)
    landed = deliver(client, answer_at_provider(authorize_url, grace, browser_at_provider(client)))
    assert landed.headers["Location"] == "/"


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(values=st.dictionaries(
    st.sampled_from(["iss", "login_hint", "target_link_uri", "next"]), st.text(max_size=80)
))  # fmt: skip
def test_no_initiation_parameter_makes_a_5xx(
    client: FlaskClient, op: OpenIDProvider, values: dict[str, str]
) -> None:
    for method in ("GET", "POST"):
        response = (
            client.get(f"/login?{urlencode(values)}")
            if method == "GET"
            else client.post("/login", data=values)
        )
        assert response.status_code in (302, 400), (method, values, response.status_code)


def test_an_initiation_naming_another_issuer_starts_nothing(
    client: FlaskClient, op: OpenIDProvider
) -> None:
    refused = client.get(f"/login?{urlencode({'iss': 'https://other-provider.example'})}")
    assert refused.status_code == 400
    assert "Another identity provider" in refused.get_data(as_text=True)
    assert "Location" not in refused.headers
