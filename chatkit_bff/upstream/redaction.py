"""Removes credentials from text that may reach logs or error messages."""

from __future__ import annotations

import re

REDACTED = "[redacted]"

# Client secrets (`ek_…`) and API keys (`sk-…`, possibly masked with `*`) as upstream writes them.
_CREDENTIAL_PATTERN = re.compile(r"\b(ek_|sk-)[A-Za-z0-9_*+/=-]{6,}")


def redact(text: str, *known_secrets: str) -> str:
    """`text` without the given secrets nor anything shaped like a key or client secret."""
    for secret in known_secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _CREDENTIAL_PATTERN.sub(lambda match: match.group(1) + REDACTED, text)
