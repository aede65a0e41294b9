"""In-memory sessions, threads and items, safe to share between request threads."""

from __future__ import annotations

import itertools
import pickle
import threading
from dataclasses import dataclass, field
from typing import TypeVar

from .clock import Clock
from .errors import ApiError, not_found
from .fields import join
from .ids import SESSION_PREFIX, new_client_secret, new_id
from .models import ChatKitThread, ChatSession, ListPage, ThreadDeleteResponse, ThreadItem
from .pagination import paginate
from .seeding import build_item, build_thread
from .validation import CreateSessionRequest, ListQuery


@dataclass
class _SessionRecord:
    session: ChatSession
    cancelled: bool = False
    client_request_id: str | None = None  # the caller's X-Client-Request-Id, if it sent one


@dataclass
class _ItemRecord:
    item: ThreadItem
    sequence: int


@dataclass
class _ThreadRecord:
    thread: ChatKitThread
    sequence: int
    items: list[_ItemRecord] = field(default_factory=list)


class Store:
    """Everything the emulated API remembers; every public method takes the lock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.RLock()
        self._sessions: dict[str, _SessionRecord] = {}
        self._threads: dict[str, _ThreadRecord] = {}
        # insertion order breaks created_at ties, so equal timestamps still list deterministically
        self._sequence = itertools.count()

    def reset(self) -> None:
        with self._lock:
            self._sessions.clear()
            self._threads.clear()

    def create_session(
        self, request: CreateSessionRequest, client_request_id: str | None = None
    ) -> ChatSession:
        expires_at = self.clock.now() + request.expires_after_seconds
        session: ChatSession = {
            "id": new_id(SESSION_PREFIX),
            "object": "chatkit.session",
            "client_secret": new_client_secret(expires_at),
            "expires_at": expires_at,
            "workflow": request.workflow,
            "user": request.user,
            "rate_limits": {"max_requests_per_1_minute": request.max_requests_per_1_minute},
            "max_requests_per_1_minute": request.max_requests_per_1_minute,
            "status": "active",
            "chatkit_configuration": request.chatkit_configuration,
        }
        with self._lock:
            self._sessions[session["id"]] = _SessionRecord(
                session, client_request_id=client_request_id
            )
            return self._render_session(self._sessions[session["id"]])

    def cancel_session(self, session_id: str) -> ChatSession:
        """Cancelling is idempotent and also applies to an expired session."""
        with self._lock:
            record = self._sessions.get(session_id)
            if record is None:
                raise not_found(f"Session with id '{session_id}' not found.")
            record.cancelled = True
            return self._render_session(record)

    def sessions(self) -> list[dict[str, object]]:
        """Every session as the API shows it, plus the `client_request_id` it was created with."""
        with self._lock:
            return [
                {**self._render_session(record), "client_request_id": record.client_request_id}
                for record in self._sessions.values()
            ]

    def seed_threads(self, raw_threads: list[object], path: str = "threads") -> list[ChatKitThread]:
        """Add all threads with their items, or none of them when one is invalid.

        Errors name fields below ``path[index]``, or from the root when ``path`` is empty.
        """
        with self._lock:
            built: list[_ThreadRecord] = []
            for index, raw in enumerate(raw_threads):
                thread_path = f"{path}[{index}]" if path else ""
                thread, raw_items = build_thread(raw, thread_path, self.clock.now())
                taken = {record.thread["id"] for record in built}
                if thread["id"] in self._threads or thread["id"] in taken:
                    raise ApiError(
                        409,
                        f"Thread with id '{thread['id']}' already exists.",
                        param=join(thread_path, "id"),
                    )
                record = _ThreadRecord(thread, next(self._sequence))
                record.items = self._build_items(record, raw_items, join(thread_path, "items"))
                built.append(record)
            for record in built:
                self._threads[record.thread["id"]] = record
            return [_detached(record.thread) for record in built]

    def add_items(self, thread_id: str, raw_items: list[object]) -> list[ThreadItem]:
        with self._lock:
            record = self._thread_record(thread_id)
            new_items = self._build_items(record, raw_items, "items")
            record.items.extend(new_items)
            return [_detached(entry.item) for entry in new_items]

    def list_threads(self, query: ListQuery) -> ListPage:
        with self._lock:
            records = sorted(
                (
                    record
                    for record in self._threads.values()
                    if query.user is None or record.thread["user"] == query.user
                ),
                key=lambda record: (record.thread["created_at"], record.sequence),
            )
            page, has_more = paginate(records, lambda record: record.thread["id"], query)
            return _list_page([_detached(record.thread) for record in page], has_more)

    def retrieve_thread(self, thread_id: str) -> ChatKitThread:
        with self._lock:
            return _detached(self._thread_record(thread_id).thread)

    def delete_thread(self, thread_id: str) -> ThreadDeleteResponse:
        with self._lock:
            self._thread_record(thread_id)
            del self._threads[thread_id]
            return {"id": thread_id, "object": "chatkit.thread.deleted", "deleted": True}

    def list_items(self, thread_id: str, query: ListQuery) -> ListPage:
        with self._lock:
            records = sorted(
                self._thread_record(thread_id).items,
                key=lambda entry: (entry.item["created_at"], entry.sequence),
            )
            page, has_more = paginate(records, lambda entry: entry.item["id"], query)
            return _list_page([_detached(entry.item) for entry in page], has_more)

    def _thread_record(self, thread_id: str) -> _ThreadRecord:
        record = self._threads.get(thread_id)
        if record is None:
            raise not_found(f"Thread with id '{thread_id}' not found.")
        return record

    def _build_items(
        self, record: _ThreadRecord, raw_items: list[object], path: str
    ) -> list[_ItemRecord]:
        """Items default to the latest timestamp in the thread so they append at its end."""
        latest = max(
            [record.thread["created_at"], *(entry.item["created_at"] for entry in record.items)]
        )
        built: list[_ItemRecord] = []
        taken = {entry.item["id"] for entry in record.items}
        for index, raw in enumerate(raw_items):
            item = build_item(raw, f"{path}[{index}]", record.thread["id"], latest)
            if item["id"] in taken:
                raise ApiError(
                    409, f"Item with id '{item['id']}' already exists.", param=f"{path}[{index}].id"
                )
            taken.add(item["id"])
            latest = max(latest, item["created_at"])
            built.append(_ItemRecord(item, next(self._sequence)))
        return built

    def _render_session(self, record: _SessionRecord) -> ChatSession:
        session = _detached(record.session)
        if record.cancelled:
            session["status"] = "cancelled"
            session["client_secret"] = ""
        elif self.clock.now() >= session["expires_at"]:
            session["status"] = "expired"
        return session


_Value = TypeVar("_Value")


def _detached(value: _Value) -> _Value:
    """A deep copy of stored JSON, so callers never share the store's objects. Pickle copies at
    C speed: `copy.deepcopy` made a page of 100 items cost the emulator about 5 ms."""
    copied: _Value = pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))  # noqa: S301 - our own bytes
    return copied


def _list_page(data: list[ChatKitThread] | list[ThreadItem], has_more: bool) -> ListPage:
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }
