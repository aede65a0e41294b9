"""A wall clock that tests can shift instead of sleeping."""

from __future__ import annotations

import time


class Clock:
    """Unix seconds, plus an adjustable offset."""

    def __init__(self) -> None:
        self.offset_seconds = 0

    def now(self) -> int:
        return int(time.time()) + self.offset_seconds
