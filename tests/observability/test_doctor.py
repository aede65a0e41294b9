"""The setup doctor: exit 0 on a healthy stack, 1 with a clear line for each broken dependency."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from click.testing import Result
from flask.testing import FlaskClient

from app import create_app
from chatkit_bff.doctor.chatkit import PROBE_USER
from emulator.app import create_app as create_emulator
from emulator.config import EmulatorConfig
from testing.emulator import UPSTREAM_KEY, Emulator
from testing.oidc_provider import ProviderClient, running_provider
from testing.servers import ROOT, free_port, serve_in_thread
from tests.auth.oidc_flows import CLIENT_ID, CLIENT_SECRET
from tests.support.flows import dev_sign_in


def doctor(config: dict[str, Any], *args: str) -> Result:
    app = create_app(config)
    try:
        return app.test_cli_runner().invoke(args=["doctor", *args])
    finally:
        app.extensions["chatkit_bff"].close()


def test_the_healthy_dev_stack_passes_and_the_probe_session_is_cancelled(
    app_config: dict[str, Any], redis_client: redis.Redis, emulator: Emulator
) -> None:
    result = doctor(app_config)
    assert result.exit_code == 0, result.output
    assert "[ok  ] chatkit: API key: accepted" in result.output
    assert "[ok  ] chatkit: workflow: wf_test_support_agent accepted" in result.output
    assert "[ok  ] redis: reachable" in result.output
    assert "maxmemory-policy" in result.output
    assert result.output.rstrip().endswith("All checks passed.")
    probes = [s for s in emulator.sessions() if s["user"] == PROBE_USER]
    assert [s["status"] for s in probes] == ["cancelled"]

    report = json.loads(doctor(app_config, "--json").output)
    assert report["ok"] is True
    assert {"group", "name", "verdict", "detail", "fix"} <= set(report["checks"][0])


@pytest.mark.parametrize("redis_topology", ["cluster", "sentinel"], indirect=True)
def test_a_cluster_or_sentinel_url_is_checked_without_its_password(
    app_config: dict[str, Any], redis_client: redis.Redis, emulator: Emulator
) -> None:
    result = doctor(app_config)
    assert result.exit_code == 0, result.output
    assert "[ok  ] redis: reachable:" in result.output
    assert "Redis Cluster (seed nodes" in result.output or "Sentinel service" in result.output
    password = urlsplit(app_config["REDIS_URL"]).password
    assert not password or password not in result.output


def test_the_command_line_exits_0_when_healthy_and_1_when_redis_is_down(
    app_config: dict[str, Any], redis_client: redis.Redis, emulator: Emulator
) -> None:
    env = {**os.environ, **{k: str(v) for k, v in app_config.items() if k != "TESTING"}}
    command = [sys.executable, "-m", "flask", "--app", "app", "doctor"]
    healthy = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr

    down = f"redis://127.0.0.1:{free_port()}/0"
    broken = subprocess.run(
        command, env={**env, "REDIS_URL": down}, cwd=ROOT, capture_output=True, text=True
    )
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert f"[FAIL] redis: reachable: Redis at {down} is unreachable" in broken.stdout


def test_a_wrong_api_key_fails_without_printing_it(
    app_config: dict[str, Any], redis_client: redis.Redis, emulator: Emulator
) -> None:
    wrong = "sk-this-key-was-revoked-2f9c1e7a"
    result = doctor({**app_config, "OPENAI_API_KEY": wrong})
    assert result.exit_code == 1
    assert "[FAIL] chatkit: API key:" in result.output
    assert "refused OPENAI_API_KEY (invalid_api_key)" in result.output
    assert wrong not in result.output
    assert UPSTREAM_KEY not in result.output


def test_an_unknown_workflow_fails_as_the_api_answers_it(
    app_config: dict[str, Any], redis_client: redis.Redis
) -> None:
    known = EmulatorConfig(api_key=UPSTREAM_KEY, workflows=("wf_test_support_agent",))
    with serve_in_thread(create_emulator(known)) as upstream:
        config = {
            **app_config,
            "CHATKIT_API_BASE": f"{upstream.url}/v1",
            "CHATKIT_WORKFLOW_ID": "wf_deleted_last_week",
        }
        result = doctor(config)
        assert result.exit_code == 1
        assert "[FAIL] chatkit: workflow: workflow wf_deleted_last_week is unknown" in result.output
        assert doctor({**config, "CHATKIT_WORKFLOW_ID": "wf_test_support_agent"}).exit_code == 0


def test_the_provider_checks_and_the_urls_to_register(
    app_config: dict[str, Any], redis_client: redis.Redis, emulator: Emulator
) -> None:
    registration = ProviderClient(CLIENT_ID, CLIENT_SECRET, [], [])
    with running_provider([], [registration]) as provider:
        config = {
            **app_config,
            "OIDC_ISSUER": provider.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        }
        healthy = doctor(config, "--base-url", "https://chat.example.com")
        assert healthy.exit_code == 0, healthy.output
        assert f"[ok  ] provider: issuer: {provider.issuer} matches" in healthy.output
        assert "[ok  ] provider: JWKS: 1 signing key(s)" in healthy.output
        assert "redirect URI: https://chat.example.com/auth/callback" in healthy.output
        assert "back-channel logout URI: https://chat.example.com/auth/backchannel-logout" in (
            healthy.output
        )
        assert "front-channel logout URI (if no back-channel): https://chat.example.com/auth/" in (
            healthy.output
        )
        assert "OpenAI domain allowlist: chat.example.com" in healthy.output
        assert (
            "[ok  ] provider: pushed authorization: not used (not required); "
            "OIDC_PUSHED_AUTHORIZATION=auto"
        ) in healthy.output
        pushed = doctor({**config, "OIDC_PUSHED_AUTHORIZATION": "on"})
        assert pushed.exit_code == 1
        assert "[FAIL] provider: pushed authorization: OIDC_PUSHED_AUTHORIZATION is on" in (
            pushed.output
        )
        assert (
            "[ok  ] provider: token endpoint auth: client_secret_basic (from the discovery "
            "document)"
        ) in healthy.output

        provider.state.advertised_token_auth_methods = ("private_key_jwt",)
        unusable = doctor(config)
        assert unusable.exit_code == 1
        assert "[FAIL] provider: token endpoint auth: the provider's token endpoint accepts " in (
            unusable.output
        )
        provider.state.advertised_token_auth_methods = ("client_secret_basic",)
        named = doctor({**config, "OIDC_TOKEN_AUTH_METHOD": "client_secret_post"})
        assert (
            "[WARN] provider: token endpoint auth: OIDC_TOKEN_AUTH_METHOD is client_secret_post,"
        ) in named.output

        provider.state.issuer = "https://login.example.com"  # its documents now name another
        mismatch = doctor(config)
        assert mismatch.exit_code == 1
        assert (
            "[FAIL] provider: issuer: the discovery document names issuer "
            f"'https://login.example.com', OIDC_ISSUER is '{config['OIDC_ISSUER']}'"
        ) in mismatch.output


def test_admins_see_the_same_report_at_admin_setup(client: FlaskClient) -> None:
    dev_sign_in(client, "grace")
    assert client.get("/admin/setup").status_code == 403
    dev_sign_in(client, "ada")
    page = client.get("/admin/setup", headers={"X-Forwarded-Proto": "https"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "All checks passed." in text
    assert "chatkit: workflow" in text
    assert "TRUSTED_PROXY_HOPS=0" in text  # it came through a proxy the app does not trust
    report = client.get("/admin/api/setup").json
    assert report["ok"] is True
    assert report["register"]["OpenAI domain allowlist"] == "localhost"
