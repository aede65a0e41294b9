"""The signed-in user of this request, and the guards that require one."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar, cast
from urllib.parse import urlencode

from flask import Flask, current_app, g, redirect, request, session

from chatkit_bff.errors import Forbidden, SignInRequired
from chatkit_bff.identity import Identity
from chatkit_bff.services import Services

P = ParamSpec("P")
R = TypeVar("R")

SESSION_IDENTITY = "identity"
SESSION_SIGNED_IN_AT = "signed_in_at"


def services() -> Services:
    return cast(Services, current_app.extensions["chatkit_bff"])


def current_identity() -> Identity | None:
    """The identity stored in the server-side session, or None when signed out."""
    if "identity" not in g:
        data = session.get(SESSION_IDENTITY)
        g.identity = Identity.from_session(data) if data else None
    return cast(Identity | None, g.identity)


def require_identity() -> Identity:
    identity = current_identity()
    if identity is None:
        raise SignInRequired("Sign in to continue.")
    return identity


def _is_api_request() -> bool:
    return request.path.startswith(("/api/", "/admin/api/"))


def login_required(view: Callable[P, R]) -> Callable[P, Any]:
    """Pages redirect to sign-in (coming back afterwards); the API answers 401."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        if current_identity() is None:
            if _is_api_request():
                raise SignInRequired("Sign in to continue.")
            target = request.full_path.rstrip("?") if request.query_string else request.path
            return redirect("/login?" + urlencode({"next": target}))
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable[P, R]) -> Callable[P, Any]:
    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        identity = current_identity()
        if identity is None:
            return login_required(view)(*args, **kwargs)
        if not identity.is_admin:
            raise Forbidden("This area is for administrators.")
        return view(*args, **kwargs)

    return wrapped


def _session_deadline() -> float | None:
    """When the absolute session lifetime ends (epoch seconds)."""
    signed_in_at = session.get(SESSION_SIGNED_IN_AT)
    if signed_in_at is None:
        return None
    return float(signed_in_at) + services().settings.session_absolute_seconds


def session_expires_in() -> int | None:
    """Seconds until the absolute session lifetime ends."""
    deadline = _session_deadline()
    if deadline is None:
        return None
    return max(math.ceil(deadline - time.time()), 0)


def _enforce_absolute_lifetime() -> None:
    deadline = _session_deadline()
    if session.get(SESSION_IDENTITY) and (deadline is None or time.time() >= deadline):
        session.clear()
        g.pop("identity", None)


def _dev_banner() -> str:
    settings = services().settings
    notes = []
    if settings.dev_login:
        notes.append("demo sign-in")
    if settings.uses_emulator:
        notes.append("local ChatKit emulator")
    return ", ".join(notes)


def _api_requires_sign_in() -> None:
    """Signed-out API calls get a 401 before anything else (CSRF included) looks at them."""
    if _is_api_request() and current_identity() is None:
        raise SignInRequired("Sign in to continue.")


def register_current_user(app: Flask) -> None:
    """Enforce the session lifetime and API sign-in; expose the user to templates.

    Call before CSRFProtect.init_app so that a signed-out caller learns it must sign in.
    """
    app.before_request(_enforce_absolute_lifetime)
    app.before_request(_api_requires_sign_in)
    app.jinja_env.globals.update(current_identity=current_identity, dev_banner=_dev_banner)
