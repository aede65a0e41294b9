"""Drive a live ChatKit emulator through its control API (seed, faults, clock, request log)."""

from __future__ import annotations

import time
from typing import Any

import requests

#: The API key every test emulator accepts.
UPSTREAM_KEY = "sk-test-0f3b9c2e7d4a41b8a6c5e9d8f7a6b5c4"


class Emulator:
    """Drives the emulator through its control API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.api_url = f"{url}/v1"
        self._http = requests.Session()

    def _send(self, method: str, path: str, body: Any = None) -> Any:
        response = self._http.request(method, f"{self.url}/_emulator{path}", json=body, timeout=5)
        assert response.status_code == 200, response.text
        return response.json()

    def reset(self) -> None:
        self._send("POST", "/reset")

    def seed_thread(self, user: str, **fields: Any) -> dict[str, Any]:
        thread: dict[str, Any] = self._send("POST", "/threads", {"user": user, **fields})
        return thread

    def requests(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self._send("GET", "/requests")["requests"]
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
        self._send("DELETE", "/requests")

    def script_faults(self, *faults: dict[str, Any]) -> None:
        self._send("PUT", "/faults", {"scripted": list(faults)})

    def shift_clock(self, seconds: int) -> None:
        self._send("PUT", "/clock", {"offset_seconds": seconds})

    def sessions(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self._send("GET", "/sessions")["sessions"]
        return entries

    def close(self) -> None:
        self._http.close()
