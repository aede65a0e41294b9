"""Fixtures for thread history: demo users' ids and seeded threads on the emulator."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from flask import Flask

from chatkit_bff.auth.dev_users import demo_user
from testing.emulator import Emulator
from tests.support.policies import override_policy

SeedThreads = Callable[..., list[dict[str, Any]]]
T = TypeVar("T")

#: Each of the two calls `slow_thread_calls` delays answers after this long; read one after
#: the other, they take twice as long.
SLOW_CALL_SECONDS = 0.6
#: Under this, the two delayed calls were made at the same time.
ONE_ROUND_TRIP_SECONDS = 1.1


def slow_thread_calls(emulator: Emulator, thread_id: str) -> None:
    """The next two upstream calls on the thread (itself, its items) answer after 0.6 s each."""
    emulator.script_faults(
        {
            "status": 200,
            "count": 2,
            "delay_ms": int(SLOW_CALL_SECONDS * 1000),
            "path_prefix": f"/v1/chatkit/threads/{thread_id}",
        }
    )


def timed(call: Callable[[], T]) -> tuple[T, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


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
