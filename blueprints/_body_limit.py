"""MAX_CONTENT_LENGTH for bodies sent without a length (``Transfer-Encoding: chunked``).

werkzeug refuses a declared Content-Length over the limit with a 413, but cuts an undeclared
one at the limit without a word, so a JSON body would fail as "not valid JSON" and a form
would lose its last fields. Such a body is read here first (at most the limit, which later
parsing reuses) and refused as too large when it reaches the limit.
"""

from __future__ import annotations

from flask import Flask, request

from chatkit_bff.json_input import too_large


def _refuse_cut_bodies() -> None:
    limit = request.max_content_length
    if request.content_length is not None or limit is None:
        return
    if not request.environ.get("wsgi.input_terminated"):
        return  # no length and no chunked framing: WSGI gives no body at all
    if len(request.get_data(cache=True)) >= limit:
        raise too_large(max_bytes=limit)


def install_body_limit(app: Flask) -> None:
    """Register the check; call before anything that reads the body (CSRF, forms)."""
    app.before_request(_refuse_cut_bodies)
