"""Query parameters of the thread endpoints, checked before anything reaches the upstream."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

from chatkit_bff.query_params import invalid, parse_optional_limit, parse_pattern

Order = Literal["asc", "desc"]

THREAD_ID_PATTERN = re.compile(r"cthr_[A-Za-z0-9_-]{1,128}")
# Cursors are thread or item ids; keep them to the characters an id can hold.
CURSOR_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,199}")
UPSTREAM_MAX_LIMIT = 100


@dataclass(frozen=True)
class PageQuery:
    """One page of a cursor list: None leaves the upstream default."""

    limit: int | None = None
    order: Order | None = None
    after: str | None = None
    before: str | None = None

    @property
    def has_cursor(self) -> bool:
        return self.after is not None or self.before is not None


def check_thread_id(value: str) -> str:
    """The thread id if it has the shape of one, else a 400 naming `thread_id`."""
    if not THREAD_ID_PATTERN.fullmatch(value):
        raise invalid("thread_id", "must look like cthr_ followed by letters, digits, _ or -")
    return value


def _limit(raw: str | None, maximum: int, default: int | None) -> int | None:
    value = parse_optional_limit(raw, maximum=maximum)
    return default if value is None else value


def _order(raw: str | None, default: Order | None) -> Order | None:
    if raw is None or raw == "":
        return default
    if raw not in ("asc", "desc"):
        raise invalid("order", "must be asc or desc")
    return cast(Order, raw)


def _cursor(args: Mapping[str, str], name: str) -> str | None:
    return parse_pattern(
        args.get(name), CURSOR_PATTERN, name=name, problem="must be the id of a thread or item"
    )


def parse_page_query(
    args: Mapping[str, str],
    *,
    max_limit: int = UPSTREAM_MAX_LIMIT,
    default_limit: int | None = None,
    default_order: Order | None = None,
) -> PageQuery:
    """`limit`, `order`, `after` and `before` of a query string, or a 400 naming the bad one."""
    return PageQuery(
        limit=_limit(args.get("limit"), max_limit, default_limit),
        order=_order(args.get("order"), default_order),
        after=_cursor(args, "after"),
        before=_cursor(args, "before"),
    )
