"""Cursor pages: links to the neighbouring pages, and paging a list we already hold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from chatkit_bff.errors import InvalidRequest
from chatkit_bff.threads.params import PageQuery
from chatkit_bff.upstream import ListPage

Entry = TypeVar("Entry", bound=Any)


@dataclass(frozen=True)
class PageLinks:
    """Cursors of the neighbouring pages, in the list's own order.

    `back` goes with `before=` (towards the start of the list), `forward` with `after=`.
    """

    back: str | None
    forward: str | None
    lost: bool = False  # a cursor led to an empty page: offer the start instead


def page_links(page: ListPage[Any], query: PageQuery) -> PageLinks:
    if not page["data"]:
        return PageLinks(back=None, forward=None, lost=query.has_cursor)
    first, last, more = page["first_id"], page["last_id"], page["has_more"]
    if query.before is not None and query.after is None:
        # Walking backwards: `has_more` speaks of what lies before this page.
        return PageLinks(back=first if more else None, forward=last)
    return PageLinks(
        back=first if query.after is not None else None, forward=last if more else None
    )


def page_of(entries: Sequence[Entry], query: PageQuery, default_limit: int) -> ListPage[Entry]:
    """Page `entries` (already in the wanted order) the way the upstream pages its lists."""
    ids = [entry["id"] for entry in entries]
    start = _position(ids, query.after, "after") + 1 if query.after else 0
    end = _position(ids, query.before, "before") if query.before else len(ids)
    window = list(entries[start:end]) if start <= end else []
    limit = query.limit or default_limit
    if query.before is not None and query.after is None:
        data = window[max(0, len(window) - limit) :]
    else:
        data = window[:limit]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": len(window) > len(data),
    }


def _position(ids: list[str], cursor: str, name: str) -> int:
    try:
        return ids.index(cursor)
    except ValueError:
        raise InvalidRequest(
            f"Invalid '{name}': no object with that id in this list.",
            fields={name: "no object with that id in this list"},
        ) from None
