"""Export everything: a ZIP of every thread of the user, and a cut-off download when it fails."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser

from app import create_app
from testing.emulator import UPSTREAM_KEY, Emulator
from testing.servers import free_port, wait_for_port
from tests.conftest import TEST_SECRET_KEY, WORKFLOW_ID
from tests.history.browser_support import install_fake_chatkit, sign_in
from tests.history.conftest import SeedThreads
from tests.support.flows import dev_sign_in

pytestmark = pytest.mark.all_topologies

ROOT = Path(__file__).resolve().parents[2]


def _zip(body: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(body))


def test_the_zip_holds_every_item_of_every_thread_and_an_index(
    client: FlaskClient, seed_threads: SeedThreads, grace_id: str, alan_id: str
) -> None:
    # 105 threads: more than one upstream page of the thread list.
    seeded = seed_threads(grace_id, 105, items=4)
    seed_threads(alan_id, 2, prefix="Alan's")
    dev_sign_in(client, "grace")

    response = client.get("/account/export")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert re.fullmatch(
        r'attachment; filename="conversations-\d{4}-\d{2}-\d{2}\.zip"',
        response.headers["Content-Disposition"],
    )
    assert response.is_streamed
    archive = _zip(response.get_data())
    assert archive.testzip() is None

    index = json.loads(archive.read("index.json"))
    assert index["object"] == "chatkit_bff.export_index"
    assert {entry["id"] for entry in index["threads"]} == {t["id"] for t in seeded}
    assert all(entry["items"] == 4 for entry in index["threads"])
    by_id = {t["id"]: t for t in seeded}
    for entry in index["threads"]:
        document = json.loads(archive.read(entry["files"]["json"]))
        assert document["thread"]["id"] == entry["id"]
        assert entry["title"] == by_id[entry["id"]]["title"]
        assert [i["content"][0]["text"] for i in document["items"]] == [
            "Question 0",
            "Answer **1**",
            "Question 2",
            "Answer **3**",
        ]
        markdown = archive.read(entry["files"]["markdown"]).decode()
        assert markdown.startswith(f"# {entry['title']}\n")
        assert "Answer **3**" in markdown
    names = archive.namelist()
    assert len(names) == 2 * 105 + 1
    assert not any("alan" in name for name in names)


def test_threads_with_the_same_name_get_distinct_files(
    client: FlaskClient, emulator: Emulator, grace_id: str
) -> None:
    for _ in range(3):
        emulator.seed_thread(grace_id, title="Same title", created_at=1_750_000_000)
    dev_sign_in(client, "grace")
    names = sorted(_zip(client.get("/account/export").get_data()).namelist())
    stem = "conversation-same-title-2025-06-15"
    assert names == sorted(
        [f"{stem}{suffix}.{ext}" for suffix in ("", "-2", "-3") for ext in ("md", "json")]
        + ["index.json"]
    )


def test_a_thread_deleted_during_the_export_is_left_out(
    client: FlaskClient, emulator: Emulator, seed_threads: SeedThreads, grace_id: str
) -> None:
    seeded = seed_threads(grace_id, 3)
    gone = seeded[1]["id"]
    dev_sign_in(client, "grace")
    emulator.script_faults({"status": 404, "path_prefix": f"/v1/chatkit/threads/{gone}/items"})
    archive = _zip(client.get("/account/export").get_data())
    index = json.loads(archive.read("index.json"))
    assert [entry["id"] for entry in index["threads"]] == [seeded[2]["id"], seeded[0]["id"]]


def test_the_chat_page_links_to_it(
    client: FlaskClient, seed_threads: SeedThreads, grace_id: str
) -> None:
    seed_threads(grace_id, 1)
    dev_sign_in(client, "grace")
    assert 'href="/account/export"' in client.get("/").get_data(as_text=True)


def test_signed_out_is_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/account/export")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_upstream_down_at_the_start_is_a_clean_error(
    client: FlaskClient, emulator: Emulator, seed_threads: SeedThreads, grace_id: str
) -> None:
    seed_threads(grace_id, 2)
    dev_sign_in(client, "grace")
    emulator.script_faults({"status": 500, "count": 1, "method": "GET"})
    response = client.get("/account/export")
    assert response.status_code == 502
    assert response.mimetype == "text/html"


def test_it_draws_on_the_users_hourly_export_budget(
    client: FlaskClient, seed_threads: SeedThreads, grace_id: str, set_policy: Any
) -> None:
    thread = seed_threads(grace_id, 2)[0]
    set_policy(grace_id, {"exports_per_hour": 3})
    dev_sign_in(client, "grace")
    assert client.get("/account/export").status_code == 200
    assert client.get(f"/threads/{thread['id']}/export").status_code == 200  # the same budget
    assert client.get("/account/export").status_code == 200
    refused = client.get("/account/export")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.mimetype == "text/html"
    assert "3 per 1 hour" in refused.get_data(as_text=True)


@pytest.fixture
def capped_client(app_config: dict[str, Any], redis_client: Any) -> Iterator[FlaskClient]:
    application: Flask = create_app({**app_config, "EXPORT_MAX_ITEMS": "5"})
    yield application.test_client()
    application.extensions["chatkit_bff"].close()


def test_a_thread_past_the_item_cap_is_left_out_and_the_archive_says_so(
    capped_client: FlaskClient, emulator: Emulator, seed_threads: SeedThreads, grace_id: str
) -> None:
    fits = seed_threads(grace_id, 2, items=5, prefix="Fits")
    too_long = seed_threads(grace_id, 1, items=6, prefix="Long one", start=1_760_000_000)[0]
    dev_sign_in(capped_client, "grace")
    emulator.clear_requests()
    response = capped_client.get("/account/export")
    assert response.status_code == 200
    archive = _zip(response.get_data())
    index = json.loads(archive.read("index.json"))
    assert index["complete"] is False
    assert index["left_out"] == 1
    entries = {entry["id"]: entry for entry in index["threads"]}
    assert entries[too_long["id"]]["files"] is None
    assert entries[too_long["id"]]["items"] is None
    error = entries[too_long["id"]]["error"]
    assert error["code"] == "too_many_items"
    assert "More than 5 items" in error["message"]
    assert error["path"] == f"/threads/{too_long['id']}"
    assert all(entries[t["id"]]["items"] == 5 for t in fits)
    notice = archive.read("INCOMPLETE-EXPORT.txt").decode()
    assert "does not hold every conversation: 1 conversation has more than 5 items" in notice
    assert f"- Long one 00 (started 2025-10-09): /threads/{too_long['id']}" in notice
    # No file of the long thread holds a cut-off transcript.
    assert sorted(archive.namelist()) == sorted(
        [entries[t["id"]]["files"][kind] for t in fits for kind in ("markdown", "json")]
        + ["INCOMPLETE-EXPORT.txt", "index.json"]
    )
    item_calls = [
        r["query"].get("limit")
        for r in emulator.requests()
        if r["path"] == f"/v1/chatkit/threads/{too_long['id']}/items"
    ]
    assert item_calls == ["6"]  # read one past the cap, no more


def test_a_whole_archive_says_it_is_complete(
    client: FlaskClient, seed_threads: SeedThreads, grace_id: str
) -> None:
    seed_threads(grace_id, 2)
    dev_sign_in(client, "grace")
    archive = _zip(client.get("/account/export").get_data())
    index = json.loads(archive.read("index.json"))
    assert (index["complete"], index["left_out"]) == (True, 0)
    assert "INCOMPLETE-EXPORT.txt" not in archive.namelist()


@contextmanager
def _gunicorn(env: dict[str, str]) -> Iterator[str]:
    """The app under gunicorn with the production settings file (threads, as deployed)."""
    port = free_port()
    args = [
        sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
        "--bind", f"127.0.0.1:{port}", "--workers", "1", "app:create_app()",
    ]  # fmt: skip
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, timeout=30)
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(base)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def _wait_until_serving(base: str, timeout: float = 60.0) -> None:
    """The port opens with the master; the worker answers once it has built the app."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base} did not answer /healthz within {timeout} s")
        time.sleep(0.1)


def _signed_in(base: str, who: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=30).text
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert token
    done = http.post(
        f"{base}/login/dev",
        data={"user": who, "next": "/", "csrf_token": token.group(1)},
        timeout=30,
        allow_redirects=False,
    )
    assert done.status_code == 302
    return http


def _read_into(buffer: bytearray, response: requests.Response) -> None:
    for chunk in response.iter_content(chunk_size=None):
        buffer += chunk


@pytest.fixture
def served_app(redis_url: str, emulator: Emulator, redis_client: Any) -> Iterator[str]:
    env = {
        "APP_ENV": "development",
        "SECRET_KEY": TEST_SECRET_KEY,
        "OPENAI_API_KEY": UPSTREAM_KEY,
        "CHATKIT_API_BASE": emulator.api_url,
        "CHATKIT_WORKFLOW_ID": WORKFLOW_ID,
        "REDIS_URL": redis_url,
        "OIDC_ISSUER": "",
        "UPSTREAM_READ_TIMEOUT": "2",
    }
    with _gunicorn(env) as base:
        yield base


def test_a_failure_midway_breaks_the_download_instead_of_ending_it(
    served_app: str, emulator: Emulator, seed_threads: SeedThreads, grace_id: str
) -> None:
    seeded = seed_threads(grace_id, 20, items=20)
    http = _signed_in(served_app, "grace")
    # Newest first: the 15th thread's items fail, long after the first bytes went out.
    failing = sorted(seeded, key=lambda t: t["created_at"], reverse=True)[14]
    emulator.script_faults(
        {"status": 500, "count": 1, "path_prefix": f"/v1/chatkit/threads/{failing['id']}/items"}
    )
    received = bytearray()
    with http.get(f"{served_app}/account/export", stream=True, timeout=30) as response:
        assert response.status_code == 200
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            _read_into(received, response)
    assert len(received) > 0  # the download had started
    with pytest.raises(zipfile.BadZipFile):
        _zip(bytes(received))


def test_a_whole_download_over_http_is_a_whole_zip(
    served_app: str, seed_threads: SeedThreads, grace_id: str
) -> None:
    seed_threads(grace_id, 5, items=3)
    http = _signed_in(served_app, "grace")
    response = http.get(f"{served_app}/account/export", timeout=30)
    assert response.status_code == 200
    assert response.headers.get("Transfer-Encoding") == "chunked"
    assert len(_zip(response.content).namelist()) == 11


@pytest.mark.browser
def test_the_browser_reports_a_broken_download_as_failed(
    browser: Browser,
    served_app: str,
    emulator: Emulator,
    seed_threads: SeedThreads,
    grace_id: str,
    tmp_path: Path,
) -> None:
    seeded = seed_threads(grace_id, 12, items=10)
    context = browser.new_context(base_url=served_app, accept_downloads=True)
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        install_fake_chatkit(page)
        sign_in(page)
        link = page.get_by_role("link", name="Download all conversations (ZIP)")

        with page.expect_download() as whole:
            link.click()
        assert whole.value.failure() is None
        whole.value.save_as(tmp_path / "whole.zip")
        assert len(zipfile.ZipFile(tmp_path / "whole.zip").namelist()) == 25

        failing = sorted(seeded, key=lambda t: t["created_at"], reverse=True)[8]
        emulator.script_faults(
            {"status": 500, "path_prefix": f"/v1/chatkit/threads/{failing['id']}/items"}
        )
        with page.expect_download() as broken:
            link.click()
        assert broken.value.failure() is not None
    finally:
        context.close()
