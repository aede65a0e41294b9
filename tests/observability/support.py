"""A browser against a served app, and reading /metrics and JSON log files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from prometheus_client.parser import text_string_to_metric_families

from testing.http_sign_in import dev_signed_in

METRICS_TOKEN = "metrics-token-7c2f4a9e1b3d5f6081a2"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


class Browser:
    """A demo user signed in over HTTP; every request opens its own connection."""

    def __init__(self, base: str, user: str) -> None:
        self.base = base
        self.http = dev_signed_in(base, user)
        self.token = str(self.http.headers["X-CSRFToken"])

    def secret(self, current: str | None = None) -> requests.Response:
        return self.http.post(
            f"{self.base}/api/chatkit/session",
            json={"current_client_secret": current},
            timeout=20,
        )


def scrape_text(base: str, token: str = METRICS_TOKEN) -> str:
    response = requests.get(
        f"{base}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, response.status_code
    return response.text


def parse(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def json_lines(path: Path) -> Iterator[dict[str, Any]]:
    """Every line of a log file, each of which must be one JSON object."""
    for raw in path.read_text().splitlines():
        if raw.strip():
            line = json.loads(raw)
            assert isinstance(line, dict)
            yield line
