"""Which chat app a request is for: today's URLs serve `default`, `/apps/<slug>/…` any app.

One view function serves both: `app_route` registers it at the plain rule (with the default
app as a URL default) and under `/apps/<app>`; the slug is popped before the view runs and the
app is found in `current_chat_app()`. `url_for` inside an app's request keeps that app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Flask, current_app, g

from chatkit_bff.apps import DEFAULT_APP, AppCatalog, ChatApp
from chatkit_bff.errors import NotFound

F = TypeVar("F", bound=Callable[..., Any])

APP_ARG = "app"


def app_route(bp: Blueprint, rule: str, **options: Any) -> Callable[[F], F]:
    """Serve the view at `rule` (the default app) and at `/apps/<app><rule>` (any app)."""

    def register(view: F) -> F:
        bp.add_url_rule(rule, view_func=view, defaults={APP_ARG: DEFAULT_APP}, **options)
        bp.add_url_rule(f"/apps/<{APP_ARG}>{rule}", view_func=view, **options)
        return view

    return register


def apps_route(bp: Blueprint, rule: str, **options: Any) -> Callable[[F], F]:
    """Serve the view only at `/apps/<app><rule>` (no URL of today's for it)."""

    def register(view: F) -> F:
        bp.add_url_rule(f"/apps/<{APP_ARG}>{rule}", view_func=view, **options)
        return view

    return register


def _catalog() -> AppCatalog:
    apps: AppCatalog = current_app.config["SETTINGS"].apps
    return apps


def current_chat_app() -> ChatApp:
    """The app of this request (the default app for routes that name none)."""
    chat_app: ChatApp | None = g.get("chat_app")
    return chat_app if chat_app is not None else _catalog().default


def chat_app_in(view_args: dict[str, Any]) -> ChatApp | None:
    """The app that a matched URL's arguments name (None: no such app)."""
    return _catalog().get(str(view_args.get(APP_ARG, DEFAULT_APP)))


def _pull_app(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if not values or APP_ARG not in values:
        return
    chat_app = _catalog().get(str(values.pop(APP_ARG)))
    if chat_app is None:
        raise NotFound("No chat app with that name.")
    g.chat_app = chat_app


def _keep_app(endpoint: str, values: dict[str, Any]) -> None:
    chat_app: ChatApp | None = g.get("chat_app")
    if chat_app is None or APP_ARG in values:
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, APP_ARG):
        values[APP_ARG] = chat_app.slug


def register_chat_apps(app: Flask) -> None:
    app.url_value_preprocessor(_pull_app)
    app.url_defaults(_keep_app)
    app.jinja_env.globals.update(current_chat_app=current_chat_app)
