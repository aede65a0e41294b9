"""The BFF's own exceptions: each knows the HTTP status and the message a person can act on."""

from __future__ import annotations

import math
from collections.abc import Mapping


class BffError(Exception):
    status = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        fields: Mapping[str, str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        self.retry_after = retry_after


class InvalidRequest(BffError):
    status = 400
    code = "invalid_request"


class PayloadTooLarge(BffError):
    status = 413
    code = "too_large"


class TooManyItems(BffError):
    """The request would read more upstream items than one request may."""

    status = 422
    code = "too_many_items"


class SignInRequired(BffError):
    status = 401
    code = "sign_in_required"


class Forbidden(BffError):
    status = 403
    code = "forbidden"


class NotFound(BffError):
    status = 404
    code = "not_found"


class RateLimited(BffError):
    """The caller used up one of its limits; `retry_after` says when it may try again."""

    status = 429
    code = "rate_limited"

    @classmethod
    def waiting(cls, limit: str, wait_seconds: float, window_seconds: int) -> RateLimited:
        """Refused under `limit` (e.g. "2 per 1 minute"), free again in about `wait_seconds`."""
        retry_after = min(max(math.ceil(wait_seconds), 1), window_seconds)
        return cls(
            f"Too many requests: at most {limit}. Try again in {retry_after} seconds.",
            retry_after=retry_after,
        )


class UpstreamFailed(BffError):
    """ChatKit answered, but not with something we can use."""

    status = 502
    code = "upstream_error"


class UpstreamUnavailable(BffError):
    """ChatKit could not be reached in time, or asked us to slow down."""

    status = 503
    code = "upstream_unavailable"


class StoreUnavailable(BffError):
    """Redis is down or too slow."""

    status = 503
    code = "store_unavailable"


class Busy(BffError):
    """Another request holds the work we wait for, and it did not finish in time."""

    status = 503
    code = "busy"
