"""Settings: read from the environment once, validated into a typed object at start-up."""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from chatkit_bff.apps import AppCatalog, load_catalog
from chatkit_bff.csp_sources import is_valid_frame_ancestor
from chatkit_bff.redis_connection import RedisUrlError, parse_redis_url

#: How the client may authenticate at the provider's token endpoint (RFC 6749 §2.3.1).
OIDC_TOKEN_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
#: `OIDC_PUSHED_AUTHORIZATION`: RFC 9126 when the provider requires it, always, or never.
PUSHED_AUTHORIZATION_MODES = ("auto", "on", "off")

AppEnv = Literal["production", "development"]

DEFAULT_API_BASE = "https://api.openai.com/v1"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_EMULATOR_URL = "http://127.0.0.1:8787/v1"
EMULATOR_API_KEY = "sk-emulator"
# Items one export request may hold (EXPORT_MAX_ITEMS); every export path reads within it.
DEFAULT_EXPORT_MAX_ITEMS = 2000
_PLACEHOLDER_KEYS = {"changeme", "change-me", "secret", "dev", "development", "test", "password"}


class ConfigError(Exception):
    """The settings cannot run: one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"chatkit-bff: {p}" for p in problems))


@dataclass(frozen=True)
class Settings:
    app_env: AppEnv
    secret_key: str
    openai_api_key: str
    chatkit_api_base: str
    workflow_id: str
    workflow_version: str | None
    redis_url: str
    oidc_issuer: str | None
    oidc_client_id: str | None
    oidc_client_secret: str | None
    oidc_scopes: str
    #: `client_secret_basic` or `client_secret_post`; None follows the discovery document.
    oidc_token_auth_method: str | None
    oidc_pushed_authorization: str
    admin_groups: frozenset[str]
    admin_emails: frozenset[str]
    admin_claim: str
    state_variable_claims: Mapping[str, str]
    frame_ancestors: tuple[str, ...]
    apps: AppCatalog
    connect_timeout: float = 3.0
    read_timeout: float = 15.0
    upstream_deadline: float = 10.0
    upstream_concurrency: int = 5
    breaker_failures: int = 5
    breaker_window: float = 30.0
    breaker_cool_down: float = 30.0
    export_max_items: int = DEFAULT_EXPORT_MAX_ITEMS
    session_idle_seconds: int = 3600
    session_absolute_seconds: int = 43200
    secret_lock_wait_seconds: float = 10.0
    secret_cache_enabled: bool = True
    audit_max_entries: int = 10000
    login_rate_limit: str = "300/minute"
    reauth_max_age_seconds: int = 300
    trusted_proxy_hops: int = 0
    redis_accept_eviction: bool = False
    log_format: Literal["text", "json"] = "text"
    metrics_token: str | None = field(default=None, repr=False)
    metrics_port: str | None = None
    otel_endpoint: str | None = None
    uses_emulator: bool = False
    dev_login: bool = False
    secret_key_generated: bool = field(default=False, repr=False)

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    def __repr__(self) -> str:  # never print secrets
        return f"Settings(app_env={self.app_env!r}, workflow_id={self.workflow_id!r}, ...)"


def _split_list(raw: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (raw or "").split(",") if part.strip())


def _parse_claim_map(raw: str | None, problems: list[str]) -> dict[str, str]:
    """`claim=variable,claim2=variable2` -> {claim: variable}."""
    mapping: dict[str, str] = {}
    for pair in (raw or "").split(","):
        if not pair.strip():
            continue
        claim, sep, variable = pair.partition("=")
        claim, variable = claim.strip(), (variable.strip() or claim.strip())
        if not claim or (sep and not variable) or len(variable) > 64:
            problems.append(f"STATE_VARIABLE_CLAIMS has an invalid entry {pair.strip()!r}")
            continue
        mapping[claim] = variable
    return mapping


def _number(env: Mapping[str, str], name: str, default: float, problems: list[str]) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{name} must be a number, got {raw!r}")
        return default
    if not math.isfinite(value) or value <= 0:
        problems.append(f"{name} must be a positive number, got {raw!r}")
        return default
    return value


def _flag(env: Mapping[str, str], name: str, default: bool, problems: list[str]) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    problems.append(f"{name} must be on or off, got {raw!r}")
    return default


def _whole(env: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    """A whole number of at least 1 (ASCII digits only)."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        problems.append(f"{name} must be a whole number of at least 1, got {raw!r}")
        return default
    return int(raw)


def _count(env: Mapping[str, str], name: str, problems: list[str]) -> int:
    raw = (env.get(name) or "0").strip()
    if not raw.isdigit():
        problems.append(f"{name} must be a whole number, got {raw!r}")
        return 0
    return int(raw)


def _is_listen_address(raw: str) -> bool:
    """`9100` or `0.0.0.0:9100`."""
    port = raw.rpartition(":")[2]
    return port.isdigit() and 1 <= int(port) <= 65535


def is_weak_secret_key(key: str) -> bool:
    return len(key) < 32 or len(set(key)) < 10 or key.strip().lower() in _PLACEHOLDER_KEYS


def load_settings(overrides: Mapping[str, object] | None = None) -> Settings:
    """Read settings from the environment, with `overrides` (same names) taking precedence."""
    env: dict[str, str] = dict(os.environ)
    for key, value in (overrides or {}).items():
        if isinstance(value, str | int | float | bool):
            env[key] = str(value)
    problems: list[str] = []

    app_env_raw = (env.get("APP_ENV") or "production").strip().lower()
    if app_env_raw not in ("production", "development"):
        problems.append(f"APP_ENV must be production or development, got {app_env_raw!r}")
        app_env_raw = "production"
    app_env: AppEnv = "development" if app_env_raw == "development" else "production"
    production = app_env == "production"

    secret_key = env.get("SECRET_KEY", "")
    generated = False
    if not secret_key:
        if production:
            problems.append("SECRET_KEY is required in production")
        else:
            secret_key, generated = secrets.token_urlsafe(48), True
    elif production and is_weak_secret_key(secret_key):
        problems.append(
            "SECRET_KEY is weak: use at least 32 random characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )

    api_key = env.get("OPENAI_API_KEY", "")
    uses_emulator = not api_key
    api_base = (env.get("CHATKIT_API_BASE") or "").rstrip("/")
    if uses_emulator:
        if production:
            problems.append(
                "OPENAI_API_KEY is required in production (the emulator is for development)"
            )
        api_key = env.get("EMULATOR_API_KEY") or EMULATOR_API_KEY
        api_base = api_base or DEFAULT_EMULATOR_URL
    api_base = api_base or DEFAULT_API_BASE
    if not api_base.startswith(("https://", "http://")):
        problems.append(f"CHATKIT_API_BASE must be an http(s) URL, got {api_base!r}")
    elif production and not uses_emulator and not api_base.startswith("https://"):
        problems.append("CHATKIT_API_BASE must use https in production")

    workflow_id = env.get("CHATKIT_WORKFLOW_ID", "")
    apps_file = env.get("CHATKIT_APPS_FILE") or None
    if not workflow_id and production and not apps_file:
        problems.append("CHATKIT_WORKFLOW_ID is required in production")
    # The app of today's URLs: `default` in the apps file, else the workflow variables.
    apps = load_catalog(
        apps_file,
        workflow_id=workflow_id or (None if production else "wf_development"),
        workflow_version=env.get("CHATKIT_WORKFLOW_VERSION") or None,
        production=production,
        problems=problems,
    )

    issuer = env.get("OIDC_ISSUER") or None
    client_id = env.get("OIDC_CLIENT_ID") or None
    client_secret = env.get("OIDC_CLIENT_SECRET") or None
    dev_login = issuer is None
    if dev_login and production:
        problems.append("OIDC_ISSUER is required in production (development sign-in is refused)")
    if issuer and not client_id:
        problems.append("OIDC_CLIENT_ID is required when OIDC_ISSUER is set")
    if issuer and production and not issuer.startswith("https://"):
        problems.append("OIDC_ISSUER must use https in production")
    token_auth_method = (env.get("OIDC_TOKEN_AUTH_METHOD") or "").strip() or None
    if token_auth_method not in (None, *OIDC_TOKEN_AUTH_METHODS):
        problems.append(
            "OIDC_TOKEN_AUTH_METHOD must be client_secret_basic or client_secret_post, "
            f"got {token_auth_method!r}"
        )
        token_auth_method = None
    pushed_authorization = (env.get("OIDC_PUSHED_AUTHORIZATION") or "auto").strip().lower()
    if pushed_authorization not in PUSHED_AUTHORIZATION_MODES:
        problems.append(
            f"OIDC_PUSHED_AUTHORIZATION must be auto, on or off, got {pushed_authorization!r}"
        )
        pushed_authorization = "auto"

    frame_ancestors = tuple(env.get("FRAME_ANCESTORS", "'self'").split()) or ("'self'",)
    problems.extend(
        f"FRAME_ANCESTORS has an invalid source {source!r} (use 'self', 'none' or origins)"
        for source in frame_ancestors
        if not is_valid_frame_ancestor(source)
    )

    redis_url = env.get("REDIS_URL") or DEFAULT_REDIS_URL
    try:
        parse_redis_url(redis_url)
    except RedisUrlError as exc:
        problems.append(str(exc))

    log_format = (env.get("LOG_FORMAT") or "text").strip().lower()
    if log_format not in ("text", "json"):
        problems.append(f"LOG_FORMAT must be text or json, got {log_format!r}")
        log_format = "text"
    metrics_token = env.get("METRICS_TOKEN") or None
    if metrics_token and len(metrics_token) < 16:
        problems.append("METRICS_TOKEN is too short: use at least 16 random characters")
    metrics_port = (env.get("METRICS_PORT") or "").strip() or None
    if metrics_port and not _is_listen_address(metrics_port):
        problems.append(f"METRICS_PORT must be a port or host:port, got {metrics_port!r}")
    otel_endpoint = (env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "").strip() or None
    if otel_endpoint and not otel_endpoint.startswith(("http://", "https://")):
        problems.append(
            f"OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, got {otel_endpoint!r}"
        )

    settings = Settings(
        app_env=app_env,
        secret_key=secret_key,
        openai_api_key=api_key,
        chatkit_api_base=api_base,
        workflow_id=apps.default.workflow_id,
        workflow_version=apps.default.workflow_version,
        redis_url=redis_url,
        oidc_issuer=issuer.rstrip("/") if issuer else None,
        oidc_client_id=client_id,
        oidc_client_secret=client_secret,
        oidc_scopes=env.get("OIDC_SCOPES") or "openid email profile",
        oidc_token_auth_method=token_auth_method,
        oidc_pushed_authorization=pushed_authorization,
        admin_groups=_split_list(env.get("ADMIN_GROUPS")),
        admin_emails=frozenset(e.lower() for e in _split_list(env.get("ADMIN_EMAILS"))),
        admin_claim=(env.get("ADMIN_CLAIM") or "groups").strip(),
        state_variable_claims=_parse_claim_map(env.get("STATE_VARIABLE_CLAIMS"), problems),
        frame_ancestors=frame_ancestors,
        apps=apps,
        connect_timeout=_number(env, "UPSTREAM_CONNECT_TIMEOUT", 3.0, problems),
        read_timeout=_number(env, "UPSTREAM_READ_TIMEOUT", 15.0, problems),
        upstream_deadline=_number(env, "UPSTREAM_DEADLINE", 10.0, problems),
        upstream_concurrency=_whole(env, "UPSTREAM_CONCURRENCY", 5, problems),
        breaker_failures=_whole(env, "UPSTREAM_BREAKER_FAILURES", 5, problems),
        breaker_window=_number(env, "UPSTREAM_BREAKER_WINDOW", 30.0, problems),
        breaker_cool_down=_number(env, "UPSTREAM_BREAKER_COOL_DOWN", 30.0, problems),
        export_max_items=_whole(env, "EXPORT_MAX_ITEMS", DEFAULT_EXPORT_MAX_ITEMS, problems),
        session_idle_seconds=int(_number(env, "SESSION_IDLE_TIMEOUT", 3600, problems)),
        session_absolute_seconds=int(_number(env, "SESSION_ABSOLUTE_LIFETIME", 43200, problems)),
        secret_lock_wait_seconds=_number(env, "SECRET_LOCK_WAIT", 10.0, problems),
        secret_cache_enabled=_flag(env, "SECRET_CACHE", True, problems),
        audit_max_entries=int(_number(env, "AUDIT_MAX_ENTRIES", 10000, problems)),
        login_rate_limit=env.get("LOGIN_RATE_LIMIT") or "300/minute",
        reauth_max_age_seconds=int(_number(env, "REAUTH_MAX_AGE", 300, problems)),
        trusted_proxy_hops=_count(env, "TRUSTED_PROXY_HOPS", problems),
        redis_accept_eviction=_flag(env, "REDIS_ACCEPT_EVICTION", False, problems),
        log_format="json" if log_format == "json" else "text",
        metrics_token=metrics_token,
        metrics_port=metrics_port,
        otel_endpoint=otel_endpoint,
        uses_emulator=uses_emulator,
        dev_login=dev_login,
        secret_key_generated=generated,
    )
    if problems:
        raise ConfigError(problems)
    return settings
