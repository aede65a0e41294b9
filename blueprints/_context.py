"""Web glue shared by every blueprint: the request's user, services, body, policy and threads.

Blueprints import from here (and from `chatkit_bff`), never from each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar, cast
from urllib.parse import urlencode

from flask import Flask, current_app, g, redirect, request, session, url_for
from werkzeug.exceptions import MethodNotAllowed

from chatkit_bff.apps import ChatApp, upstream_user
from chatkit_bff.errors import Forbidden, InvalidRequest, SignInRequired
from chatkit_bff.identity import Actor, Identity
from chatkit_bff.json_input import parse_json_object
from chatkit_bff.policy.model import Policy
from chatkit_bff.services import Services
from chatkit_bff.threads.owners import ThreadOwners
from chatkit_bff.threads.user_threads import UserThreads

from ._apps import current_chat_app
from ._sign_in_store import SIGNED_IN_AT, SIGNED_IN_MARK

P = ParamSpec("P")
R = TypeVar("R")


def services() -> Services:
    return cast(Services, current_app.extensions["chatkit_bff"])


def current_identity() -> Identity | None:
    """The identity stored in the server-side session, or None when signed out."""
    if "identity" not in g:
        data = session.get(SIGNED_IN_MARK)
        g.identity = Identity.from_session(data) if data else None
    return cast(Identity | None, g.identity)


def require_identity() -> Identity:
    identity = current_identity()
    if identity is None:
        raise SignInRequired("Sign in to continue.")
    return identity


def is_api_request() -> bool:
    """The one rule for "answer in JSON": the paths of the JSON API and the admin JSON API."""
    return request.path.startswith(("/api/", "/admin/api/"))


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a clear 400 (bad JSON, too deep, bad Unicode) or 413."""
    if not request.is_json:
        raise InvalidRequest("Send a JSON body with Content-Type: application/json.")
    return parse_json_object(request.get_data(cache=True))


def current_policy() -> Policy:
    """The signed-in user's effective policy in this chat app, read once per request."""
    if "policy" not in g:
        user_id, app = require_identity().user_id, current_chat_app().slug
        g.policy = services().policies.effective(user_id, app)
    policy: Policy = g.policy
    return policy


def current_user_threads() -> UserThreads:
    """The signed-in user's threads in this chat app; any other is a 404 like a missing one."""
    svc = services()
    identity, chat_app = require_identity(), current_chat_app()
    svc.app_users.record(identity, chat_app)  # a sign-in from before the mapping existed
    return _threads_of(svc, identity, chat_app)


def delete_all_my_threads() -> int:
    """Delete every thread of the signed-in user, in every chat app; how many went."""
    svc, identity = services(), require_identity()
    return sum(_threads_of(svc, identity, app).delete_all() for app in svc.settings.apps)


def _threads_of(svc: Services, identity: Identity, chat_app: ChatApp) -> UserThreads:
    return UserThreads(svc.chatkit, ThreadOwners(svc.redis), upstream_user(identity, chat_app))


def current_actor() -> Actor:
    """The signed-in admin, as the audit trail names them."""
    return Actor.of(require_identity())


def login_required(view: Callable[P, R]) -> Callable[P, Any]:
    """Pages redirect to sign-in (coming back afterwards); the API answers 401."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        if current_identity() is None:
            if is_api_request():
                raise SignInRequired("Sign in to continue.")
            target = request.full_path.rstrip("?") if request.query_string else request.path
            return redirect(url_for("auth.login") + "?" + urlencode({"next": target}))
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


@admin_required
def admins_only() -> None:
    """A `before_request` guard for every admin blueprint, so no route can forget it."""
    return None


def _session_deadline() -> float | None:
    """When the absolute session lifetime ends (epoch seconds)."""
    signed_in_at = session.get(SIGNED_IN_AT)
    if signed_in_at is None:
        return None
    return float(signed_in_at) + services().settings.session_absolute_seconds


def session_expires_in() -> int | None:
    """Seconds until the absolute session lifetime ends."""
    deadline = _session_deadline()
    if deadline is None:
        return None
    return max(math.ceil(deadline - services().clock()), 0)


def _enforce_absolute_lifetime() -> None:
    deadline = _session_deadline()
    if session.get(SIGNED_IN_MARK) and (deadline is None or services().clock() >= deadline):
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


def public(view: Callable[P, R]) -> Callable[P, R]:
    """Mark an API route that signed-out callers may use (the published contract)."""
    view.public = True  # type: ignore[attr-defined]
    return view


def _api_requires_sign_in() -> None:
    """Signed-out API calls get a 401 before anything else (CSRF included) looks at them."""
    if not is_api_request() or current_identity() is not None:
        return
    if isinstance(request.routing_exception, MethodNotAllowed):
        return  # the path exists for everyone; the method for no one: 405 tells the truth
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "public", False):
        raise SignInRequired("Sign in to continue.")


def register_current_user(app: Flask) -> None:
    """Enforce the session lifetime and API sign-in; expose the user to templates.

    Call before CSRFProtect.init_app so that a signed-out caller learns it must sign in.
    """
    app.before_request(_enforce_absolute_lifetime)
    app.before_request(_api_requires_sign_in)
    app.jinja_env.globals.update(current_identity=current_identity, dev_banner=_dev_banner)
