"""Sign-in (OpenID Connect, or demo users in development), sign-out and back-channel logout."""

from __future__ import annotations

import logging
import time
from contextlib import suppress
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
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
    CLIENT_NAME,
    LEEWAY_SECONDS,
    REAUTHENTICATION_FAILED,
    MissingIdToken,
    ProviderMisconfigured,
    RelyingParty,
    SignInFailure,
    WrongInitiatingIssuer,
    WrongResponseIssuer,
    describe_failure,
    log_failure,
    login_hint,
    relying_party,
)
from chatkit_bff.auth.provider_logout import ReplayedLogoutToken
from chatkit_bff.auth.reauthentication import (
    REAUTH_PATH,
    ReauthenticationFailed,
    fresh_auth_time,
)
from chatkit_bff.auth.redirects import safe_next, same_origin_path
from chatkit_bff.auth.userinfo import UserInfoRejected, UserInfoUnavailable
from chatkit_bff.csp import framed_by, origin
from chatkit_bff.identity import Identity, held_elsewhere, identity_from_claims
from chatkit_bff.observability import metrics
from chatkit_bff.threads.demo_seed import seed_demo_conversations

from ._context import current_identity, login_required, require_identity, services
from ._errors import error_response, wants_json
from ._extensions import csrf, limiter
from ._signin import (
    SESSION_AUTH_TIME,
    SESSION_ID_TOKEN,
    forget_old_pending_sign_ins,
    provider_logout,
    sign_in,
    sign_out,
)

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)

#: Everything the callback can fail with that is the provider's or the browser's doing.
_SIGN_IN_ERRORS = (
    OAuthError,
    JoseError,
    MissingIdToken,
    WrongResponseIssuer,
    WrongInitiatingIssuer,
    ProviderMisconfigured,
    requests.RequestException,
    UserInfoRejected,
    UserInfoUnavailable,
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


@bp.route("/login", methods=["GET", "POST"])
@_sign_in_rate_limit
def login() -> ResponseReturnValue:
    """Start a sign-in; also the login initiation endpoint a provider may send people to
    (Core §4: `iss`, `login_hint`, `target_link_uri`, by GET or a form POST)."""
    initiation = request.values
    next_url = safe_next(initiation.get("next"))
    if "target_link_uri" in initiation:
        next_url = same_origin_path(initiation.get("target_link_uri"), request.host_url)
    if current_identity() is not None:
        return redirect(next_url)
    if _dev_login():
        return render_template("auth/dev_login.html", users=DEMO_USERS, next_url=next_url)
    party = _party()
    redirect_uri = url_for("auth.callback", _external=True)
    try:
        party.metadata()
        party.check_initiating_issuer(initiation.get("iss"))
        flow = party.authorization_url(redirect_uri, **login_hint(initiation.get("login_hint")))
    except _SIGN_IN_ERRORS as error:
        log_failure(error)
        return _failure_page(describe_failure(error))
    # `state`, `nonce`, the PKCE verifier and where to go afterwards stay server-side,
    # keyed by this flow's state, so parallel sign-ins in two tabs do not mix.
    party.client.save_authorize_data(redirect_uri=redirect_uri, next=next_url, **flow)
    forget_old_pending_sign_ins(session, CLIENT_NAME)
    return redirect(flow["url"])


@bp.get(REAUTH_PATH)
@_sign_in_rate_limit
@login_required
def reauthenticate() -> ResponseReturnValue:
    """Prove who you are again before something irreversible (then back to `next`)."""
    identity = require_identity()
    next_url = safe_next(request.args.get("next"))
    if _dev_login():
        users = [u for u in DEMO_USERS if u.identity().user_id == identity.user_id]
        return render_template("auth/dev_login.html", users=users, next_url=next_url, again=True)
    party = _party()
    redirect_uri = url_for("auth.callback", _external=True)
    try:
        party.metadata()
        # Core 3.1.2.1: prompt=login asks the provider to authenticate the user again even if
        # it has a session; max_age=0 says the same and makes it return auth_time.
        flow = party.authorization_url(redirect_uri, prompt="login", max_age=0)
    except _SIGN_IN_ERRORS as error:
        log_failure(error)
        return _failure_page(describe_failure(error))
    party.client.save_authorize_data(
        redirect_uri=redirect_uri,
        next=next_url,
        reauth_user=identity.user_id,
        started_at=time.time(),
        **flow,
    )
    forget_old_pending_sign_ins(session, CLIENT_NAME)
    return redirect(flow["url"])


@bp.get("/auth/callback")
@_sign_in_rate_limit
def callback() -> ResponseReturnValue:
    party = _party()
    state = request.args.get("state")
    flow = party.client.framework.get_state_data(session, state) if state else None
    next_url = safe_next(flow.get("next") if isinstance(flow, dict) else None)
    try:
        party.check_response_issuer(request.args.get("iss"))
        token = party.client.authorize_access_token(
            claims_options=party.id_token_claims_options(), leeway=LEEWAY_SECONDS
        )
        claims = party.claims_of(token)
    except _SIGN_IN_ERRORS as error:
        log_failure(error)
        return _failure_page(describe_failure(error))
    settings = services().settings
    identity = identity_from_claims(
        claims,
        admin_groups=settings.admin_groups,
        admin_emails=settings.admin_emails,
        admin_claim=settings.admin_claim,
        variable_claims=settings.state_variable_claims.keys(),
    )
    if held_elsewhere(claims, settings.admin_claim):
        log.warning(
            "the provider sent the %s claim by reference only (too many values for the token);"
            " it is not fetched, so admin rights from it are not seen: use a claim the provider"
            " puts in the token itself (app roles, say) as ADMIN_CLAIM",
            settings.admin_claim,
        )
    auth_time = claims.get("auth_time")
    reauth_user = flow.get("reauth_user") if isinstance(flow, dict) else None
    if isinstance(reauth_user, str):
        return _finish_reauthentication(identity, claims, flow or {}, str(token["id_token"]))
    sign_in(
        identity,
        id_token=str(token["id_token"]),
        auth_time=float(auth_time) if isinstance(auth_time, int | float) else None,
    )
    log.info("signed in %s%s", identity.user_id, " (admin)" if identity.is_admin else "")
    return redirect(next_url)


def _finish_reauthentication(
    identity: Identity, claims: dict[str, Any], flow: dict[str, Any], id_token: str
) -> ResponseReturnValue:
    """The signed-in user proved who they are again: note when, keep the same sign-in."""
    signed_in = current_identity()
    try:
        auth_time = fresh_auth_time(
            claims,
            user_id=identity.user_id,
            expected_user_id=signed_in.user_id if signed_in else "",
            started_at=float(flow.get("started_at") or 0),
            leeway=LEEWAY_SECONDS,
        )
    except ReauthenticationFailed as error:
        log.warning("re-authentication refused: %s", error)
        return _failure_page(REAUTHENTICATION_FAILED)
    session[SESSION_AUTH_TIME] = auth_time
    session[SESSION_ID_TOKEN] = id_token
    log.info("re-authenticated %s", identity.user_id)
    return redirect(safe_next(flow.get("next")))


@bp.post("/login/dev")
def dev_login() -> ResponseReturnValue:
    svc = services()
    if not svc.settings.dev_login:
        abort(404)
    user = demo_user(request.form.get("user", ""))
    if user is None:
        abort(400, "Pick one of the demo users.")
    identity = user.identity()
    sign_in(identity, auth_time=time.time())
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

_MAX_SID = 255


@bp.get("/auth/frontchannel-logout")
def frontchannel_logout() -> ResponseReturnValue:
    """OpenID Connect Front-Channel Logout 1.0: the provider's logout page loads this in an
    iframe, naming its issuer and the ended provider session (`sid`); register it with
    "session required". Cross-site, the frame carries no cookie of ours: `sid` says which
    sign-ins end."""
    party = _party()
    iss, sid = request.args.get("iss"), request.args.get("sid")
    if not iss or not sid or len(sid) > _MAX_SID or not sid.isprintable():
        abort(400, "A front-channel logout names the issuer (iss) and the session (sid).")
    try:
        ours = iss == party.exact_issuer
    except (requests.RequestException, ProviderMisconfigured) as error:
        log_failure(error)
        abort(503, "The identity provider cannot be reached; try again.")
    if not ours:
        abort(400, "This front-channel logout names another issuer.")
    provider_logout().end_provider_session(sid)
    # Framed by the provider's logout page (its issuer's origin); nobody else may frame it.
    provider = origin(party.issuer)
    g.security_headers = framed_by(services().settings, (provider,) if provider else ())
    response = make_response(render_template("auth/frontchannel_logout.html"))
    response.headers["Cache-Control"] = "no-cache, no-store"  # §2: never from a cache
    response.headers["Pragma"] = "no-cache"
    return response


# A provider's login initiation may be a cross-site form POST (Core §4); it only starts a
# sign-in, whose answer is bound to this browser's session by `state`.
csrf.exempt(login)
