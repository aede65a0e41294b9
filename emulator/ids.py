"""Identifiers and client secrets shaped like the hosted API's."""

from __future__ import annotations

import base64
import json
import secrets

SESSION_PREFIX = "cksess_"
THREAD_PREFIX = "cthr_"
ITEM_PREFIX = "cthi_"
ATTACHMENT_PREFIX = "atc_"
TOOL_CALL_PREFIX = "call_"


def new_id(prefix: str) -> str:
    """``prefix`` followed by 48 lowercase hex characters, like ``cksess_68eda5...``."""
    return prefix + secrets.token_hex(24)


def new_client_secret(expires_at: int) -> str:
    """``ek_<48 hex>_00<base64 of {"expires_at": N}>``, as the hosted API issues them."""
    claims = json.dumps({"expires_at": expires_at}).encode()
    return f"ek_{secrets.token_hex(24)}_00{base64.b64encode(claims).decode()}"
