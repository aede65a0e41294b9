"""flask-wtf's CSRF check, verifying each token's signature once per process.

A CSRF token is a signed copy of a random value kept in the session. With
WTF_CSRF_TIME_LIMIT=None (set in app.py) a token never expires on its own, so checking its
signature is a pure function of the secret key and the token: it gives back the value the token
was signed from. That check (HMAC, base64 and JSON, some 60 µs inside a request) was most of a
cached mint's own cost. Here its result is remembered for valid tokens only (an invalid one
raises, and lru_cache keeps nothing of a call that raised). The comparison with this session's
value is made on every call, so a token still works only with the session it was made for.
"""

from __future__ import annotations

import functools
import hmac
import logging

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect, ValidationError, same_origin
from itsdangerous import BadData, URLSafeTimedSerializer

from ._request import FORM_TYPES

# flask-wtf's own logger, so its lines about refused tokens stay where they were.
log = logging.getLogger("flask_wtf.csrf")

#: Distinct valid tokens remembered: a signed-in browser holds a few (one per page it loaded).
REMEMBERED_TOKENS = 4096


@functools.lru_cache(maxsize=REMEMBERED_TOKENS)
def _signed_value(secret_key: str | bytes, token: str) -> object:
    """The value `token` was signed from; BadData when its signature does not check out."""
    return URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token").loads(token)


def validate_token(token: str | None) -> None:
    """flask_wtf.csrf.validate_csrf for tokens without a time limit, with the same messages."""
    config = current_app.config
    secret_key = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    if not secret_key:
        raise RuntimeError("A secret key is required to use CSRF.")
    field_name = config["WTF_CSRF_FIELD_NAME"]
    if not token:
        raise ValidationError("The CSRF token is missing.")
    if field_name not in session:
        raise ValidationError("The CSRF session token is missing.")
    try:
        signed = _signed_value(secret_key, token)
    except BadData as error:
        raise ValidationError("The CSRF token is invalid.") from error
    if not isinstance(signed, str) or not hmac.compare_digest(session[field_name], signed):
        raise ValidationError("The CSRF tokens do not match.")


class RememberingCSRFProtect(CSRFProtect):  # type: ignore[misc]  # flask-wtf is untyped
    """CSRFProtect whose `protect` is flask-wtf 1.3's, step for step, with `validate_token`.

    Tokens with a time limit are left to flask-wtf: their check depends on the clock.
    """

    def _get_csrf_token(self) -> str | None:
        if request.mimetype in FORM_TYPES:
            return super()._get_csrf_token()  # type: ignore[no-any-return]
        # Only a form has form fields; werkzeug would still set up its form machinery to find
        # none in a JSON body (some 20 µs of every JSON call). The headers, as flask-wtf reads
        # them:
        for header_name in current_app.config["WTF_CSRF_HEADERS"]:
            token = request.headers.get(header_name)
            if token:
                return token
        return None

    def protect(self, apply_exemptions: bool = False) -> None:
        if current_app.config["WTF_CSRF_TIME_LIMIT"] is not None:
            super().protect(apply_exemptions)
            return
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        try:
            validate_token(self._get_csrf_token())
        except ValidationError as error:
            log.info(error.args[0])
            self._error_response(error.args[0])
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True
