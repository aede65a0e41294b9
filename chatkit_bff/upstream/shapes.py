"""Checks that upstream success bodies have the documented shape before we trust them.

Problems are reported by field path only, never with the offending value, because values
can include a client secret.
Fields the API documents as nullable are filled with null when absent, so the typed
shapes in `models` hold. Thread items of a type this client does not know yet are passed
through after their common fields are checked; renderers should skip types they do not know.
In the same way, the kinds inside an item (a content part's, an attachment's, an annotation's
or a task's `type`, a tool call's `status`) and a thread's status type must be strings, but a
value the API adds later passes and is shown generically: a new kind of task must not make a
whole conversation unreadable. A session's status stays strict, since secrets depend on it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, NoReturn, TypeVar, cast

from .errors import UpstreamProtocolError
from .models import (
    ChatKitThread,
    ChatSession,
    ListPage,
    ThreadDeleted,
    ThreadItem,
)

Entry = TypeVar("Entry")

_SESSION_STATUSES = ("active", "expired", "cancelled")


def _fail(where: str, problem: str) -> NoReturn:
    raise UpstreamProtocolError(f"unexpected upstream response: {where} {problem}")


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(where, "is not a JSON object")
    return value


_INTEGER = "integer"
_NUMBER = "number"
_KIND_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    _INTEGER: int,
    _NUMBER: (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
}
_MISSING = object()


def _field(obj: dict[str, Any], key: str, where: str, kind: str, *, nullable: bool = False) -> Any:
    # Runs for every field of every item (tens of thousands per transcript): the path is
    # only put together when there is a problem to report.
    value = obj.get(key, _MISSING)
    if value is None and nullable:
        return None
    if value is _MISSING:
        if nullable:
            obj[key] = None
            return None
        _fail(f"{where}.{key}", "is missing")
    if not isinstance(value, _KIND_TYPES[kind]) or (
        isinstance(value, bool) and kind in (_INTEGER, _NUMBER)
    ):
        wanted = (
            f"a null or {kind}" if nullable else f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
        )
        _fail(f"{where}.{key}", f"is not {wanted}")
    return value


def _literal(obj: dict[str, Any], key: str, where: str, allowed: Collection[str]) -> str:
    value = _field(obj, key, where, "string")
    if value not in allowed:
        _fail(f"{where}.{key}", f"is not one of {', '.join(sorted(allowed))}")
    return cast(str, value)


def _kind(obj: dict[str, Any], key: str, where: str) -> str:
    """A discriminator the API may add values to: any string (see the module docstring)."""
    return cast(str, _field(obj, key, where, "string"))


def _list_of_objects(obj: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    values: list[Any] = _field(obj, key, where, "array")
    for index, value in enumerate(values):
        if not isinstance(value, dict):
            _fail(f"{where}.{key}[{index}]", "is not a JSON object")
    return values


def _enabled_flag(obj: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    section = _object(_field(obj, key, where, "object"), f"{where}.{key}")
    _field(section, "enabled", f"{where}.{key}", "boolean")
    return section


def chat_session(body: Any) -> ChatSession:
    where = "session"
    obj = _object(body, where)
    _literal(obj, "object", where, ("chatkit.session",))
    for key in ("id", "client_secret", "user"):
        _field(obj, key, where, "string")
    _field(obj, "expires_at", where, "integer")
    _field(obj, "max_requests_per_1_minute", where, "integer")
    _literal(obj, "status", where, _SESSION_STATUSES)
    limits = _object(_field(obj, "rate_limits", where, "object"), f"{where}.rate_limits")
    _field(limits, "max_requests_per_1_minute", f"{where}.rate_limits", "integer")

    workflow = _object(_field(obj, "workflow", where, "object"), f"{where}.workflow")
    _field(workflow, "id", f"{where}.workflow", "string")
    _field(workflow, "version", f"{where}.workflow", "string", nullable=True)
    _field(workflow, "state_variables", f"{where}.workflow", "object", nullable=True)
    _enabled_flag(workflow, "tracing", f"{where}.workflow")

    config_where = f"{where}.chatkit_configuration"
    config = _object(_field(obj, "chatkit_configuration", where, "object"), config_where)
    _enabled_flag(config, "automatic_thread_titling", config_where)
    upload = _enabled_flag(config, "file_upload", config_where)
    _field(upload, "max_file_size", f"{config_where}.file_upload", "integer", nullable=True)
    _field(upload, "max_files", f"{config_where}.file_upload", "integer", nullable=True)
    history = _enabled_flag(config, "history", config_where)
    _field(history, "recent_threads", f"{config_where}.history", "integer", nullable=True)
    return cast(ChatSession, obj)


def chatkit_thread(body: Any, where: str = "thread") -> ChatKitThread:
    obj = _object(body, where)
    _literal(obj, "object", where, ("chatkit.thread",))
    _field(obj, "id", where, "string")
    _field(obj, "user", where, "string")
    _field(obj, "created_at", where, "integer")
    _field(obj, "title", where, "string", nullable=True)
    status = _object(_field(obj, "status", where, "object"), f"{where}.status")
    if _kind(status, "type", f"{where}.status") != "active":
        _field(status, "reason", f"{where}.status", "string", nullable=True)
    return cast(ChatKitThread, obj)


def thread_deleted(body: Any) -> ThreadDeleted:
    where = "deleted thread"
    obj = _object(body, where)
    _literal(obj, "object", where, ("chatkit.thread.deleted",))
    _field(obj, "id", where, "string")
    _field(obj, "deleted", where, "boolean")
    return cast(ThreadDeleted, obj)


def _user_message(obj: dict[str, Any], where: str) -> None:
    for index, part in enumerate(_list_of_objects(obj, "content", where)):
        part_where = f"{where}.content[{index}]"
        _kind(part, "type", part_where)
        _field(part, "text", part_where, "string")
    if "attachments" not in obj:
        obj["attachments"] = []
    for index, attachment in enumerate(_list_of_objects(obj, "attachments", where)):
        attachment_where = f"{where}.attachments[{index}]"
        _kind(attachment, "type", attachment_where)
        for key in ("id", "name", "mime_type"):
            _field(attachment, key, attachment_where, "string")
        _field(attachment, "preview_url", attachment_where, "string", nullable=True)
    options = _field(obj, "inference_options", where, "object", nullable=True)
    if options is not None:
        _field(options, "model", f"{where}.inference_options", "string", nullable=True)
        _field(options, "tool_choice", f"{where}.inference_options", "object", nullable=True)


def _assistant_message(obj: dict[str, Any], where: str) -> None:
    for index, part in enumerate(_list_of_objects(obj, "content", where)):
        part_where = f"{where}.content[{index}]"
        _kind(part, "type", part_where)
        _field(part, "text", part_where, "string")
        if "annotations" not in part:
            part["annotations"] = []
        for number, annotation in enumerate(_list_of_objects(part, "annotations", part_where)):
            annotation_where = f"{part_where}.annotations[{number}]"
            _kind(annotation, "type", annotation_where)
            _field(annotation, "source", annotation_where, "object")


def _widget(obj: dict[str, Any], where: str) -> None:
    _field(obj, "widget", where, "string")


def _client_tool_call(obj: dict[str, Any], where: str) -> None:
    for key in ("call_id", "name", "arguments"):
        _field(obj, key, where, "string")
    _field(obj, "output", where, "string", nullable=True)
    _kind(obj, "status", where)


def _task_text(obj: dict[str, Any], where: str) -> None:
    _field(obj, "heading", where, "string", nullable=True)
    _field(obj, "summary", where, "string", nullable=True)


def _task(obj: dict[str, Any], where: str) -> None:
    _kind(obj, "task_type", where)
    _task_text(obj, where)


def _task_group(obj: dict[str, Any], where: str) -> None:
    for index, task in enumerate(_list_of_objects(obj, "tasks", where)):
        task_where = f"{where}.tasks[{index}]"
        _kind(task, "type", task_where)
        _task_text(task, task_where)


_ITEM_CHECKS: dict[str, Callable[[dict[str, Any], str], None]] = {
    "chatkit.user_message": _user_message,
    "chatkit.assistant_message": _assistant_message,
    "chatkit.widget": _widget,
    "chatkit.client_tool_call": _client_tool_call,
    "chatkit.task": _task,
    "chatkit.task_group": _task_group,
}


def thread_item(body: Any, where: str = "item") -> ThreadItem:
    obj = _object(body, where)
    _literal(obj, "object", where, ("chatkit.thread_item",))
    for key in ("id", "thread_id", "type"):
        _field(obj, key, where, "string")
    _field(obj, "created_at", where, "integer")
    check = _ITEM_CHECKS.get(obj["type"])
    if check is not None:
        check(obj, where)
    return cast(ThreadItem, obj)


def list_page(body: Any, entry: Callable[[Any, str], Entry]) -> ListPage[Entry]:
    where = "list"
    obj = _object(body, where)
    _literal(obj, "object", where, ("list",))
    data = _field(obj, "data", where, "array")
    obj["data"] = [entry(value, f"{where}.data[{index}]") for index, value in enumerate(data)]
    _field(obj, "first_id", where, "string", nullable=True)
    _field(obj, "last_id", where, "string", nullable=True)
    _field(obj, "has_more", where, "boolean")
    return cast(ListPage[Entry], obj)
