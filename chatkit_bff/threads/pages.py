"""What the chat pages show: the thread list window and the web component's page data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chatkit_bff.policy.model import Policy, client_options
from chatkit_bff.threads.paging import PageLinks, page_links
from chatkit_bff.threads.params import PageQuery
from chatkit_bff.threads.user_threads import UserThreads
from chatkit_bff.upstream import ChatKitThread

THREADS_PER_PAGE = 20
TRANSCRIPT_PAGE_SIZE = 100
TRANSCRIPT_MAX_PAGE_SIZE = 1000
SESSION_URL = "/api/chatkit/session"


@dataclass(frozen=True)
class ThreadListing:
    """One page of the thread list as the chat page shows it."""

    threads: list[ChatKitThread]
    links: PageLinks
    recent_limit: int | None  # the policy shows only this many newest threads
    retention_days: int | None = None  # threads older than this are deleted


def thread_listing(threads: UserThreads, policy: Policy, query: PageQuery) -> ThreadListing | None:
    """The page of threads to list, or None when the policy turns history off."""
    if not policy.history.enabled:
        return None
    recent = policy.history.recent_threads
    if recent is not None:
        page = threads.recent(recent, query, THREADS_PER_PAGE)
    else:
        page = threads.list_threads(query)
    return ThreadListing(page["data"], page_links(page, query), recent, policy.retention_days)


LIVE_CHAT_NEEDS_OPENAI = (
    "Live chat is off: this instance uses the local ChatKit emulator, which serves the saved "
    "conversations but cannot chat. Live chat needs OPENAI_API_KEY and CHATKIT_WORKFLOW_ID."
)


def chatkit_page_data(
    policy: Policy,
    initial_thread: str | None,
    *,
    session_url: str = SESSION_URL,
    start_url: str = "/",
    thread_url: str = "/threads/",
    start_screen: Mapping[str, Any] | None = None,
    uses_emulator: bool = False,
) -> dict[str, Any]:
    """The JSON the page hands to static/chat.js (options from the same policy as the session)."""
    options = client_options(policy)
    if start_screen:
        options["startScreen"] = dict(start_screen)
    return {
        "options": options,
        "initialThread": initial_thread,
        "sessionUrl": session_url,
        "threadUrl": thread_url,
        "startUrl": start_url,
        "liveChatOff": LIVE_CHAT_NEEDS_OPENAI if uses_emulator else None,
    }
