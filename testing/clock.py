"""A clock that tests move by hand, for code that takes one (epoch seconds)."""

from __future__ import annotations

import time


class Clock:
    """Starts at the real time and moves only when told (``clock.now += 5``)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now
