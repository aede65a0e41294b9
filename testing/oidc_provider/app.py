"""The provider as a Flask app: authlib's authorization server wired to in-memory state."""

from __future__ import annotations

import time
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error, OAuth2Request
from flask import Flask, Response, jsonify, request

from .config import ProviderConfig
from .discovery import provider_metadata
from .endpoints import ProviderEndSessionEndpoint, ProviderUserInfoEndpoint
from .grants import ProviderCodeGrant, ProviderOpenIDCode, S256CodeChallenge
from .pages import error_page, sign_in_page, signed_out_page
from .records import IssuedToken, RegisteredClient
from .state import ProviderState

ACCESS_TOKEN_TTL = 3600
END_SESSION_PARAMETERS = (
    "id_token_hint",
    "post_logout_redirect_uri",
    "state",
    "client_id",
    "logout_hint",
)


class ProviderAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """authlib's Flask authorization server over a ``ProviderState``."""

    def __init__(self, app: Flask, state: ProviderState) -> None:
        self.state = state
        super().__init__(app)

    def query_client(self, client_id: str) -> RegisteredClient | None:
        return self.state.find_client(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.state.save_token(
            IssuedToken(
                access_token=token["access_token"],
                client=request.client,
                sign_in=request.user,
                scope=token["scope"],
                expires_in=token["expires_in"],
                code=request.authorization_code.code,
            )
        )


def create_provider(config: ProviderConfig) -> Flask:
    """A provider app; its ``ProviderState`` is ``app.config["PROVIDER"]``."""
    app = Flask(__name__)
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": ACCESS_TOKEN_TTL}
    state = ProviderState(config)
    state.issuer = config.issuer
    app.config["PROVIDER"] = state

    server = ProviderAuthorizationServer(app, state)
    server.register_grant(ProviderCodeGrant, [S256CodeChallenge(), ProviderOpenIDCode(state)])
    server.register_endpoint(ProviderUserInfoEndpoint(state))
    server.register_endpoint(ProviderEndSessionEndpoint(state))

    @app.before_request
    def take_issuer_from_first_request() -> None:
        if not state.issuer:
            state.issuer = request.host_url

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Response:
        return jsonify(provider_metadata(state.issuer, state.advertised_token_auth_methods))

    @app.get("/jwks")
    def jwks() -> Response:
        return jsonify(state.keys.public_jwks())

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize() -> Any:
        try:
            grant = server.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            if error.redirect_uri:
                return server.handle_error_response(None, error)
            # No trustworthy redirect_uri: tell the user, never redirect (RFC 6749 §4.1.2.1).
            return error_page(error.error, error.description), 400
        if request.method == "GET":
            return sign_in_page(grant.client.client_id, state.config.users)
        if request.form.get("action") == "cancel":
            return server.create_authorization_response(grant_user=None, grant=grant)
        user = state.find_user(request.form.get("username", ""))
        if user is None:
            return sign_in_page(grant.client.client_id, state.config.users), 400
        return server.create_authorization_response(grant_user=state.sign_in(user), grant=grant)

    @app.post("/token")
    def token() -> Any:
        return server.create_token_response()

    @app.route("/userinfo", methods=["GET", "POST"])
    def userinfo() -> Any:
        if state.userinfo_delay:
            time.sleep(state.userinfo_delay)
        if state.userinfo_failure_status is not None:
            body = {"error": "temporarily_unavailable"}
            return jsonify(body), state.userinfo_failure_status
        return server.create_endpoint_response("userinfo")

    @app.route("/end_session", methods=["GET", "POST"])
    def end_session() -> Any:
        call: dict[str, Any] = {name: request.values.get(name) for name in END_SESSION_PARAMETERS}
        try:
            validated = server.validate_endpoint_request("end_session")
        except OAuth2Error as error:
            state.record_end_session(
                {**call, "sid": None, "redirected_to": None, "error": error.error}
            )
            return error_page(error.error, error.description), 400
        claims = validated.id_token_claims or {}
        state.record_end_session(
            {
                **call,
                "sid": claims.get("sid"),
                "redirected_to": validated.redirect_uri,
                "error": None,
            }
        )
        response = server.create_endpoint_response("end_session", validated)
        return response or signed_out_page()

    return app
