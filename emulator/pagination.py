"""Cursor pagination as the hosted list endpoints do it (``after``/``before`` are ids)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from .errors import invalid_request
from .validation import ListQuery

_Record = TypeVar("_Record")


def paginate(
    oldest_first: Sequence[_Record], id_of: Callable[[_Record], str], query: ListQuery
) -> tuple[list[_Record], bool]:
    """The page of ``query`` and whether more records lie beyond it, away from the cursor.

    ``after=X`` gives the records following X in the requested order; ``before=X`` the
    ``limit`` records right before X (still in the requested order). An id that is not in
    the list is a 400 naming the cursor parameter.
    """
    ordered = list(oldest_first) if query.order == "asc" else list(reversed(oldest_first))
    ids = [id_of(record) for record in ordered]
    start = _index_after(ids, query.after, "after") if query.after else 0
    end = _index_of(ids, query.before, "before") if query.before else len(ordered)
    window = ordered[start:end] if start <= end else []
    if query.before and not query.after:
        page = window[max(0, len(window) - query.limit) :]
        return page, len(window) > len(page)
    page = window[: query.limit]
    return page, len(window) > len(page)


def _index_after(ids: list[str], cursor: str, param: str) -> int:
    return _index_of(ids, cursor, param) + 1


def _index_of(ids: list[str], cursor: str, param: str) -> int:
    try:
        return ids.index(cursor)
    except ValueError:
        raise invalid_request(
            f"Invalid '{param}': no object with id '{cursor}' in this list.",
            param=param,
            code="invalid_value",
        ) from None
