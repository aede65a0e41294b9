"""The log of calls made to the emulated API, for tests to inspect."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TypedDict


class RecordedRequest(TypedDict):
    method: str
    path: str
    query: dict[str, str]
    json: object
    status: int
    headers: dict[str, str]


class RequestLog:
    """API calls as they complete. A call that arrived before the last `clear` is not logged
    when it completes after it: a slow call of one test must not show up in the next one's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RecordedRequest] = []
        self._era = 0

    @property
    def era(self) -> int:
        """Which clearing a call arrives in (pass it back to `record`)."""
        return self._era

    def record(self, entry: RecordedRequest, era: int | None = None) -> None:
        with self._lock:
            if era is None or era == self._era:
                self._entries.append(entry)

    def entries(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._era += 1


def redacted_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers by lowercase name with the API key hidden, so logs can be shown and asserted."""
    shown = {name.lower(): value for name, value in headers}
    if "authorization" in shown:
        scheme = shown["authorization"].split(" ", 1)[0]
        shown["authorization"] = "Bearer ***" if scheme.lower() == "bearer" else "***"
    return shown
