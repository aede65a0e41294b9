"""Schemathesis against the live app: no input breaks the published contract.

Every operation of `/api/openapi.json` is called over real HTTP (real Redis, the emulator
upstream) with generated valid and invalid inputs, as a signed-in user and, for `/admin/api`,
as an admin, both with the CSRF header. Each answer must not be a server error, must carry a
documented status and content type, and must match its documented schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import positive_data_acceptance

from blueprints.docs import openapi_document
from testing.http_sign_in import dev_signed_in
from testing.servers import LiveServer, serve_in_thread

EXAMPLES_PER_OPERATION = 25
# Operations whose cursors are opaque: a well-formed cursor that names nothing in the list is a
# 400 the client must handle, which no schema can tell apart from a valid one.
OPAQUE_CURSORS = {"listThreads", "listThreadItems", "listUsers"}


_SESSIONS: dict[tuple[str, str], tuple[str, str]] = {}
_LIVE: list[str] = []  # the base URL of the app under test


def _cookie_and_token(base_url: str, user: str) -> tuple[str, str]:
    key = (base_url, user)
    if key not in _SESSIONS:
        session = dev_signed_in(base_url, user)
        cookie = session.cookies.get("session")
        assert cookie
        _SESSIONS[key] = (cookie, session.headers["X-CSRFToken"])  # type: ignore[assignment]
    return _SESSIONS[key]


schema = schemathesis.openapi.from_dict(openapi_document())


@schema.auth(refresh_interval=None)
class SignInCookie:
    """The sign-in cookie and CSRF header of a demo user: Ada (an admin) for /admin/api."""

    def get(self, case: Case, ctx: Any) -> tuple[str, str] | None:
        if not _LIVE:
            return None  # collecting: no app runs yet
        user = "ada" if case.path.startswith("/admin/") else "grace"
        return _cookie_and_token(_LIVE[-1], user)

    def set(self, case: Case, data: tuple[str, str], ctx: Any) -> None:
        cookie, token = data
        case.cookies = {**(case.cookies or {}), "session": cookie}
        case.headers = {**(case.headers or {}), "X-CSRFToken": token}


@pytest.fixture
def live(app: Any) -> Iterator[LiveServer]:
    with serve_in_thread(app) as server:
        _LIVE.append(server.url)
        yield server


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_input_breaks_the_contract(case: Case, live: LiveServer) -> None:
    opaque = case.operation.definition.raw.get("operationId") in OPAQUE_CURSORS
    case.call_and_validate(
        base_url=live.url, excluded_checks=[positive_data_acceptance] if opaque else []
    )
