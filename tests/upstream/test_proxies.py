"""The client honours the environment's HTTP proxy settings, read when it is built."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import requests
from werkzeug.datastructures import EnvironHeaders

from testing.servers import serve_in_thread

from .conftest import Emulator, MakeClient

FORWARDED_HEADERS = ("Authorization", "OpenAI-Beta", "Content-Type")
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                   "ALL_PROXY", "no_proxy", "NO_PROXY")  # fmt: skip


@pytest.fixture
def proxied(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """`HTTP_PROXY` names a forward proxy on loopback; yields the absolute URLs it was asked
    for (the suite's own calls to the emulator go through it too)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    asked: list[str] = []
    direct = requests.Session()
    direct.trust_env = False

    def forward(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        asked.append(environ["REQUEST_URI"])
        incoming = EnvironHeaders(environ)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        answer = direct.request(
            environ["REQUEST_METHOD"],
            environ["REQUEST_URI"],
            headers={name: incoming[name] for name in FORWARDED_HEADERS if name in incoming},
            data=environ["wsgi.input"].read(length) if length else None,
            timeout=10,
        )
        start_response(
            f"{answer.status_code} {answer.reason}",
            [("Content-Type", answer.headers.get("Content-Type", "application/json"))],
        )
        return [answer.content]

    with serve_in_thread(forward) as live:
        monkeypatch.setenv("HTTP_PROXY", live.url)
        yield asked
    direct.close()


def test_calls_go_through_the_proxy_the_environment_names(
    proxied: list[str], make_client: MakeClient, emulator: Emulator
) -> None:
    thread = emulator.seed_thread("user_proxied", title="Through the proxy")
    client = make_client()

    fetched = client.retrieve_thread(thread["id"])
    page = client.list_items(thread["id"], limit=10)

    assert fetched["title"] == "Through the proxy"
    assert page["object"] == "list"
    assert [url for url in proxied if url.startswith(emulator.api_url)] == [
        f"{emulator.api_url}/chatkit/threads/{thread['id']}",
        f"{emulator.api_url}/chatkit/threads/{thread['id']}/items?limit=10",
    ]


def test_no_proxy_sends_calls_straight_to_the_api(
    proxied: list[str],
    make_client: MakeClient,
    emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    thread = emulator.seed_thread("user_direct", title="Straight there")

    assert make_client().retrieve_thread(thread["id"])["title"] == "Straight there"
    assert [url for url in proxied if url.startswith(emulator.api_url)] == []
