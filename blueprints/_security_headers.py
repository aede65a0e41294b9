"""Security headers on every response (pages, API, errors, static files)."""

from __future__ import annotations

from flask import Flask, Response, g, request

from chatkit_bff.csp import security_headers
from chatkit_bff.settings import Settings

# Responses that carry who you are (pages, API answers) must not sit in shared or
# back-button caches; static files keep Flask's own caching headers.
_NO_STORE = "no-store"


def register_security_headers(app: Flask) -> None:
    settings: Settings = app.config["SETTINGS"]
    headers = dict(security_headers(settings))  # built once per app, not per request

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        # A page with its own framing rules (an app's embed page) brings its whole set.
        for name, value in g.get("security_headers", headers).items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", _NO_STORE)
        return response
