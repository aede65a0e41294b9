"""Errors raised by the ChatKit client, one class per kind of upstream failure."""

from __future__ import annotations


class UpstreamError(Exception):
    """A failed call to the ChatKit API; its text never holds a key or a client secret."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        type: str | None = None,  # named as the API names the error field
        param: str | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.param = param
        self.code = code
        self.retry_after = retry_after

    def __str__(self) -> str:
        details = [
            f"{name}={value}"
            for name, value in (
                ("type", self.type),
                ("param", self.param),
                ("code", self.code),
                ("retry_after", self.retry_after),
            )
            if value is not None
        ]
        prefix = f"HTTP {self.status}: " if self.status is not None else ""
        suffix = f" [{', '.join(details)}]" if details else ""
        return f"{prefix}{self.message}{suffix}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class BadRequestError(UpstreamError):
    """400: the request was invalid; `param` names the offending field."""


class AuthenticationError(UpstreamError):
    """401: the API key was missing or rejected."""


class PermissionDeniedError(UpstreamError):
    """403: the key may not do this."""


class NotFoundError(UpstreamError):
    """404: no such session, thread or workflow."""


class InvalidIdentifierError(NotFoundError):
    """An id that no upstream object can have; refused before any request is sent."""


class UnprocessableEntityError(UpstreamError):
    """422: the request was well-formed but could not be processed."""


class RateLimitError(UpstreamError):
    """429: too many requests; `retry_after` says how long the upstream asked us to wait."""


class InternalServerError(UpstreamError):
    """5xx: the upstream failed."""


class UpstreamTimeout(UpstreamError):
    """The upstream did not connect or answer within the configured timeout."""


class UpstreamConnectionError(UpstreamError):
    """The upstream could not be reached, or dropped the connection."""


class UpstreamProtocolError(UpstreamError):
    """The upstream answered with something that is not the documented shape."""


_ERROR_BY_STATUS: dict[int, type[UpstreamError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[UpstreamError]:
    """The error class the SDKs use for an HTTP status."""
    if status >= 500:
        return InternalServerError
    return _ERROR_BY_STATUS.get(status, UpstreamError)
