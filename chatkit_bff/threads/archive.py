"""Export everything: one ZIP of all the user's threads, built while it is sent.

Each thread becomes the same Markdown and JSON files as a single export, then `index.json`
lists them. A thread longer than one export may hold (`EXPORT_MAX_ITEMS`) is not cut short:
it has no files, its `index.json` entry carries an error, the index says `"complete": false`
and `INCOMPLETE-EXPORT.txt` beside it names what is missing and where to read it.

Threads are fetched one at a time and each is compressed and handed on before the next is
read, so memory holds one thread's items, not the whole archive (the ZIP's central directory,
written last, keeps a few hundred bytes per file). If the upstream fails midway the generator
raises: the server then drops the connection and the archive has no central directory, so
neither the browser nor an unzip tool mistakes it for a whole one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from zipstream import ZIP_DEFLATED, ZipStream

from chatkit_bff.errors import NotFound, TooManyItems
from chatkit_bff.threads.export import (
    EXPORT_MAX_ITEMS,
    export_filename,
    thread_title,
    transcript_json,
    transcript_markdown,
)
from chatkit_bff.threads.params import UPSTREAM_MAX_LIMIT, PageQuery
from chatkit_bff.threads.user_threads import UserThreads
from chatkit_bff.upstream import ChatKitThread, ThreadListPage

log = logging.getLogger("chatkit_bff.threads")

INDEX_NAME = "index.json"
INCOMPLETE_NAME = "INCOMPLETE-EXPORT.txt"


def archive_filename(now: datetime) -> str:
    return f"conversations-{now.astimezone(UTC).date().isoformat()}.zip"


class ThreadArchive:
    """The ZIP of one user's threads. Construct it (first page read), then iterate `chunks`."""

    def __init__(
        self,
        threads: UserThreads,
        now: datetime,
        *,
        max_items: int = EXPORT_MAX_ITEMS,
        thread_path: Callable[[str], str] = lambda thread_id: f"/threads/{thread_id}",
    ) -> None:
        self._threads = threads
        self._now = now
        self._max_items = max_items
        self._thread_path = thread_path  # where a left-out thread can be read page by page
        # Read before the response starts, so an upstream that is down is a clean error page.
        self._first = self._page(None)

    def _page(self, after: str | None) -> ThreadListPage:
        return self._threads.list_threads(
            PageQuery(limit=UPSTREAM_MAX_LIMIT, order="desc", after=after)
        )

    def _listed(self) -> Iterator[ChatKitThread]:
        page = self._first
        while True:
            yield from page["data"]
            if not page["has_more"] or not page["data"]:
                return
            page = self._page(page["last_id"])

    def chunks(self) -> Iterator[bytes]:
        archive = ZipStream(compress_type=ZIP_DEFLATED, compress_level=6)
        index: list[dict[str, Any]] = []
        left_out: list[dict[str, Any]] = []
        stems: set[str] = set()
        try:
            for thread in self._listed():
                try:
                    items = self._threads.items_of_listed(thread, self._max_items)
                except NotFound:
                    continue  # deleted since it was listed: it is simply not in the archive
                except TooManyItems:
                    entry = self._left_out_entry(thread)
                    index.append(entry)
                    left_out.append(entry)
                    continue
                stem = _unique(export_filename(thread, "md").removesuffix(".md"), stems)
                archive.add(transcript_markdown(thread, items, self._now), f"{stem}.md")
                archive.add(transcript_json(thread, items, self._now), f"{stem}.json")
                index.append(_index_entry(thread, len(items), stem))
                del items  # free them while the generator waits for the client
                yield from archive.all_files()
            if left_out:
                archive.add(_incomplete_notice(left_out, self._max_items), INCOMPLETE_NAME)
            archive.add(_index_document(index, self._now), INDEX_NAME)
            yield from archive.finalize()
        except Exception:
            log.warning(
                "export of every thread failed after %d thread(s); the download is cut off",
                len(index),
                exc_info=True,
            )
            raise

    def _left_out_entry(self, thread: ChatKitThread) -> dict[str, Any]:
        path = self._thread_path(thread["id"])
        entry = _index_entry(thread, None, None)
        entry["error"] = {
            "code": "too_many_items",
            "message": (
                f"More than {self._max_items} items, more than one export may hold: this "
                f"conversation is not in the archive. Read it page by page at {path}."
            ),
            "path": path,
        }
        return entry


def _unique(stem: str, taken: set[str]) -> str:
    """`stem`, or `stem-2`, `stem-3`... when two threads share a title and a day."""
    candidate, n = stem, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}"
    taken.add(candidate)
    return candidate


def _index_entry(thread: ChatKitThread, item_count: int | None, stem: str | None) -> dict[str, Any]:
    """A thread's line in `index.json`; without files (and item count) when it was left out."""
    created = datetime.fromtimestamp(thread["created_at"], tz=UTC)
    return {
        "id": thread["id"],
        "title": thread_title(thread),
        "created_at": thread["created_at"],
        "created": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "items": item_count,
        "files": None if stem is None else {"markdown": f"{stem}.md", "json": f"{stem}.json"},
    }


def _incomplete_notice(left_out: list[dict[str, Any]], max_items: int) -> str:
    count = len(left_out)
    lines = [
        f"This archive does not hold every conversation: {count} "
        f"{'conversation has' if count == 1 else 'conversations have'} more than {max_items} "
        "items, more than one export may hold, and "
        f"{'is' if count == 1 else 'are'} not in it. Read "
        f"{'it' if count == 1 else 'them'} page by page in the app:",
        "",
    ]
    lines += [
        f"- {' '.join(entry['title'].split())} (started {entry['created'][:10]}): "
        f"{entry['error']['path']}"
        for entry in left_out
    ]
    return "\n".join(lines) + "\n"


def _index_document(entries: list[dict[str, Any]], now: datetime) -> str:
    left_out = sum(1 for entry in entries if "error" in entry)
    document = {
        "object": "chatkit_bff.export_index",
        "exported_at": now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        # False when a thread is listed with an "error" instead of its files.
        "complete": left_out == 0,
        "left_out": left_out,
        "threads": entries,
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
