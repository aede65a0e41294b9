"""Injected latency and errors: a random error rate, and scripted faults consumed in order."""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from .config import EmulatorConfig
from .errors import ApiError, canned_error, invalid_request
from .fields import as_integer, as_object, as_string, invalid_type, invalid_value, reject_unknown

_METHODS = ("GET", "POST", "DELETE")


@dataclass
class ScriptedFault:
    """Answer the next ``count`` matching calls with ``status`` after ``delay_ms``.

    A status below 400 injects no error: the call is only delayed, then served normally
    (useful to make a client hit its read timeout).
    """

    status: int
    count: int = 1
    method: str | None = None
    path_prefix: str | None = None
    retry_after: int | None = None
    delay_ms: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_prefix is None or path.startswith(self.path_prefix)
        )


@dataclass
class FaultDecision:
    delay_ms: int = 0
    error: ApiError | None = None
    retry_after: int | None = None


@dataclass
class _FaultSettings:
    latency_ms: int
    error_rate: float
    error_status: int
    scripted: list[ScriptedFault] = field(default_factory=list)


class Faults:
    def __init__(self, config: EmulatorConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._random = random.Random()
        self._settings = self._baseline()

    def reset(self) -> None:
        """Back to the faults the emulator was started with."""
        with self._lock:
            self._settings = self._baseline()

    def configure(self, body: object) -> dict[str, Any]:
        """Apply a ``PUT /_emulator/faults`` body; fields it omits keep their value."""
        fields = as_object(body, "")
        reject_unknown(fields, "", ("latency_ms", "error_rate", "error_status", "scripted"))
        with self._lock:
            settings = _FaultSettings(**asdict(self._settings))
            settings.scripted = list(self._settings.scripted)
            if "latency_ms" in fields:
                settings.latency_ms = as_integer(fields["latency_ms"], "latency_ms", minimum=0)
            if "error_rate" in fields:
                settings.error_rate = _rate(fields["error_rate"])
            if "error_status" in fields:
                settings.error_status = as_integer(
                    fields["error_status"], "error_status", minimum=400, maximum=599
                )
            if "scripted" in fields:
                settings.scripted = _scripted(fields["scripted"])
            self._settings = settings
            return asdict(settings)

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return asdict(self._settings)

    def decide(self, method: str, path: str) -> FaultDecision:
        """What to do to this call; consumes one use of the first matching scripted fault."""
        with self._lock:
            settings = self._settings
            for fault in settings.scripted:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        settings.scripted.remove(fault)
                    return FaultDecision(
                        delay_ms=settings.latency_ms + fault.delay_ms,
                        error=canned_error(fault.status) if fault.status >= 400 else None,
                        retry_after=fault.retry_after,
                    )
            failing = settings.error_rate > 0 and self._random.random() < settings.error_rate
            return FaultDecision(
                delay_ms=settings.latency_ms,
                error=canned_error(settings.error_status) if failing else None,
            )

    def _baseline(self) -> _FaultSettings:
        return _FaultSettings(
            latency_ms=self._config.latency_ms,
            error_rate=self._config.error_rate,
            error_status=self._config.error_status,
        )


def _rate(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_type(value, "error_rate", "a number")
    if not 0.0 <= value <= 1.0:
        raise invalid_request(
            f"Invalid 'error_rate': expected a number from 0 to 1, but got {value} instead.",
            param="error_rate",
            code="invalid_value",
        )
    return float(value)


def _scripted(value: object) -> list[ScriptedFault]:
    if not isinstance(value, list):
        raise invalid_type(value, "scripted", "an array")
    faults = []
    for index, raw in enumerate(value):
        path = f"scripted[{index}]"
        fields = as_object(raw, path)
        reject_unknown(
            fields, path, ("status", "count", "method", "path_prefix", "retry_after", "delay_ms")
        )
        method = fields.get("method")
        if method is not None:
            method = as_string(method, f"{path}.method").upper()
            if method not in _METHODS:
                raise invalid_value(method, f"{path}.method", _METHODS)
        path_prefix = fields.get("path_prefix")
        retry_after = fields.get("retry_after")
        faults.append(
            ScriptedFault(
                status=as_integer(
                    fields.get("status", 200), f"{path}.status", minimum=200, maximum=599
                ),
                count=as_integer(fields.get("count", 1), f"{path}.count", minimum=1),
                method=method,
                path_prefix=None
                if path_prefix is None
                else as_string(path_prefix, f"{path}.path_prefix"),
                retry_after=None
                if retry_after is None
                else as_integer(retry_after, f"{path}.retry_after", minimum=0),
                delay_ms=as_integer(fields.get("delay_ms", 0), f"{path}.delay_ms", minimum=0),
            )
        )
    return faults
