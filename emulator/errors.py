"""The hosted API's error shape: ``{"error": {"message", "type", "param", "code"}}``."""

from __future__ import annotations

from typing import TypedDict

_TYPE_BY_STATUS = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    409: "invalid_request_error",
    422: "invalid_request_error",
    429: "requests",
}

_DEFAULT_BY_STATUS: dict[int, tuple[str, str | None]] = {
    400: ("Invalid request.", None),
    401: ("Incorrect API key provided.", "invalid_api_key"),
    403: ("You are not allowed to perform this request.", None),
    404: ("Not found.", None),
    409: ("The request conflicts with the current state of the resource.", None),
    422: ("The request could not be processed.", None),
    429: ("Rate limit reached for requests. Please try again later.", "rate_limit_exceeded"),
}


class ErrorDetail(TypedDict):
    message: str
    type: str
    param: str | None
    code: str | None


class ErrorBody(TypedDict):
    error: ErrorDetail


class ApiError(Exception):
    """Raised anywhere below a route; rendered in the upstream error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        error_type: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.error_type = error_type or error_type_for(status)

    def body(self) -> ErrorBody:
        return {
            "error": {
                "message": self.message,
                "type": self.error_type,
                "param": self.param,
                "code": self.code,
            }
        }


def error_type_for(status: int) -> str:
    return _TYPE_BY_STATUS.get(status, "server_error" if status >= 500 else "invalid_request_error")


def canned_error(status: int) -> ApiError:
    """The error a failing upstream answers with for ``status`` (used by injected faults)."""
    if status in _DEFAULT_BY_STATUS:
        message, code = _DEFAULT_BY_STATUS[status]
    elif status >= 500:
        message, code = (
            "The server had an error while processing your request. Sorry about that!",
            None,
        )
    else:
        message, code = ("The request failed.", None)
    return ApiError(status, message, code=code)


def invalid_request(message: str, *, param: str | None, code: str | None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)
