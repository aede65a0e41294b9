"""The Flask extension instances (limiter, CSRF), created unbound and bound in `create_app`."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from blueprints._csrf import RememberingCSRFProtect

# No X-RateLimit headers: they cost a second Redis round trip on every limited request.
# A refusal still says when to retry (Retry-After), computed only when it happens.
limiter = Limiter(key_func=get_remote_address, headers_enabled=False)
csrf = RememberingCSRFProtect()
