"""Circuit breakers and a concurrency cap for upstream calls, shared by a process's threads.

A breaker per operation kind counts failures (timeouts, dropped connections, 5xx) in a sliding
window; past the threshold it opens and every call of that kind fails at once with
`CircuitOpenError` (and how long to wait) for a cool-down. Then it is half-open: one probe call
goes through while the others keep failing fast; the probe's outcome closes or reopens it.

pybreaker was considered: it counts consecutive failures rather than failures in a window, and
holds one process-wide lock for the whole duration of every call, which would serialise every
upstream request of a worker behind the slowest one.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from .errors import UpstreamError

BreakerState = Literal["closed", "open", "half-open"]


class CircuitOpenError(UpstreamError):
    """The upstream failed too often lately; this call was not sent. `retry_after` is set."""


class UpstreamSaturatedError(UpstreamError):
    """Too many calls of this process already wait on the upstream; this one was not sent."""


@dataclass(frozen=True)
class BreakerConfig:
    failures: int = 5  # this many failures ...
    window: float = 30.0  # ... within this many seconds open the circuit
    cool_down: float = 30.0  # seconds it stays open before one probe is let through

    def __post_init__(self) -> None:
        if self.failures < 1 or self.window <= 0 or self.cool_down <= 0:
            raise ValueError("breaker failures, window and cool-down must be positive")


class CircuitBreaker:
    """One operation kind's breaker; thread-safe, and never holds its lock during a call."""

    def __init__(
        self, name: str, config: BreakerConfig, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name = name
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: deque[float] = deque()
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state(self._clock())

    def _state(self, now: float) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if now - self._opened_at < self._config.cool_down:
            return "open"
        return "half-open"

    def _refuse(self, now: float) -> CircuitOpenError:
        assert self._opened_at is not None
        left = max(self._config.cool_down - (now - self._opened_at), 0.0)
        return CircuitOpenError(
            f"the upstream failed repeatedly ({self.name}); not calling it for {left:.0f} s",
            retry_after=float(max(math.ceil(left), 1)),
        )

    def admit(self) -> bool:
        """Let a call through, or raise `CircuitOpenError`; True when the call is the probe."""
        with self._lock:
            now = self._clock()
            state = self._state(now)
            if state == "closed":
                return False
            if state == "half-open" and not self._probing:
                self._probing = True
                return True
            raise self._refuse(now)

    def succeeded(self, probe: bool) -> None:
        """A call answered. Only the probe's answer changes the state: successes in between do
        not wipe out failures still inside the window."""
        if probe:
            with self._lock:
                self._opened_at = None
                self._probing = False
                self._failures.clear()

    def failed(self, probe: bool) -> None:
        with self._lock:
            now = self._clock()
            if probe:
                self._probing = False
                self._opened_at = now
                return
            if self._opened_at is not None:
                return  # already open: calls admitted before it opened are still finishing
            self._failures.append(now)
            while self._failures and now - self._failures[0] > self._config.window:
                self._failures.popleft()
            if len(self._failures) >= self._config.failures:
                self._opened_at = now
                self._failures.clear()

    def released(self, probe: bool) -> None:
        """The probe ended with an outcome that says nothing about the upstream's health."""
        if probe:
            with self._lock:
                self._probing = False


class Bulkhead:
    """At most `limit` upstream calls at once in this process, so threads stay free for pages
    and probes that need no upstream; a call that finds no slot within `wait` seconds fails."""

    def __init__(self, limit: int, wait: float = 0.0) -> None:
        if limit < 1:
            raise ValueError("the upstream concurrency limit must be at least 1")
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)
        self._wait = wait

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(blocking=self._wait > 0, timeout=self._wait or None):
            raise UpstreamSaturatedError(
                f"{self.limit} upstream calls are already in progress", retry_after=1.0
            )
        try:
            yield
        finally:
            self._slots.release()
