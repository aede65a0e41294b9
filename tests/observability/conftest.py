"""The app under gunicorn (two workers, JSON logs, metrics token) against the test emulator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from testing.emulator import Emulator
from testing.servers import gunicorn_app

from .support import METRICS_TOKEN


@dataclass
class Served:
    url: str
    log: Path


def served_env(app_config: dict[str, Any], tmp_path: Path) -> dict[str, str]:
    env = {k: str(v) for k, v in app_config.items() if k != "TESTING"}
    env |= {
        "METRICS_TOKEN": METRICS_TOKEN,
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    return env


@pytest.fixture
def served(
    app_config: dict[str, Any], redis_client: redis.Redis, emulator: Emulator, tmp_path: Path
) -> Iterator[Served]:
    log = tmp_path / "server.log"
    with gunicorn_app(served_env(app_config, tmp_path), log, workers=2) as url:
        yield Served(url, log)
