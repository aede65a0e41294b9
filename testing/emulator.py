"""Drive a live ChatKit emulator through its control API (seed, faults, clock, request log)."""

from __future__ import annotations

import time
from typing import Any

import requests

#: The API key every test emulator accepts.
UPSTREAM_KEY = "sk-test-0f3b9c2e7d4a41b8a6c5e9d8f7a6b5c4"


class Emulator:
    """Drives the emulator at ``url`` through its control API under ``/_emulator``."""

    def __init__(self, url: str, *, api_key: str = UPSTREAM_KEY, timeout: float = 10) -> None:
        self.url = url
        self.api_url = f"{url}/v1"
        self.api_key = api_key
        self.timeout = timeout
        self._http = requests.Session()

    @property
    def api_headers(self) -> dict[str, str]:
        """What a well-behaved client sends to the emulated API."""
        return {"Authorization": f"Bearer {self.api_key}", "OpenAI-Beta": "chatkit_beta=v1"}

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call the emulated API with valid credentials unless ``headers`` says otherwise."""
        kwargs.setdefault("headers", self.api_headers)
        kwargs.setdefault("timeout", self.timeout)
        return requests.request(method, f"{self.api_url}{path}", **kwargs)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        """Call the control API and return its JSON, failing on an error status."""
        response = self._http.request(
            method, f"{self.url}/_emulator{path}", json=body, timeout=self.timeout
        )
        assert response.status_code == 200, response.text
        return response.json()

    def reset(self) -> None:
        self.control("POST", "/reset")

    def seed(self, threads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Seed threads (the emulator's seed format); returns them as stored, ids included."""
        seeded: list[dict[str, Any]] = self.control("POST", "/seed", {"threads": threads})[
            "threads"
        ]
        return seeded

    def seed_demo(self, user: str, display_name: str = "") -> list[dict[str, Any]]:
        """Seed the demo conversations for ``user``; returns them as stored, oldest first."""
        seeded: list[dict[str, Any]] = self.control(
            "POST", "/demo", {"user": user, "display_name": display_name}
        )["threads"]
        return seeded

    def seed_thread(self, user: str, **fields: Any) -> dict[str, Any]:
        thread: dict[str, Any] = self.control("POST", "/threads", {"user": user, **fields})
        return thread

    def requests(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.control("GET", "/requests")["requests"]
        return entries

    def requests_once_settled(self, expected: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The request log once it holds `expected` calls (delayed calls log when they end)."""
        deadline = time.monotonic() + timeout
        entries = self.requests()
        while len(entries) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
            entries = self.requests()
        return entries

    def clear_requests(self) -> None:
        self.control("DELETE", "/requests")

    def script_faults(self, *faults: dict[str, Any]) -> None:
        self.control("PUT", "/faults", {"scripted": list(faults)})

    def shift_clock(self, seconds: int) -> None:
        self.control("PUT", "/clock", {"offset_seconds": seconds})

    def sessions(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.control("GET", "/sessions")["sessions"]
        return entries

    def close(self) -> None:
        self._http.close()
