"""Settings of the ChatKit API emulator, from arguments or the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

_Number = TypeVar("_Number", int, float)


@dataclass
class EmulatorConfig:
    """What the emulator accepts as API key and which faults it injects from the start."""

    api_key: str = "sk-emulator"
    latency_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 500
    seed_file: str | None = None
    #: The workflow ids that exist; empty means every `wf_` id does. Any other id gets the
    #: API's 404 ("Workflow with id '...' not found."), as a wrong CHATKIT_WORKFLOW_ID would.
    workflows: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("the emulator API key must not be empty")
        if self.latency_ms < 0:
            raise ValueError(f"latency_ms must be >= 0, got {self.latency_ms}")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"error_rate must be between 0 and 1, got {self.error_rate}")
        if not 400 <= self.error_status <= 599:
            raise ValueError(f"error_status must be an HTTP error status, got {self.error_status}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EmulatorConfig:
        """Read EMULATOR_API_KEY, EMULATOR_LATENCY_MS, EMULATOR_ERROR_RATE,
        EMULATOR_ERROR_STATUS, EMULATOR_SEED and EMULATOR_WORKFLOWS (comma list); unset ones
        keep their defaults."""
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            api_key=env.get("EMULATOR_API_KEY") or defaults.api_key,
            latency_ms=_parse(env, "EMULATOR_LATENCY_MS", int, defaults.latency_ms),
            error_rate=_parse(env, "EMULATOR_ERROR_RATE", float, defaults.error_rate),
            error_status=_parse(env, "EMULATOR_ERROR_STATUS", int, defaults.error_status),
            seed_file=env.get("EMULATOR_SEED") or None,
            workflows=tuple(w for w in (env.get("EMULATOR_WORKFLOWS") or "").split(",") if w),
        )


def _parse(env: Mapping[str, str], name: str, kind: type[_Number], default: _Number) -> _Number:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name} must be a {kind.__name__}, got {raw!r}") from None
