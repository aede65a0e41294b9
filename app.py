"""Application factory: `create_app()` builds a configured chatkit-bff app."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from blueprints import (
    STATIC_FOLDER,
    TEMPLATE_FOLDER,
    account,
    admin,
    admin_api,
    api,
    auth,
    chat,
    docs,
    embed,
    health,
    ops,
    retention_cli,
)
from blueprints._apps import register_chat_apps
from blueprints._body_limit import install_body_limit
from blueprints._context import register_current_user
from blueprints._errors import register_error_handlers
from blueprints._extensions import csrf, limiter
from blueprints._observability import register_observability
from blueprints._redis_cli import redis_cli
from blueprints._request import BffRequest
from blueprints._security_headers import register_security_headers
from blueprints._sign_in_store import install_sign_in_store
from chatkit_bff.auth.oidc import register_oidc_client
from chatkit_bff.observability.logs import configure_logging
from chatkit_bff.observability.request_ids import RequestIdMiddleware
from chatkit_bff.redis_connection import limiter_storage, parse_redis_url
from chatkit_bff.redis_requirements import eviction_problem, version_problem
from chatkit_bff.rendering import register_rendering
from chatkit_bff.services import Services, build_services
from chatkit_bff.settings import ConfigError, Settings, load_settings

log = logging.getLogger("chatkit_bff")


def create_app(
    config: Mapping[str, Any] | None = None, *, clock: Callable[[], float] = time.time
) -> Flask:
    """Build the app. `config` overrides environment settings (same names) and Flask config keys.

    `clock` tells the time (epoch seconds) to sign-in lifetimes and cached secrets.
    """
    settings = load_settings(config)
    app = Flask(__name__, template_folder=TEMPLATE_FOLDER, static_folder=STATIC_FOLDER)
    app.request_class = BffRequest
    _configure_flask(app, settings, config or {})

    if settings.otel_endpoint:
        # Imported only when asked for; first, so the request's span covers the other hooks.
        from chatkit_bff.observability.tracing import install_tracing

        install_tracing(app, settings.otel_endpoint)
    services = build_services(settings, clock=clock)
    app.extensions["chatkit_bff"] = services
    _check_redis_server(settings, services)

    install_sign_in_store(
        app,
        services.redis,
        idle_seconds=settings.session_idle_seconds,
        absolute_seconds=settings.session_absolute_seconds,
        clock=clock,
    )
    install_body_limit(app)
    register_current_user(app)
    register_chat_apps(app)
    register_observability(app)
    csrf.init_app(app)
    limiter.init_app(app)
    if settings.oidc_issuer:
        register_oidc_client(app, settings)

    register_rendering(app)
    register_error_handlers(app)
    register_security_headers(app)
    for module in (
        health,
        auth,
        api,
        chat,
        embed,
        account,
        admin,
        admin_api,
        docs,
        retention_cli,
        ops,
    ):
        app.register_blueprint(module.bp)
    app.cli.add_command(redis_cli)

    if settings.trusted_proxy_hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.trusted_proxy_hops,
            x_proto=settings.trusted_proxy_hops,
            x_host=settings.trusted_proxy_hops,
            x_port=settings.trusted_proxy_hops,  # a proxy on another port than 443 (8443)
        )
    # Outermost, so that every line logged for a request carries its id.
    app.wsgi_app = RequestIdMiddleware(  # type: ignore[method-assign]
        app.wsgi_app, trust_header=settings.trusted_proxy_hops > 0
    )
    configure_logging(settings.log_format)
    _announce(settings)
    return app


def _configure_flask(app: Flask, settings: Settings, overrides: Mapping[str, Any]) -> None:
    production = settings.is_production
    storage_uri, storage_options = limiter_storage(parse_redis_url(settings.redis_url))
    app.config.update(
        SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="__Host-session" if production else "session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        PREFERRED_URL_SCHEME="https" if production else "http",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session it is bound to
        WTF_CSRF_SSL_STRICT=production,
        RATELIMIT_STORAGE_URI=storage_uri,
        RATELIMIT_STORAGE_OPTIONS=storage_options,
        RATELIMIT_KEY_PREFIX="bff-limits",
        RATELIMIT_STRATEGY="moving-window",
        MAX_CONTENT_LENGTH=64 * 1024,
        JSON_SORT_KEYS=False,
    )
    # Flask-only keys (TESTING and the like) may be passed straight through.
    app.config.update({k: v for k, v in overrides.items() if k.isupper() and k in _FLASK_KEYS})


_FLASK_KEYS = {"TESTING", "SERVER_NAME", "WTF_CSRF_ENABLED", "RATELIMIT_ENABLED"}


def _check_redis_server(settings: Settings, services: Services) -> None:
    """A Redis too old for the commands used is refused; one that may evict sessions,
    policies and the audit trail is refused in production."""
    too_old = version_problem(services.redis)
    if too_old is not None:
        services.close()
        raise ConfigError([too_old])
    problem = eviction_problem(services.redis)
    if problem is None:
        return
    if settings.is_production and not settings.redis_accept_eviction:
        services.close()
        raise ConfigError([problem])
    log.warning("%s", problem)


def _announce(settings: Settings) -> None:
    if settings.is_production:
        return
    notes = []
    if settings.dev_login:
        notes.append("development sign-in (no OIDC_ISSUER): anyone can pick a demo user")
    if settings.uses_emulator:
        notes.append(f"ChatKit emulator at {settings.chatkit_api_base} (no OPENAI_API_KEY)")
    if settings.secret_key_generated:
        notes.append("random SECRET_KEY for this process: sessions end when it restarts")
    for note in notes:
        log.warning("DEVELOPMENT MODE: %s", note)
