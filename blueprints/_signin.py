"""Start and end a signed-in browser session (shared by every way of signing in)."""

from __future__ import annotations

import time

from flask import current_app, g, session

from chatkit_bff.identity import Identity

from ._current_user import SESSION_IDENTITY, SESSION_SIGNED_IN_AT, current_identity, services


def sign_in(identity: Identity) -> None:
    """Rotate the session id (no fixation), store the identity, index the session for revocation."""
    session.clear()
    current_app.session_interface.regenerate(session)  # type: ignore[attr-defined]
    session[SESSION_IDENTITY] = identity.to_session()
    session[SESSION_SIGNED_IN_AT] = time.time()
    g.identity = identity
    services().sessions.add(session.sid, identity.user_id, identity.sid)  # type: ignore[attr-defined]
    services().directory.record_sign_in(identity)


def sign_out() -> Identity | None:
    """End this browser session and the user's ChatKit sessions; returns who was signed in."""
    identity = current_identity()
    if identity is not None:
        svc = services()
        svc.sessions.remove(session.sid, identity.user_id, identity.sid)  # type: ignore[attr-defined]
        svc.broker.end_sessions(identity.user_id)
    session.clear()
    g.identity = None
    return identity
