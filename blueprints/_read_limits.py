"""Per-user limits on heavy reads (history lists, transcripts, item pages, exports).

Each signed-in user has one history budget shared by every history route and one export budget,
both from their policy, so one user cannot spend the upstream quota every user shares. A page
of more than 100 items costs one unit per 100 (what it costs upstream).
"""

from __future__ import annotations

import math

from flask import request

from chatkit_bff.policy.model import BUILT_IN
from chatkit_bff.query_params import ascii_int
from chatkit_bff.threads.params import UPSTREAM_MAX_LIMIT

from ._context import current_identity, current_policy
from ._extensions import limiter

HISTORY_SCOPE = "history"
EXPORT_SCOPE = "export"


def _signed_out() -> bool:
    return current_identity() is None


def _user_key() -> str:
    identity = current_identity()
    return "user:" + (identity.user_id if identity else "-")


def _history_limit() -> str:
    if _signed_out():
        return f"{BUILT_IN['history_requests_per_minute']}/minute"
    return f"{current_policy().history_requests_per_minute}/minute"


def _export_limit() -> str:
    if _signed_out():
        return f"{BUILT_IN['exports_per_hour']}/hour"
    return f"{current_policy().exports_per_hour}/hour"


def _history_cost() -> int:
    """Upstream pages this request may read: one per 100 items asked for."""
    value = ascii_int(request.args.get("limit", ""))
    if value is None or value <= UPSTREAM_MAX_LIMIT:
        return 1
    return math.ceil(min(value, 100_000) / UPSTREAM_MAX_LIMIT)


history_limit = limiter.shared_limit(
    _history_limit,
    scope=HISTORY_SCOPE,
    key_func=_user_key,
    exempt_when=_signed_out,
    cost=_history_cost,
)
export_limit = limiter.shared_limit(
    _export_limit, scope=EXPORT_SCOPE, key_func=_user_key, exempt_when=_signed_out
)
