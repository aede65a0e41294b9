"""Configuration from the environment, seed files, and ``python -m emulator``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from emulator import EmulatorConfig, create_app
from testing.servers import free_port, serve_in_thread, wait_for_port

REPO = Path(__file__).resolve().parents[2]


def test_config_reads_the_environment() -> None:
    config = EmulatorConfig.from_env(
        {
            "EMULATOR_API_KEY": "sk-env",
            "EMULATOR_LATENCY_MS": "25",
            "EMULATOR_ERROR_RATE": "0.5",
            "EMULATOR_ERROR_STATUS": "503",
            "EMULATOR_SEED": "/tmp/seed.json",
        }
    )
    assert config == EmulatorConfig("sk-env", 25, 0.5, 503, "/tmp/seed.json")
    assert EmulatorConfig.from_env({}) == EmulatorConfig()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("EMULATOR_LATENCY_MS", "soon"),
        ("EMULATOR_LATENCY_MS", "-5"),
        ("EMULATOR_ERROR_RATE", "2"),
        ("EMULATOR_ERROR_STATUS", "200"),
    ],
)
def test_bad_environment_values_are_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name.removeprefix("EMULATOR_").lower() + "|" + name):
        EmulatorConfig.from_env({name: value})


def test_seed_file_and_env_faults_apply_from_the_start(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {"threads": [{"user": "u1", "title": "Seeded", "items": [{"type": "chatkit.task"}]}]}
        )
    )
    app = create_app(
        EmulatorConfig(api_key="k", seed_file=str(seed), error_rate=1.0, error_status=503)
    )
    headers = {"Authorization": "Bearer k", "OpenAI-Beta": "chatkit_beta=v1"}
    with serve_in_thread(app) as server:
        assert (
            requests.get(f"{server.url}/v1/chatkit/threads", headers=headers, timeout=5).status_code
            == 503
        )
        requests.put(f"{server.url}/_emulator/faults", json={"error_rate": 0}, timeout=5)
        threads = requests.get(
            f"{server.url}/v1/chatkit/threads", headers=headers, timeout=5
        ).json()
    assert [thread["title"] for thread in threads["data"]] == ["Seeded"]


def test_an_invalid_seed_file_stops_startup(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"threads": [{"title": "no user"}]}))
    with pytest.raises(ValueError, match=r"threads\[0\]\.user"):
        create_app(EmulatorConfig(seed_file=str(seed)))


def test_module_runs_a_server_from_the_command_line(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"threads": [{"user": "cli-user", "title": "From the CLI"}]}))
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--api-key",
            "sk-cli",
            "--seed",
            str(seed),
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        response = requests.get(
            f"http://127.0.0.1:{port}/v1/chatkit/threads",
            params={"user": "cli-user"},
            headers={"Authorization": "Bearer sk-cli", "OpenAI-Beta": "chatkit_beta=v1"},
            timeout=5,
        )
        assert response.status_code == 200
        assert [thread["title"] for thread in response.json()["data"]] == ["From the CLI"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_module_refuses_bad_options_with_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "emulator", "--error-rate", "3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "error_rate" in result.stderr
