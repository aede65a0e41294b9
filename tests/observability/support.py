"""A browser against a served app, and reading /metrics and JSON log files."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from prometheus_client.parser import text_string_to_metric_families

METRICS_TOKEN = "metrics-token-7c2f4a9e1b3d5f6081a2"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


class Browser:
    """A demo user signed in over HTTP; every request opens its own connection."""

    def __init__(self, base: str, user: str) -> None:
        self.base = base
        self.http = requests.Session()
        page = self.http.get(f"{base}/login", timeout=10).text
        form = {"user": user, "next": "/", "csrf_token": self._csrf(page)}
        signed_in = self.http.post(
            f"{base}/login/dev", data=form, timeout=10, allow_redirects=False
        )
        assert signed_in.status_code == 302, signed_in.text
        self.token = self._csrf(self.http.get(base, timeout=10).text)

    @staticmethod
    def _csrf(page: str) -> str:
        match = _CSRF.search(page)
        assert match, "no csrf-token meta tag"
        return match.group(1)

    def secret(self, current: str | None = None) -> requests.Response:
        return self.http.post(
            f"{self.base}/api/chatkit/session",
            json={"current_client_secret": current},
            headers={"X-CSRFToken": self.token},
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
