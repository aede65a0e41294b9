"""The emulated hosted API under ``/v1``: two session and four thread operations."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .errors import not_found
from .state import emulator_state
from .validation import parse_json_body, validate_create_session, validate_list_query

api = Blueprint("chatkit_api", __name__, url_prefix="/v1/chatkit")


@api.post("/sessions")
def create_session() -> Response:
    body = parse_json_body(request.get_data())
    state = emulator_state()
    session_request = validate_create_session(body)
    known = state.config.workflows
    if known and session_request.workflow["id"] not in known:
        raise not_found(f"Workflow with id '{session_request.workflow['id']}' not found.")
    client_request_id = request.headers.get("X-Client-Request-Id")
    return jsonify(state.store.create_session(session_request, client_request_id))


@api.post("/sessions/<session_id>/cancel")
def cancel_session(session_id: str) -> Response:
    return jsonify(emulator_state().store.cancel_session(session_id))


@api.get("/threads")
def list_threads() -> Response:
    query = validate_list_query(request.args.to_dict(), accepts_user=True)
    return jsonify(emulator_state().store.list_threads(query))


@api.get("/threads/<thread_id>")
def retrieve_thread(thread_id: str) -> Response:
    return jsonify(emulator_state().store.retrieve_thread(thread_id))


@api.delete("/threads/<thread_id>")
def delete_thread(thread_id: str) -> Response:
    return jsonify(emulator_state().store.delete_thread(thread_id))


@api.get("/threads/<thread_id>/items")
def list_items(thread_id: str) -> Response:
    query = validate_list_query(request.args.to_dict(), accepts_user=False)
    return jsonify(emulator_state().store.list_items(thread_id, query))
