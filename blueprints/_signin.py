"""Start and end a sign-in (shared by every way of signing in)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app, g, session

from chatkit_bff.auth.provider_logout import ProviderLogout
from chatkit_bff.identity import Identity

from ._context import SESSION_IDENTITY, SESSION_SIGNED_IN_AT, current_identity, services
from ._sign_in_store import RedisSignInInterface, current_sign_in

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
        svc.sign_ins,
        svc.broker,
        sign_in_ttl_seconds=svc.settings.session_absolute_seconds,
    )


def _rotate_session_id(user_id: str | None = None) -> None:
    interface = current_app.session_interface
    assert isinstance(interface, RedisSignInInterface)
    interface.regenerate(current_sign_in(), user_id)


def sign_in(identity: Identity, *, id_token: str | None = None) -> None:
    """Rotate the session id (no fixation), store the identity, index the session for revocation."""
    session.clear()
    _rotate_session_id(identity.user_id)
    session[SESSION_IDENTITY] = identity.to_session()
    session[SESSION_SIGNED_IN_AT] = time.time()
    if id_token:
        session[SESSION_ID_TOKEN] = id_token
    g.identity = identity
    services().sign_ins.add(current_sign_in().sid, identity.user_id, identity.sid)
    provider_logout().remember_sign_in(identity)
    services().directory.record_sign_in(identity)


def sign_out() -> SignedOut:
    """End this sign-in and the user's chat sessions; says who was signed in."""
    identity = current_identity()
    id_token = session.get(SESSION_ID_TOKEN)
    if identity is not None:
        svc = services()
        svc.sign_ins.remove(current_sign_in().sid, identity.user_id, identity.sid)
        svc.broker.end_sessions(identity.user_id)
    session.clear()
    # Anything kept after this (the sign-out `state`) lives under a new, anonymous id.
    _rotate_session_id()
    g.identity = None
    return SignedOut(identity, id_token if isinstance(id_token, str) else None)
