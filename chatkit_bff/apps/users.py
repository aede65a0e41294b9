"""The upstream `user` of a signed-in person in one app: history never mixes across apps."""

from __future__ import annotations

import base64
import hashlib

from chatkit_bff.apps.catalog import ChatApp
from chatkit_bff.identity import Identity


def upstream_user(identity: Identity, app: ChatApp) -> str:
    """The default app keeps today's id (existing threads stay visible); other apps derive theirs.

    Derived from issuer, `sub` and the slug: stable across sign-ins and instances, opaque, and
    different per app, so a thread of one app is "not found" under another.
    """
    if app.is_default:
        return identity.user_id
    material = f"{identity.issuer}\n{identity.subject}\napp:{app.slug}"
    digest = hashlib.sha256(material.encode()).digest()
    return "u_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")
