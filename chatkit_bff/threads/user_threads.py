"""One signed-in user's ChatKit threads: only their own, anyone else's is "not found"."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from chatkit_bff.errors import InvalidRequest, NotFound
from chatkit_bff.threads.export import EXPORT_MAX_ITEMS, too_many_items
from chatkit_bff.threads.owners import ThreadOwners
from chatkit_bff.threads.paging import page_of
from chatkit_bff.threads.params import UPSTREAM_MAX_LIMIT, PageQuery
from chatkit_bff.upstream import (
    BadRequestError,
    ChatKitClient,
    ChatKitThread,
    NotFoundError,
    ThreadDeleted,
    ThreadItem,
    ThreadItemListPage,
    ThreadListPage,
)

NOT_FOUND_MESSAGE = "No conversation with this id."
_PAGING_PARAMS = ("limit", "order", "after", "before")
#: Upper bound on list-and-delete rounds of `delete_all` (100 threads each).
MAX_DELETE_ROUNDS = 1000

#: Told each upstream page of items as it arrives: its items, and True when they come before
#: the items of the pages told so far (a walk backwards from a `before` cursor).
PageSink = Callable[[list[ThreadItem], bool], None]
_Read = TypeVar("_Read")


def thread_not_found() -> NotFound:
    """The one answer for a missing thread and for another user's: they must not differ."""
    return NotFound(NOT_FOUND_MESSAGE)


@contextmanager
def _paging_errors() -> Iterator[None]:
    """An upstream 400 about a paging parameter is the caller's mistake: a 400 naming it."""
    try:
        yield
    except BadRequestError as exc:
        if exc.param in _PAGING_PARAMS:
            problem = (
                "no object with that id in this list"
                if exc.param in ("after", "before")
                else "was refused"
            )
            raise InvalidRequest(
                f"Invalid '{exc.param}': {problem}.", fields={exc.param: problem}
            ) from None
        raise


class UserThreads:
    """Reads and deletes threads on behalf of one user.

    The upstream API key sees every user's threads, so each call on a single thread first
    checks `thread.user` (remembered for a few minutes in `ThreadOwners`).
    """

    def __init__(self, chatkit: ChatKitClient, owners: ThreadOwners, user_id: str) -> None:
        self._chatkit = chatkit
        self._owners = owners
        self.user_id = user_id

    # --- lists of threads -----------------------------------------------------------------

    def list_threads(self, query: PageQuery) -> ThreadListPage:
        """One page of the user's threads (the upstream filters them by `user`)."""
        with _paging_errors():
            page = self._chatkit.list_threads(
                user=self.user_id,
                limit=query.limit,
                order=query.order,
                after=query.after,
                before=query.before,
            )
        self._owners.remember(page["data"])
        return page

    def recent(self, count: int, query: PageQuery, page_size: int) -> ThreadListPage:
        """A page (newest first) of only the user's `count` newest threads."""
        window: list[ChatKitThread] = []
        after: str | None = None
        while len(window) < count:
            page = self._chatkit.list_threads(
                user=self.user_id,
                limit=min(UPSTREAM_MAX_LIMIT, count - len(window)),
                order="desc",
                after=after,
            )
            window.extend(page["data"])
            if not page["has_more"] or not page["data"]:
                break
            after = page["last_id"]
        self._owners.remember(window)
        return page_of(window, query, page_size)

    # --- one thread -------------------------------------------------------------------------

    @contextmanager
    def _thread_call(self, thread_id: str) -> Iterator[None]:
        try:
            with _paging_errors():
                yield
        except NotFoundError:
            self._owners.forget(thread_id)
            raise thread_not_found() from None

    def _beside_thread(
        self, thread_id: str, read: Callable[[Callable[[], object]], _Read]
    ) -> tuple[ChatKitThread, _Read]:
        """The thread, and what `read(check)` reads of its items meanwhile.

        `read` calls `check` once its first upstream page is in, before using it or asking for
        another: `check` waits for the thread and raises "not found" unless it is the user's.
        Another user's thread is "not found" whatever its items gave.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="thread-read") as pool:
            # The request's context (its id, sent upstream) goes with the call.
            reading: Future[ChatKitThread] = pool.submit(
                contextvars.copy_context().run, self.get, thread_id
            )
            try:
                result = read(reading.result)
            except Exception:
                reading.result()  # the owner check answers first
                raise
            return reading.result(), result

    def get(self, thread_id: str) -> ChatKitThread:
        """The thread, fetched fresh (title and status change), if it is the user's."""
        with self._thread_call(thread_id):
            thread = self._chatkit.retrieve_thread(thread_id)
        self._owners.remember([thread])
        if thread["user"] != self.user_id:
            raise thread_not_found()
        return thread

    def check_owner(self, thread_id: str) -> None:
        """Pass if the thread is the user's; 404 otherwise. Costs no upstream call when memoized."""
        owner = self._owners.owner(thread_id)
        if owner is None:
            self.get(thread_id)
        elif owner != self.user_id:
            raise thread_not_found()

    def items(self, thread_id: str, query: PageQuery) -> ThreadItemListPage:
        """A page of the thread's items; a `limit` above the upstream's 100 walks its pages.

        An owner not memoized is read while the first page is (one round trip, not two)."""
        owner = self._owners.owner(thread_id)
        if owner is None:
            _, page = self._beside_thread(
                thread_id, lambda check: self._items(thread_id, query, first_page_check=check)
            )
            return page
        if owner != self.user_id:
            raise thread_not_found()
        return self._items(thread_id, query)

    def transcript(
        self, thread_id: str, query: PageQuery, on_page: PageSink | None = None
    ) -> tuple[ChatKitThread, ThreadItemListPage]:
        """The thread (title, status) and a page of its items: one upstream call per 100 items,
        the first one made while the thread is read. `on_page` sees each upstream page as it
        arrives, while the next one is fetched."""
        return self._beside_thread(
            thread_id, lambda check: self._items(thread_id, query, on_page, first_page_check=check)
        )

    def everything(
        self, thread_id: str, max_items: int = EXPORT_MAX_ITEMS
    ) -> tuple[ChatKitThread, list[ThreadItem]]:
        """The thread and all its items, oldest first (for exports), if there are at most
        `max_items`; more is a 422 that says so (reading stops one item past the cap)."""
        thread, page = self._beside_thread(
            thread_id,
            lambda check: self._walk(
                thread_id, PageQuery(order="asc"), limit=max_items + 1, first_page_check=check
            ),
        )
        if len(page["data"]) > max_items:
            raise too_many_items(max_items)
        return thread, page["data"]

    def items_of_listed(
        self, thread: ChatKitThread, max_items: int = EXPORT_MAX_ITEMS
    ) -> list[ThreadItem]:
        """All items, oldest first, of a thread this user's list just returned (no re-fetch);
        more than `max_items` is a 422 like `everything` (reading stops one past the cap)."""
        if thread["user"] != self.user_id:
            raise thread_not_found()
        items = self._walk(thread["id"], PageQuery(order="asc"), limit=max_items + 1)["data"]
        if len(items) > max_items:
            raise too_many_items(max_items)
        return items

    def delete(self, thread_id: str) -> ThreadDeleted:
        self.check_owner(thread_id)
        with self._thread_call(thread_id):
            deleted = self._chatkit.delete_thread(thread_id)
        self._owners.forget(thread_id)
        return deleted

    def delete_all(self) -> int:
        """Delete every thread of the user upstream; returns how many were deleted.

        Each round lists the first page again (the deleted ones are gone from it), and only
        threads whose `user` is this user are ever deleted.
        """
        deleted = 0
        for _ in range(MAX_DELETE_ROUNDS):
            page = self._chatkit.list_threads(
                user=self.user_id, limit=UPSTREAM_MAX_LIMIT, order="asc"
            )
            mine = [thread for thread in page["data"] if thread["user"] == self.user_id]
            if not mine:
                break
            for thread in mine:
                try:
                    self._chatkit.delete_thread(thread["id"])
                    deleted += 1
                except NotFoundError:
                    pass  # deleted meanwhile (another tab): gone either way
                self._owners.forget(thread["id"])
        return deleted

    # --- items ------------------------------------------------------------------------------

    def _items(
        self,
        thread_id: str,
        query: PageQuery,
        on_page: PageSink | None = None,
        first_page_check: Callable[[], object] | None = None,
    ) -> ThreadItemListPage:
        if query.limit is None or query.limit <= UPSTREAM_MAX_LIMIT:
            with self._thread_call(thread_id):
                page = self._chatkit.list_items(
                    thread_id,
                    limit=query.limit,
                    order=query.order,
                    after=query.after,
                    before=query.before,
                )
            if first_page_check is not None:
                first_page_check()
            if on_page is not None:
                on_page(page["data"], False)
            return page
        return self._walk(
            thread_id,
            query,
            limit=query.limit,
            on_page=on_page,
            first_page_check=first_page_check,
        )

    def _walk(
        self,
        thread_id: str,
        query: PageQuery,
        *,
        limit: int | None,
        on_page: PageSink | None = None,
        first_page_check: Callable[[], object] | None = None,
    ) -> ThreadItemListPage:
        """Up to `limit` items (None: all) from the cursor on, one upstream page at a time;
        `first_page_check` runs once the first page is in, before it is used."""
        backwards = query.before is not None and query.after is None
        after, before = query.after, query.before
        collected: list[ThreadItem] = []
        while True:
            want = (
                UPSTREAM_MAX_LIMIT
                if limit is None
                else min(UPSTREAM_MAX_LIMIT, limit - len(collected))
            )
            with self._thread_call(thread_id):
                page = self._chatkit.list_items(
                    thread_id, limit=want, order=query.order, after=after, before=before
                )
            if first_page_check is not None:
                first_page_check()
                first_page_check = None
            if on_page is not None and page["data"]:
                on_page(page["data"], backwards)
            if backwards:
                collected[:0] = page["data"]
                before = page["first_id"]
            else:
                collected.extend(page["data"])
                after = page["last_id"]
            full = limit is not None and len(collected) >= limit
            if full or not page["has_more"] or not page["data"]:
                return {
                    "object": "list",
                    "data": collected,
                    "first_id": collected[0]["id"] if collected else None,
                    "last_id": collected[-1]["id"] if collected else None,
                    "has_more": page["has_more"],
                }
