"""Production refuses to start with unsafe or missing settings, one clear line per problem."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from chatkit_bff.settings import ConfigError, load_settings

STRONG_KEY = "k3Y-9fQz1LrT8wXa2VbN7mCe4HsJ6dPg0uYiOoZx"
PRODUCTION: dict[str, Any] = {
    "APP_ENV": "production",
    "SECRET_KEY": STRONG_KEY,
    "OPENAI_API_KEY": "sk-live-abc",
    "CHATKIT_WORKFLOW_ID": "wf_prod",
    "OIDC_ISSUER": "https://id.example.com",
    "OIDC_CLIENT_ID": "bff",
    "OIDC_CLIENT_SECRET": "s3cret",
    "CHATKIT_API_BASE": "",
}


def problems(overrides: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as refused:
        load_settings({**PRODUCTION, **overrides})
    return refused.value.problems


def test_complete_production_settings_load() -> None:
    settings = load_settings(PRODUCTION)
    assert settings.is_production
    assert settings.chatkit_api_base == "https://api.openai.com/v1"
    assert not settings.dev_login
    assert not settings.uses_emulator
    assert STRONG_KEY not in repr(settings)
    assert "sk-live-abc" not in repr(settings)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is required in production"),
        ({"SECRET_KEY": "changeme"}, "SECRET_KEY is weak"),
        ({"SECRET_KEY": "a" * 64}, "SECRET_KEY is weak"),
        ({"OPENAI_API_KEY": ""}, "OPENAI_API_KEY is required in production"),
        ({"OIDC_ISSUER": ""}, "development sign-in is refused"),
        ({"CHATKIT_WORKFLOW_ID": ""}, "CHATKIT_WORKFLOW_ID is required in production"),
        ({"CHATKIT_API_BASE": "http://127.0.0.1:8787/v1"}, "CHATKIT_API_BASE must use https"),
        ({"OIDC_ISSUER": "http://id.example.com"}, "OIDC_ISSUER must use https"),
        ({"UPSTREAM_READ_TIMEOUT": "soon"}, "UPSTREAM_READ_TIMEOUT must be a number"),
        ({"APP_ENV": "staging"}, "APP_ENV must be production or development"),
    ],
)
def test_production_refuses_unsafe_settings(overrides: dict[str, Any], expected: str) -> None:
    found = problems(overrides)
    assert any(expected in line for line in found), found


def test_every_problem_is_reported_at_once_one_line_each() -> None:
    found = problems({"SECRET_KEY": "", "OPENAI_API_KEY": "", "OIDC_ISSUER": ""})
    assert len(found) == 3
    with pytest.raises(ConfigError) as refused:
        create_app({**PRODUCTION, "SECRET_KEY": "", "OPENAI_API_KEY": "", "OIDC_ISSUER": ""})
    lines = str(refused.value).splitlines()
    assert len(lines) == 3
    assert all(line.startswith("chatkit-bff: ") for line in lines)


def test_development_defaults_use_the_emulator_and_demo_sign_in() -> None:
    settings = load_settings({"APP_ENV": "development", "OPENAI_API_KEY": "", "OIDC_ISSUER": ""})
    assert settings.uses_emulator
    assert settings.dev_login
    assert settings.chatkit_api_base == "http://127.0.0.1:8787/v1"
    assert settings.secret_key_generated
    assert len(settings.secret_key) >= 32
