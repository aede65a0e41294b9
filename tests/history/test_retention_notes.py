"""Pages say when the retention policy deletes a conversation."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from chatkit_bff.retention.schedule import deletion_note
from tests.history.conftest import SeedThreads, user_id_of
from tests.support.flows import dev_sign_in
from tests.support.policies import override_policy

DAY = 86_400
NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)


def test_the_note_names_the_day_and_the_year_only_when_it_differs() -> None:
    created = datetime(2026, 12, 13, 9, 0, tzinfo=UTC).timestamp()
    soon = deletion_note(created, 30, NOW)
    assert soon is not None
    assert soon.text == "Deleted after 30 days: on 12 Jan 2027"
    same_year = deletion_note(datetime(2026, 11, 25, tzinfo=UTC).timestamp(), 1, NOW)
    assert same_year is not None
    assert same_year.text == "Deleted after 1 day: at the next clean-up"
    later = deletion_note(datetime(2026, 12, 1, tzinfo=UTC).timestamp(), 25, NOW)
    assert later is not None
    assert later.text == "Deleted after 25 days: on 26 Dec"
    assert deletion_note(created, None, NOW) is None


def test_list_and_transcript_show_the_deletion_date(
    app: Flask, client: FlaskClient, seed_threads: SeedThreads
) -> None:
    grace = user_id_of("grace")
    created = int(time.time()) - 10 * DAY
    (thread,) = seed_threads(grace, 1, start=created)
    due = datetime.fromtimestamp(created + 30 * DAY, tz=UTC)
    expected = f"Deleted after 30 days: on {due.day} {due:%b}"
    dev_sign_in(client, "grace")

    assert "Deleted after" not in client.get("/").get_data(as_text=True)
    override_policy(app.extensions["chatkit_bff"].policies, grace, {"retention_days": 30})
    assert expected in client.get("/").get_data(as_text=True)
    assert expected in client.get(f"/threads/{thread['id']}").get_data(as_text=True)
