"""The emulator's own control API under ``/_emulator`` (no auth; never exposed by the BFF)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from .demo import demo_threads
from .fields import as_integer, as_object, as_string, invalid_type, reject_unknown, required
from .state import emulator_state
from .validation import parse_json_body

control = Blueprint("emulator_control", __name__, url_prefix="/_emulator")


@control.post("/reset")
def reset() -> Response:
    """Forget sessions, threads, logged requests, faults and clock shifts."""
    emulator_state().reset()
    return jsonify({"reset": True})


@control.post("/threads")
def create_thread() -> Response:
    """Body ``{"user", "title"?, "status"?, "created_at"?, "id"?, "items"?}``.

    Answers the created ChatKitThread (its id included).
    """
    body = parse_json_body(request.get_data())
    return jsonify(emulator_state().store.seed_threads([body], path="")[0])


@control.post("/threads/<thread_id>/items")
def add_items(thread_id: str) -> Response:
    """Body ``{"items": [...]}``; answers ``{"items": [...]}`` as stored."""
    fields = _object_body(("items",))
    raw_items = required(fields, "items", "")
    if not isinstance(raw_items, list):
        raise invalid_type(raw_items, "items", "an array")
    return jsonify({"items": emulator_state().store.add_items(thread_id, raw_items)})


@control.post("/seed")
def seed() -> Response:
    """Body ``{"threads": [...]}`` as in a seed file; answers ``{"threads": [...]}``."""
    return jsonify({"threads": seed_from(parse_json_body(request.get_data()))})


@control.post("/demo")
def demo() -> Response:
    """Body ``{"user", "display_name"?}``: seed the demo conversations for that user.

    Answers ``{"threads": [...]}`` as seeded, oldest first; the assistant greets the user by
    the first word of ``display_name``.
    """
    fields = _object_body(("user", "display_name"))
    user = as_string(required(fields, "user", ""), "user", min_length=1)
    display_name = as_string(fields.get("display_name", ""), "display_name")
    threads: list[object] = [*demo_threads(user, display_name, now=emulator_state().clock.now())]
    return jsonify({"threads": emulator_state().store.seed_threads(threads)})


@control.get("/sessions")
def sessions() -> Response:
    """``{"sessions": [...]}``: every session as ChatSession JSON, with its current status and
    the ``client_request_id`` (``X-Client-Request-Id``) it was created with."""
    return jsonify({"sessions": emulator_state().store.sessions()})


@control.get("/requests")
def requests_made() -> Response:
    """``{"requests": [...]}``: emulated-API calls in order, Authorization redacted."""
    return jsonify({"requests": emulator_state().requests.entries()})


@control.delete("/requests")
def clear_requests() -> Response:
    emulator_state().requests.clear()
    return jsonify({"requests": []})


@control.get("/faults")
def faults() -> Response:
    return jsonify(emulator_state().faults.describe())


@control.put("/faults")
def configure_faults() -> Response:
    """Body ``{"latency_ms"?, "error_rate"?, "error_status"?, "scripted"?: [...]}``."""
    return jsonify(emulator_state().faults.configure(parse_json_body(request.get_data())))


@control.get("/clock")
def clock() -> Response:
    return jsonify(_clock_json())


@control.put("/clock")
def shift_clock() -> Response:
    """Body ``{"offset_seconds": N}``: "now" becomes the real time plus N seconds."""
    fields = _object_body(("offset_seconds",))
    offset = as_integer(required(fields, "offset_seconds", ""), "offset_seconds")
    emulator_state().clock.offset_seconds = offset
    return jsonify(_clock_json())


def seed_from(body: object) -> list[Any]:
    fields = as_object(body, "")
    reject_unknown(fields, "", ("threads",))
    raw_threads = fields.get("threads", [])
    if not isinstance(raw_threads, list):
        raise invalid_type(raw_threads, "threads", "an array")
    return list(emulator_state().store.seed_threads(raw_threads))


def _object_body(known: tuple[str, ...]) -> dict[str, object]:
    fields = as_object(parse_json_body(request.get_data()), "")
    reject_unknown(fields, "", known)
    return fields


def _clock_json() -> dict[str, int]:
    clock = emulator_state().clock
    return {"offset_seconds": clock.offset_seconds, "now": clock.now()}
