"""Everything one emulator instance holds, reachable from its Flask app."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from .clock import Clock
from .config import EmulatorConfig
from .faults import Faults
from .recording import RequestLog
from .store import Store

_EXTENSION_KEY = "chatkit_emulator"


@dataclass
class EmulatorState:
    config: EmulatorConfig
    clock: Clock
    store: Store
    faults: Faults
    requests: RequestLog

    @classmethod
    def create(cls, config: EmulatorConfig) -> EmulatorState:
        clock = Clock()
        return cls(config, clock, Store(clock), Faults(config), RequestLog())

    def reset(self) -> None:
        self.store.reset()
        self.requests.clear()
        self.faults.reset()
        self.clock.offset_seconds = 0

    def install(self, app: Flask) -> None:
        app.extensions[_EXTENSION_KEY] = self


def emulator_state(app: Flask | None = None) -> EmulatorState:
    """The state of ``app`` (by default, the app serving the current request)."""
    target = app if app is not None else current_app
    state = target.extensions[_EXTENSION_KEY]
    assert isinstance(state, EmulatorState)
    return state
