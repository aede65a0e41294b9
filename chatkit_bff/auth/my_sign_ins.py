"""The signed-in user's own sign-ins ("my sessions"): list them, end one or all the others."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from chatkit_bff.auth.devices import device_label
from chatkit_bff.auth.sign_ins import SignInRecord, SignInRegistry
from chatkit_bff.chat_sessions.broker import SessionBroker
from chatkit_bff.errors import NotFound


@dataclass(frozen=True)
class SignInView:
    id: str
    device: str
    #: Unix seconds, like every timestamp of the API.
    signed_in_at: int
    last_seen_at: int
    current: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _view(record: SignInRecord, current: str | None) -> SignInView:
    return SignInView(
        id=record.handle,
        device=device_label(record.user_agent),
        signed_in_at=int(record.signed_in_at),
        last_seen_at=max(int(record.last_seen_at), int(record.signed_in_at)),
        current=record.handle == current,
    )


def my_sign_ins(registry: SignInRegistry, user_id: str, current: str | None) -> list[SignInView]:
    """This device first, then the others by last activity."""
    views = [_view(r, current) for r in registry.sign_ins_of(user_id)]
    return sorted(views, key=lambda v: not v.current)


def _finish(registry: SignInRegistry, broker: SessionBroker, user_id: str) -> None:
    # The cached secret and the chat sessions belong to the user, not to one device: they go
    # only when no sign-in is left to use them.
    if not registry.sign_ins_of(user_id):
        broker.end_sessions(user_id)


def end_my_sign_in(
    registry: SignInRegistry, broker: SessionBroker, user_id: str, handle: str
) -> None:
    """End one of the user's sign-ins; another user's (or an unknown) handle is a 404."""
    record = next((r for r in registry.sign_ins_of(user_id) if r.handle == handle), None)
    if record is None:
        raise NotFound("No such sign-in.")
    registry.end(user_id, record)
    _finish(registry, broker, user_id)


def end_my_other_sign_ins(
    registry: SignInRegistry, broker: SessionBroker, user_id: str, current: str | None
) -> int:
    """End every sign-in of the user but this one; returns how many were ended."""
    others = [r for r in registry.sign_ins_of(user_id) if r.handle != current]
    for record in others:
        registry.end(user_id, record)
    _finish(registry, broker, user_id)
    return len(others)
