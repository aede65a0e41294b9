"""Serve a provider over real HTTP on loopback for the length of a ``with`` block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask

from ..servers import LiveServer, serve_in_thread
from .app import create_provider
from .config import ProviderClient, ProviderConfig, ProviderUser
from .state import ProviderState


@dataclass
class RunningProvider:
    app: Flask
    live: LiveServer
    state: ProviderState

    @property
    def url(self) -> str:
        return self.live.url

    @property
    def issuer(self) -> str:
        return self.state.issuer


@contextmanager
def running_provider(
    users: list[ProviderUser], clients: list[ProviderClient], *, id_token_ttl: int = 300
) -> Iterator[RunningProvider]:
    """A provider whose issuer is its own loopback URL."""
    app = create_provider(ProviderConfig("", users, clients, id_token_ttl=id_token_ttl))
    state: ProviderState = app.config["PROVIDER"]
    with serve_in_thread(app) as live:
        state.issuer = live.url
        yield RunningProvider(app, live, state)
