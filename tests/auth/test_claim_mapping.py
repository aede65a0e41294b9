"""Admin role and workflow state variables from claims wherever providers put them."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from app import create_app
from testing.emulator import Emulator
from testing.oidc_provider import ProviderUser

from .oidc_flows import me, mint_secret, signed_in
from .providers import BOTH

pytestmark = pytest.mark.parametrize("provider_kind", BOTH)


def _app(app_config: dict[str, Any], **settings: str) -> Any:
    return create_app({**app_config, **settings})


@pytest.mark.parametrize(
    ("admin_claim", "claims"),
    [
        pytest.param("groups", {}, id="groups"),
        pytest.param(
            "realm_access.roles", {"realm_access": {"roles": ["chat-admins"]}}, id="keycloak"
        ),
        pytest.param(
            "https://example.com/roles", {"https://example.com/roles": ["chat-admins"]}, id="auth0"
        ),
        pytest.param(
            "https://example.com/roles",
            {"https://example.com/roles": "viewer chat-admins"},
            id="space-separated",
        ),
        pytest.param(
            "urn:zitadel:iam:org:project:roles",
            {
                "urn:zitadel:iam:org:project:roles": {
                    "viewer": {"287148811386438145": "acme.zitadel.cloud"},
                    "chat-admins": {"287148811386438145": "acme.zitadel.cloud"},
                }
            },
            id="zitadel",
        ),
    ],
)
def test_the_admin_claim_is_read_where_the_provider_puts_it(
    app_config: dict[str, Any],
    redis_client: redis.Redis,
    grace: ProviderUser,
    ada: ProviderUser,
    admin_claim: str,
    claims: dict[str, Any],
) -> None:
    if claims:
        ada.groups.clear()  # only the configured claim may make her an admin
        ada.extra_claims.update(claims)
    application = _app(app_config, ADMIN_CLAIM=admin_claim)
    admin, user = application.test_client(), application.test_client()
    signed_in(admin, ada)
    signed_in(user, grace)
    assert me(admin).json["is_admin"] is True
    assert me(user).json["is_admin"] is False
    assert admin.get("/admin").status_code == 200
    assert user.get("/admin").status_code == 403
    application.extensions["chatkit_bff"].close()


def test_a_claim_elsewhere_makes_nobody_an_admin(
    app_config: dict[str, Any], redis_client: redis.Redis, ada: ProviderUser
) -> None:
    """With ADMIN_CLAIM pointing at Keycloak's roles, the `groups` claim no longer counts."""
    application = _app(app_config, ADMIN_CLAIM="realm_access.roles")
    client = application.test_client()
    signed_in(client, ada)
    assert me(client).json["is_admin"] is False
    application.extensions["chatkit_bff"].close()


def test_state_variables_map_from_userinfo_claims_by_path(
    app_config: dict[str, Any],
    redis_client: redis.Redis,
    emulator: Emulator,
    grace: ProviderUser,
) -> None:
    grace.extra_claims.update(
        {
            "plan": "team",
            "realm_access": {"roles": ["writer", "reviewer"]},
            "https://example.com/roles": "support",
        }
    )
    application = _app(
        app_config,
        STATE_VARIABLE_CLAIMS="plan=plan,realm_access.roles=roles,https://example.com/roles=desk",
    )
    client = application.test_client()
    signed_in(client, grace)
    assert mint_secret(client).status_code == 200
    [session] = emulator.sessions()
    assert session["workflow"]["state_variables"] == {
        "plan": "team",
        "roles": "writer reviewer",
        "desk": "support",
    }
    application.extensions["chatkit_bff"].close()
