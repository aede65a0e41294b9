"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response


def _add_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def register_security_headers(app: Flask) -> None:
    app.after_request(_add_headers)
