"""Pages of items rendered in a helper thread while the request thread fetches the next page.

A long transcript arrives as several upstream pages, one call after another. Rendering a page
as soon as it arrives, while the next call waits on the network, takes most of the rendering
off the time the reader waits: the last page is all that is left to render at the end.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

from markupsafe import Markup

from chatkit_bff.rendering.transcript import render_items


class RenderAhead:
    """Items given page by page, rendered in order by one helper thread; `html()` joins them.

    Rendering is pure (no request, no I/O), so it needs nothing from the request's thread.
    Use it as a context manager: leaving the block stops the helper thread.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-ahead")
        self._pages: deque[Future[Markup]] = deque()

    def add(self, items: Sequence[Mapping[str, Any]], earlier: bool = False) -> None:
        """Start rendering `items`; `earlier` when they come before the pages given so far."""
        page = self._pool.submit(render_items, items)
        if earlier:
            self._pages.appendleft(page)
        else:
            self._pages.append(page)

    def html(self) -> Markup:
        """Every page given, in order, once rendered (a rendering error is raised here)."""
        return Markup("").join(page.result() for page in self._pages)

    def __enter__(self) -> RenderAhead:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._pool.shutdown(wait=error is None, cancel_futures=True)
