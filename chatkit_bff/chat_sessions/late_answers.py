"""Session creates that outlive their request: the caller gets a 503 at the deadline, while the
upstream's answer is still read for a while, so a session made after all is known and cancelled.

The upstream has no way to list sessions or to look one up by our request id, so a create whose
answer is lost for good stays "maybe created" in the ledger (keyed by the `X-Client-Request-Id`
we sent) until the session it may have made would have expired. Its client secret never left
the upstream, so nobody can use it.
"""

from __future__ import annotations

import contextvars
import logging
import secrets
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import partial

import redis

from chatkit_bff.chat_sessions.ledger import MintLedger, MintRecord
from chatkit_bff.upstream import (
    ChatKitClient,
    ChatSession,
    SessionCreateParams,
    UpstreamConnectionError,
    UpstreamError,
    UpstreamTimeout,
)

log = logging.getLogger(__name__)

# How long after the request gave up an answer is still read (and its session acted on).
LATE_ANSWER_SECONDS = 60.0


def new_request_id() -> str:
    return "bffreq_" + secrets.token_hex(16)


class SessionCreates:
    """Creates chat sessions on a small pool of threads, waiting `answer_wait` for each."""

    def __init__(
        self,
        client: ChatKitClient,
        ledger: MintLedger,
        *,
        answer_wait: float,
        workers: int,
        late_window: float = LATE_ANSWER_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._ledger = ledger
        self._answer_wait = answer_wait
        self._late_window = late_window
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chatkit-create")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def create(self, user_id: str, params: SessionCreateParams) -> ChatSession:
        """The new session, or `UpstreamTimeout` after `answer_wait` (the create goes on)."""
        request_id = new_request_id()
        started = self._clock()
        expires = params.get("expires_after")
        lifetime = float(expires["seconds"]) if expires else 600.0
        # The create runs in the caller's context (its trace span and request id go along).
        future = self._pool.submit(
            contextvars.copy_context().run,
            self._client.create_session,
            params,
            request_id=request_id,
            timeout=self._answer_wait + self._late_window,
        )
        try:
            return future.result(timeout=self._answer_wait)
        except FutureTimeout:
            if future.cancel():  # it never started: nothing was sent
                raise UpstreamTimeout("every session create of this process is busy") from None
            self._client.count_outage("create")  # slow is down, for the circuit breaker
            until = started + self._answer_wait + self._late_window + lifetime
            self._ledger.record_maybe_created(user_id, request_id, until)
            future.add_done_callback(partial(self._late_answer, user_id, request_id, started))
            log.warning("chat session create %s for user %s is late", request_id, user_id)
            raise UpstreamTimeout(
                f"the upstream did not answer within {self._answer_wait:g} s"
            ) from None
        except (UpstreamTimeout, UpstreamConnectionError):
            # Sent, perhaps, and the answer is lost: the session may exist until it expires.
            self._ledger.record_maybe_created(user_id, request_id, started + lifetime)
            raise

    def _late_answer(
        self, user_id: str, request_id: str, started: float, future: Future[ChatSession]
    ) -> None:
        try:
            session = future.result()
        except BaseException as exc:  # the answer is lost: it stays "maybe created"
            log.warning("late chat session create %s failed: %s", request_id, exc)
            return
        try:
            # Known first, then checked: a sign-out from now on finds it in the ledger, and one
            # that came earlier is seen by `ended_since`.
            self._ledger.record(
                MintRecord(session["id"], user_id, started, int(session["expires_at"]))
            )
            self._ledger.resolve_maybe_created(user_id, request_id)
            if self._ledger.ended_since(user_id, started):
                self._client.cancel_session(session["id"])
                log.info("cancelled late chat session %s of a signed-out user", session["id"])
            else:
                log.info("late chat session %s recorded for user %s", session["id"], user_id)
        except (UpstreamError, redis.RedisError, ValueError) as exc:
            log.warning("could not settle late chat session %s: %s", session["id"], exc)
