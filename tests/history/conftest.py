"""Fixtures for thread history: demo users' ids and seeded threads on the emulator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from chatkit_bff.auth.dev_users import demo_user
from testing.emulator import Emulator
from tests.support.policies import override_policy

SeedThreads = Callable[..., list[dict[str, Any]]]


def user_id_of(key: str) -> str:
    user = demo_user(key)
    assert user is not None
    return user.identity().user_id


@pytest.fixture
def grace_id() -> str:
    return user_id_of("grace")


@pytest.fixture
def alan_id() -> str:
    return user_id_of("alan")


def message_items(count: int, start: int) -> list[dict[str, Any]]:
    """`count` alternating user and assistant messages, one a second from `start`."""
    items: list[dict[str, Any]] = []
    for n in range(count):
        if n % 2 == 0:
            items.append(
                {
                    "type": "chatkit.user_message",
                    "content": f"Question {n}",
                    "created_at": start + n,
                }
            )
        else:
            items.append(
                {
                    "type": "chatkit.assistant_message",
                    "content": f"Answer **{n}**",
                    "created_at": start + n,
                }
            )
    return items


@pytest.fixture
def seed_threads(emulator: Emulator) -> SeedThreads:
    """Seed `count` titled threads for a user, one a minute apart; returns them oldest first."""

    def seed(
        user_id: str,
        count: int,
        *,
        prefix: str = "Topic",
        start: int = 1_750_000_000,
        items: int = 2,
    ) -> list[dict[str, Any]]:
        threads = [
            {
                "user": user_id,
                "title": f"{prefix} {n:02d}",
                "created_at": start + 60 * n,
                "items": message_items(items, start + 60 * n),
            }
            for n in range(count)
        ]
        return emulator.seed(threads)

    return seed


@pytest.fixture
def set_policy(app: Flask) -> Callable[[str, dict[str, Any]], None]:
    def apply(user_id: str, overrides: dict[str, Any]) -> None:
        override_policy(app.extensions["chatkit_bff"].policies, user_id, overrides)

    return apply
