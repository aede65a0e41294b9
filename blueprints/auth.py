"""Sign-in (OpenID Connect, or demo users in development), sign-out and back-channel logout."""

from __future__ import annotations

import logging
from contextlib import suppress

import requests
from authlib.integrations.base_client.errors import OAuthError
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from chatkit_bff.auth.dev_users import DEMO_USERS, demo_user
from chatkit_bff.auth.logout_token import LogoutTokenRejected, verify_logout_token
from chatkit_bff.auth.oidc import (
    LEEWAY_SECONDS,
    MissingIdToken,
    ProviderMisconfigured,
    RelyingParty,
    SignInFailure,
    describe_failure,
    log_failure,
    relying_party,
)
from chatkit_bff.auth.provider_logout import ReplayedLogoutToken
from chatkit_bff.auth.redirects import safe_next
from chatkit_bff.identity import identity_from_claims
from chatkit_bff.observability import metrics
from chatkit_bff.threads.demo_seed import seed_demo_conversations
from extensions import csrf, limiter

from ._context import current_identity, services
from ._errors import error_response, wants_json
from ._signin import provider_logout, sign_in, sign_out

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

#: Everything the callback can fail with that is the provider's or the browser's doing.
_SIGN_IN_ERRORS = (
    OAuthError,
    JoseError,
    MissingIdToken,
    ProviderMisconfigured,
    requests.RequestException,
)


def _login_limit() -> str:
    return services().settings.login_rate_limit


def _dev_login() -> bool:
    return services().settings.dev_login


_sign_in_rate_limit = limiter.limit(
    _login_limit, key_func=get_remote_address, exempt_when=_dev_login
)


def _party() -> RelyingParty:
    party = relying_party(current_app)
    if party is None:
        abort(404)
    return party


def _failure_page(failure: SignInFailure) -> ResponseReturnValue:
    metrics.SIGN_INS.labels(outcome=failure.code).inc()
    if wants_json():
        return error_response(failure.status, failure.message, code=failure.code)
    html = render_template(
        "auth/sign_in_failed.html", failure=failure, retry_url=url_for("auth.login")
    )
    return html, failure.status


@bp.get("/login")
@_sign_in_rate_limit
def login() -> ResponseReturnValue:
    next_url = safe_next(request.args.get("next"))
    if current_identity() is not None:
        return redirect(next_url)
    if _dev_login():
        return render_template("auth/dev_login.html", users=DEMO_USERS, next_url=next_url)
    party = _party()
    redirect_uri = url_for("auth.callback", _external=True)
    try:
        party.metadata()
        flow = party.client.create_authorization_url(redirect_uri)
    except _SIGN_IN_ERRORS as error:
        log_failure(error)
        return _failure_page(describe_failure(error))
    # `state`, `nonce`, the PKCE verifier and where to go afterwards stay server-side,
    # keyed by this flow's state, so parallel sign-ins in two tabs do not mix.
    party.client.save_authorize_data(redirect_uri=redirect_uri, next=next_url, **flow)
    return redirect(flow["url"])


@bp.get("/auth/callback")
@_sign_in_rate_limit
def callback() -> ResponseReturnValue:
    party = _party()
    state = request.args.get("state")
    flow = party.client.framework.get_state_data(session, state) if state else None
    next_url = safe_next(flow.get("next") if isinstance(flow, dict) else None)
    try:
        token = party.client.authorize_access_token(
            claims_options=party.id_token_claims_options(), leeway=LEEWAY_SECONDS
        )
        claims = token.get("userinfo")
        if not token.get("id_token") or not claims:
            raise MissingIdToken
    except _SIGN_IN_ERRORS as error:
        log_failure(error)
        return _failure_page(describe_failure(error))
    settings = services().settings
    identity = identity_from_claims(
        dict(claims), admin_groups=settings.admin_groups, admin_emails=settings.admin_emails
    )
    sign_in(identity, id_token=str(token["id_token"]))
    log.info("signed in %s%s", identity.user_id, " (admin)" if identity.is_admin else "")
    return redirect(next_url)


@bp.post("/login/dev")
def dev_login() -> ResponseReturnValue:
    svc = services()
    if not svc.settings.dev_login:
        abort(404)
    user = demo_user(request.form.get("user", ""))
    if user is None:
        abort(400, "Pick one of the demo users.")
    identity = user.identity()
    sign_in(identity)
    if svc.settings.uses_emulator:
        seed_demo_conversations(
            svc.chatkit, svc.settings.chatkit_api_base, identity.user_id, user.name
        )
    return redirect(safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    signed_out = sign_out()
    party = relying_party(current_app)
    if party is None or signed_out.id_token is None:
        return redirect(url_for("auth.signed_out"))
    try:
        endpoint = party.end_session_endpoint()
    except (requests.RequestException, ProviderMisconfigured) as error:
        log_failure(error)
        endpoint = None
    if endpoint is None:
        return redirect(url_for("auth.signed_out"))
    # RP-initiated logout: the provider ends its own session, then sends the browser back.
    response: Response = party.client.logout_redirect(
        post_logout_redirect_uri=url_for("auth.signed_out", _external=True),
        id_token_hint=signed_out.id_token,
        client_id=party.client_id,
    )
    return response


@bp.get("/signed-out")
def signed_out() -> ResponseReturnValue:
    if current_identity() is not None:
        return redirect(url_for("chat.index"))
    party = relying_party(current_app)
    if party is not None and request.args.get("state"):
        with suppress(OAuthError):
            party.client.validate_logout_response()  # forget the sign-out `state`
    return render_template("auth/signed_out.html")


def _logout_refused(status: int, error: str, description: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    return response


@bp.post("/auth/backchannel-logout")
def backchannel_logout() -> ResponseReturnValue:
    """OpenID Connect Back-Channel Logout 1.0: the provider says a session is over."""
    party = _party()

    def keys(refresh: bool) -> KeySet:
        return party.signing_keys(refresh=refresh)

    try:
        claims = verify_logout_token(
            request.form.get("logout_token", ""),
            issuer=party.exact_issuer,
            client_id=party.client_id,
            keys=keys,
            algorithms=party.signing_algorithms(),
            leeway=LEEWAY_SECONDS,
        )
        provider_logout().end(claims)
    except LogoutTokenRejected as error:
        log.warning("back-channel logout refused: %s", error)
        return _logout_refused(400, "invalid_request", str(error))
    except ReplayedLogoutToken:
        log.warning("back-channel logout refused: replayed token")
        return _logout_refused(400, "invalid_request", "this logout token was already used")
    except (requests.RequestException, ProviderMisconfigured) as error:
        log_failure(error)
        return _logout_refused(503, "temporarily_unavailable", "try again later")
    response = Response(status=200)
    return response


# Server to server, with no sign-in: the provider's signature on the token is the proof.
csrf.exempt(backchannel_logout)
