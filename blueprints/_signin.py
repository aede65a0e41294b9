"""Start and end a sign-in (shared by every way of signing in)."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from flask import current_app, g, request, session

from chatkit_bff.auth.provider_logout import ProviderLogout
from chatkit_bff.identity import Identity
from chatkit_bff.observability import metrics

from ._context import current_identity, services
from ._sign_in_store import SIGNED_IN_AT, SIGNED_IN_MARK, RedisSignInInterface, current_sign_in

#: The provider's ID token, kept server-side only, as the hint for RP-initiated logout.
SESSION_ID_TOKEN = "id_token"  # noqa: S105 (a session key name, not a secret)
#: This sign-in's opaque handle on "my sessions".
SESSION_HANDLE = "sign_in_handle"
#: When the user last proved who they are (the ID token's `auth_time`), for re-authentication.
SESSION_AUTH_TIME = "auth_time"


@dataclass(frozen=True)
class SignedOut:
    identity: Identity | None
    id_token: str | None


def provider_logout() -> ProviderLogout:
    svc = services()
    return ProviderLogout(
        svc.redis,
        svc.sign_ins,
        svc.broker,
        sign_in_ttl_seconds=svc.settings.session_absolute_seconds,
    )


def _rotate_session_id(user_id: str | None = None) -> None:
    interface = current_app.session_interface
    assert isinstance(interface, RedisSignInInterface)
    interface.regenerate(current_sign_in(), user_id)


def sign_in(
    identity: Identity, *, id_token: str | None = None, auth_time: float | None = None
) -> None:
    """Rotate the session id (no fixation), store the identity, index the session for revocation.

    `auth_time` is when the user authenticated (None: unknown, never counts as recent).
    """
    session.clear()
    _rotate_session_id(identity.user_id)
    now = services().clock()
    session[SIGNED_IN_MARK] = identity.to_session()
    session[SIGNED_IN_AT] = now
    if auth_time is not None:
        session[SESSION_AUTH_TIME] = auth_time
    if id_token:
        session[SESSION_ID_TOKEN] = id_token
    g.identity = identity
    session[SESSION_HANDLE] = services().sign_ins.add(
        current_sign_in().sid,
        identity.user_id,
        identity.sid,
        user_agent=request.headers.get("User-Agent", ""),
        signed_in_at=now,
    )
    provider_logout().remember_sign_in(identity)
    services().directory.record_sign_in(identity)
    # Whose upstream user each chat app's is, for the retention job and erasure.
    services().app_users.record_apps(identity, services().settings.apps)
    metrics.SIGN_INS.labels(outcome="succeeded").inc()


def sign_out() -> SignedOut:
    """End this sign-in and the user's chat sessions; says who was signed in."""
    identity = current_identity()
    id_token = session.get(SESSION_ID_TOKEN)
    if identity is not None:
        svc = services()
        handle = session.get(SESSION_HANDLE)
        svc.sign_ins.remove(
            current_sign_in().sid,
            identity.user_id,
            identity.sid,
            handle if isinstance(handle, str) else None,
        )
        svc.broker.end_sessions(identity.user_id)
    session.clear()
    # Anything kept after this (the sign-out `state`) lives under a new, anonymous id.
    _rotate_session_id()
    g.identity = None
    return SignedOut(identity, id_token if isinstance(id_token, str) else None)


def current_handle() -> str | None:
    """This sign-in's handle on "my sessions"."""
    handle = session.get(SESSION_HANDLE)
    return handle if isinstance(handle, str) else None


#: Sign-ins started in this browser and not finished that are kept (the newest ones).
MAX_PENDING_SIGN_INS = 5


def forget_old_pending_sign_ins(data: MutableMapping[str, Any], client_name: str) -> None:
    """Keep only the newest pending sign-ins of a browser, so a flood cannot grow its session.

    authlib keeps each started flow under `_state_<client>_<state>` with its expiry (`exp`).
    """
    prefix = f"_state_{client_name}_"
    pending = sorted(
        (k for k in data if k.startswith(prefix)),
        key=lambda k: float((data[k] or {}).get("exp") or 0),
    )
    for key in pending[:-MAX_PENDING_SIGN_INS]:
        data.pop(key, None)
