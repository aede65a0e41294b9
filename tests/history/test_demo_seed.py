"""Development against the emulator: a demo user's first sign-in brings the demo conversations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from testing.emulator import UPSTREAM_KEY, Emulator
from tests.support.flows import dev_sign_in


@pytest.fixture
def emulator_app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """No OpenAI key: the app talks to the emulator, as in development."""
    application = create_app({**app_config, "OPENAI_API_KEY": "", "EMULATOR_API_KEY": UPSTREAM_KEY})
    assert application.extensions["chatkit_bff"].settings.uses_emulator
    yield application
    application.extensions["chatkit_bff"].close()


def thread_titles(client: FlaskClient) -> list[str | None]:
    page = client.get("/api/threads?limit=50").get_json()
    return [thread["title"] for thread in page["data"]]


def test_the_first_sign_in_seeds_the_demo_conversations_once(
    emulator_app: Flask, emulator: Emulator
) -> None:
    grace = emulator_app.test_client()
    assert dev_sign_in(grace, "grace").status_code == 302
    titles = thread_titles(grace)
    assert len(titles) == 6
    assert {"Onboarding checklist", "Weekend in Lisbon", "Flaky checkout test"} <= set(titles)
    page = grace.get(f"/threads/{grace.get('/api/threads?limit=1').get_json()['data'][0]['id']}")
    assert "Hello Grace!" in page.get_data(as_text=True)

    again = emulator_app.test_client()
    assert dev_sign_in(again, "grace").status_code == 302
    assert thread_titles(again) == titles


def test_a_user_who_already_has_threads_gets_no_demo_ones(
    emulator_app: Flask, emulator: Emulator, alan_id: str
) -> None:
    emulator.seed_thread(alan_id, title="Alan's own")
    alan = emulator_app.test_client()
    assert dev_sign_in(alan, "alan").status_code == 302
    assert thread_titles(alan) == ["Alan's own"]
