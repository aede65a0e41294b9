"""The chat pages in headless Chromium: history, transcript, delete, export, ChatKit contract."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from testing.emulator import Emulator
from tests.history.browser_support import (
    DESKTOP,
    PHONE,
    block_chatkit,
    chatkit_settled,
    install_fake_chatkit,
    serve_chatkit_without_element,
    shorten_chatkit_timeout,
    sign_in,
)
from tests.history.conftest import SeedThreads
from tests.support.browser import screenshot_path
from tests.support.policies import override_policy

pytestmark = pytest.mark.browser


@pytest.fixture
def watched(page: Page, csp_violations: list[str]) -> Iterator[Page]:
    """The page, failing the test on any script error, dialog or CSP violation it raises."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    page.set_viewport_size(DESKTOP)
    yield page
    assert problems == []


def upstream_thread_exists(emulator: Emulator, thread_id: str) -> bool:
    return emulator.api("GET", f"/chatkit/threads/{thread_id}").status_code == 200


def thread_titles(page: Page) -> list[str]:
    return page.locator(".thread-link__title").all_inner_texts()


def test_the_list_shows_only_the_users_threads_and_pages(
    watched: Page, seed_threads: SeedThreads, grace_id: str, alan_id: str
) -> None:
    page = watched
    seed_threads(grace_id, 26)
    seed_threads(alan_id, 3, prefix="Alan's private")
    install_fake_chatkit(page)

    sign_in(page)

    conversations = page.get_by_role("region", name="Your conversations")
    expect(conversations.get_by_role("link", name="Topic 25")).to_be_visible()
    assert thread_titles(page) == [f"Topic {n:02d}" for n in range(25, 5, -1)]
    expect(page.get_by_text("Alan's private")).to_have_count(0)
    page.screenshot(path=screenshot_path("history-chat-list-desktop"), full_page=True)

    page.get_by_role("link", name="Older").click()
    assert thread_titles(page) == [f"Topic {n:02d}" for n in range(5, -1, -1)]
    expect(page.get_by_role("link", name="Older")).to_have_count(0)
    page.get_by_role("link", name="Newer").click()
    assert thread_titles(page)[0] == "Topic 25"

    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshot_path("history-chat-list-phone"), full_page=True)
    list_box = page.locator(".thread-panel").bounding_box()
    chat_box = page.locator(".live-panel").bounding_box()
    assert list_box is not None
    assert chat_box is not None
    assert list_box["y"] + list_box["height"] <= chat_box["y"]  # the list sits above the chat


def test_a_transcript_shows_every_item_type(
    watched: Page, emulator: Emulator, grace_id: str
) -> None:
    page = watched
    emulator.seed_demo(grace_id, "Grace Hopper")
    install_fake_chatkit(page)
    sign_in(page)

    kinds: set[str] = set()
    for title in ("Q3 revenue report review", "Weekend in Lisbon", "Flaky checkout test"):
        page.get_by_role("link", name="All conversations").or_(
            page.get_by_role("link", name="Chat", exact=True)
        ).first.click()
        page.get_by_role("link", name=title).click()
        expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
        classes = page.locator("article.item").evaluate_all(
            "els => els.map(e => [...e.classList].find(c => c.startsWith('item--')))"
        )
        kinds.update(classes)
        if title == "Weekend in Lisbon":
            page.screenshot(path=screenshot_path("history-transcript-desktop"), full_page=True)
            page.set_viewport_size(PHONE)
            page.screenshot(path=screenshot_path("history-transcript-phone"), full_page=True)
            page.set_viewport_size(DESKTOP)
            page.emulate_media(color_scheme="dark")
            page.screenshot(path=screenshot_path("history-transcript-dark"), full_page=True)
            page.emulate_media(color_scheme="light")
    assert kinds == {
        "item--user_message",
        "item--assistant_message",
        "item--widget",
        "item--client_tool_call",
        "item--task",
        "item--task_group",
    }

    page.goto("/")
    page.get_by_role("link", name="Refund for order #48213").click()
    expect(page.locator(".transcript__meta")).to_contain_text(
        "Locked: A support agent took over this conversation."
    )


def test_delete_asks_then_removes_the_conversation(
    watched: Page, seed_threads: SeedThreads, grace_id: str, emulator: Emulator
) -> None:
    page = watched
    [keep, doomed] = seed_threads(grace_id, 2)
    install_fake_chatkit(page)
    sign_in(page, path=f"/threads/{doomed['id']}")

    page.get_by_role("link", name="Delete…").click()
    expect(page.get_by_role("heading", name="Delete this conversation?")).to_be_visible()
    page.screenshot(path=screenshot_path("history-delete-confirm-desktop"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshot_path("history-delete-confirm-phone"), full_page=True)
    assert upstream_thread_exists(emulator, doomed["id"])

    page.get_by_role("button", name="Delete conversation").click()

    expect(page).to_have_url("/")
    expect(
        page.get_by_role("status").filter(has_text="The conversation was deleted.")
    ).to_be_visible()
    assert thread_titles(page) == [keep["title"]]
    assert not upstream_thread_exists(emulator, doomed["id"])
    assert upstream_thread_exists(emulator, keep["id"])


def test_export_downloads_markdown_and_json(
    watched: Page, emulator: Emulator, grace_id: str, tmp_path: Path
) -> None:
    page = watched
    threads = emulator.seed_demo(grace_id, "Grace Hopper")
    report = next(t for t in threads if t["title"] == "Q3 revenue report review")
    install_fake_chatkit(page)
    sign_in(page, path=f"/threads/{report['id']}")

    with page.expect_download() as markdown_download:
        page.get_by_role("link", name="Export Markdown").click()
    markdown = markdown_download.value
    assert markdown.suggested_filename.startswith("conversation-q3-revenue-report-review-")
    assert markdown.suggested_filename.endswith(".md")
    markdown.save_as(tmp_path / "export.md")
    text = (tmp_path / "export.md").read_text()
    assert text.startswith("# Q3 revenue report review")
    assert "- File: q3-report.pdf (application/pdf)" in text

    with page.expect_download() as json_download:
        page.get_by_role("link", name="Export JSON").click()
    json_download.value.save_as(tmp_path / "export.json")
    document = json.loads((tmp_path / "export.json").read_text())
    assert document["thread"]["id"] == report["id"]
    assert len(document["items"]) == 5


def test_someone_elses_thread_is_not_found(
    watched: Page, seed_threads: SeedThreads, alan_id: str, emulator: Emulator
) -> None:
    page = watched
    [theirs] = seed_threads(alan_id, 1, prefix="Alan's private")
    install_fake_chatkit(page)
    sign_in(page)

    for path in ("", "/delete", "/export?format=md"):
        response = page.goto(f"/threads/{theirs['id']}{path}")
        assert response is not None
        assert response.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        expect(page.get_by_text("Alan's private")).to_have_count(0)
    api = page.request.get(f"/api/threads/{theirs['id']}")
    assert api.status == 404
    assert upstream_thread_exists(emulator, theirs["id"])


# --- the ChatKit web component --------------------------------------------------------------


def session_requests(page: Page) -> list[Request]:
    seen: list[Request] = []
    page.on(
        "request",
        lambda request: (
            seen.append(request) if request.url.endswith("/api/chatkit/session") else None
        ),
    )
    return seen


def test_the_page_configures_chatkit_from_policy_and_serves_secrets(
    watched: Page, app: Any, grace_id: str, emulator: Emulator
) -> None:
    page = watched
    override_policy(
        app.extensions["chatkit_bff"].policies,
        grace_id,
        {"file_upload": {"enabled": True, "max_files": 4, "max_file_size": 8}},
    )
    install_fake_chatkit(page)
    sent = session_requests(page)
    sign_in(page)

    record = chatkit_settled(page)
    assert record["calls"] == 1
    assert record["errors"] == []
    options = record["options"]
    assert options["getClientSecretIsFunction"] is True
    assert options["initialThread"] is None
    assert options["history"] == {"enabled": True}
    assert options["composer"]["attachments"] == {
        "enabled": True,
        "maxCount": 4,
        "maxSize": 8 * 1024 * 1024,
    }
    secrets = record["secrets"]
    assert len(secrets) == 2
    assert all(isinstance(secret, str) and secret.startswith("ek_") for secret in secrets)
    live = {s["client_secret"] for s in emulator.sessions() if s["user"] == grace_id}
    assert set(secrets) <= live
    assert secrets[1] != secrets[0]  # a refresh is a new session for the same user

    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert len(sent) == 2
    assert all(request.headers.get("x-csrftoken") == token for request in sent)
    assert [json.loads(request.post_data or "") for request in sent] == [
        {"current_client_secret": None},
        {"current_client_secret": secrets[0]},
    ]


def test_get_client_secret_throws_when_the_session_endpoint_fails(watched: Page) -> None:
    page = watched
    install_fake_chatkit(page)
    sign_in(page, path="/login")
    page.route(
        "**/api/chatkit/session",
        lambda route: route.fulfill(
            status=429,
            content_type="application/json",
            body=json.dumps({"error": {"message": "Too many requests: slow down."}}),
        ),
    )
    page.goto("/")
    record = chatkit_settled(page)
    assert record["secrets"] == []
    assert record["errors"] == ["Too many requests: slow down."]


def test_a_transcript_resumes_its_thread_and_the_url_follows_thread_changes(
    watched: Page, seed_threads: SeedThreads, grace_id: str
) -> None:
    page = watched
    [first, second] = seed_threads(grace_id, 2)
    install_fake_chatkit(page)
    sign_in(page, path=f"/threads/{first['id']}")
    assert chatkit_settled(page)["options"]["initialThread"] == first["id"]

    def change_thread(thread_id: str | None) -> None:
        # What the real element emits when its user opens another thread or a new one.
        page.evaluate(
            """(threadId) => document.querySelector("openai-chatkit").dispatchEvent(
                new CustomEvent("chatkit.thread.change", { detail: { threadId } }))""",
            thread_id,
        )

    page.goto("/")
    chatkit_settled(page)
    change_thread(second["id"])
    expect(page).to_have_url(f"/threads/{second['id']}")
    expect(page.locator(f'a[data-thread-id="{second["id"]}"]')).to_have_attribute(
        "aria-current", "page"
    )
    page.reload()
    assert chatkit_settled(page)["options"]["initialThread"] == second["id"]

    change_thread(None)
    expect(page).to_have_url("/")
    change_thread("javascript:alert(1)")  # not a thread id: the URL never takes it
    expect(page).to_have_url("/")


def test_an_unreachable_cdn_shows_a_notice_and_history_still_works(
    watched: Page, seed_threads: SeedThreads, grace_id: str
) -> None:
    page = watched
    [thread] = seed_threads(grace_id, 1)
    block_chatkit(page)
    sign_in(page)

    notice = page.get_by_role("status").filter(has_text="The live chat could not be loaded")
    expect(notice).to_be_visible()
    page.screenshot(path=screenshot_path("history-offline-desktop"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshot_path("history-offline-phone"), full_page=True)

    page.get_by_role("link", name=thread["title"]).click()
    expect(page.get_by_role("heading", level=1, name=thread["title"])).to_be_visible()
    expect(page.locator("article.item")).to_have_count(2)
    expect(page.get_by_role("status").filter(has_text="could not be loaded")).to_be_visible()


def test_a_script_that_never_defines_the_element_times_out_into_the_notice(
    watched: Page,
) -> None:
    page = watched
    serve_chatkit_without_element(page)
    sign_in(page)
    shorten_chatkit_timeout(page, 300)
    page.goto("/")
    expect(page.get_by_role("status").filter(has_text="could not be loaded")).to_be_visible(
        timeout=3000
    )


def test_the_list_works_from_the_keyboard_with_a_visible_focus(
    watched: Page, seed_threads: SeedThreads, grace_id: str
) -> None:
    page = watched
    newer = seed_threads(grace_id, 2)[-1]
    install_fake_chatkit(page)
    sign_in(page)
    page.emulate_media(color_scheme="dark")

    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.dataset.threadId || null") == newer["id"]:
            break
    else:
        raise AssertionError("Tab never reached the newest conversation")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.screenshot(path=screenshot_path("history-chat-list-dark-focus"), full_page=True)

    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=newer["title"])).to_be_visible()
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("banner")).to_be_visible()
