"""Start and end a signed-in browser session (shared by every way of signing in)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app, g, session

from chatkit_bff.identity import Identity
from chatkit_bff.provider_logout import ProviderLogout

from ._current_user import SESSION_IDENTITY, SESSION_SIGNED_IN_AT, current_identity, services
from ._session_store import RedisSessionInterface, current_session

#: The provider's ID token, kept server-side only, as the hint for RP-initiated logout.
SESSION_ID_TOKEN = "id_token"  # noqa: S105 (a session key name, not a secret)


@dataclass(frozen=True)
class SignedOut:
    identity: Identity | None
    id_token: str | None


def provider_logout() -> ProviderLogout:
    svc = services()
    return ProviderLogout(
        svc.redis,
        svc.sessions,
        svc.broker,
        sign_in_ttl_seconds=svc.settings.session_absolute_seconds,
    )


def _rotate_session_id() -> None:
    interface = current_app.session_interface
    assert isinstance(interface, RedisSessionInterface)
    interface.regenerate(current_session())


def sign_in(identity: Identity, *, id_token: str | None = None) -> None:
    """Rotate the session id (no fixation), store the identity, index the session for revocation."""
    session.clear()
    _rotate_session_id()
    session[SESSION_IDENTITY] = identity.to_session()
    session[SESSION_SIGNED_IN_AT] = time.time()
    if id_token:
        session[SESSION_ID_TOKEN] = id_token
    g.identity = identity
    services().sessions.add(current_session().sid, identity.user_id, identity.sid)
    provider_logout().remember_sign_in(identity)
    services().directory.record_sign_in(identity)


def sign_out() -> SignedOut:
    """End this browser session and the user's ChatKit sessions; says who was signed in."""
    identity = current_identity()
    id_token = session.get(SESSION_ID_TOKEN)
    if identity is not None:
        svc = services()
        svc.sessions.remove(current_session().sid, identity.user_id, identity.sid)
        svc.broker.end_sessions(identity.user_id)
    session.clear()
    # Anything kept after this (the sign-out `state`) lives under a new, anonymous id.
    _rotate_session_id()
    g.identity = None
    return SignedOut(identity, id_token if isinstance(id_token, str) else None)
