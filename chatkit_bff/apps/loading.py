"""Read `CHATKIT_APPS_FILE` (TOML) into an `AppCatalog`, one clear line per problem."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from chatkit_bff.apps.catalog import DEFAULT_APP, SLUG, AppCatalog, ChatApp, StartPrompt
from chatkit_bff.csp_sources import is_valid_frame_ancestor
from chatkit_bff.errors import InvalidRequest
from chatkit_bff.policy.model import validate_overrides

_APP_KEYS = {
    "title",
    "workflow_id",
    "workflow_version",
    "embed_origins",
    "greeting",
    "prompts",
    "policy",
}
_PROMPT_KEYS = {"label", "prompt"}
MAX_TEXT = 500


def load_catalog(
    path: str | None,
    *,
    workflow_id: str | None,
    workflow_version: str | None,
    production: bool,
    problems: list[str],
) -> AppCatalog:
    """The apps of the file (plus an implicit `default` from the environment), or just `default`.

    Problems are appended to `problems`; the catalog returned then is only a placeholder.
    """
    fallback = AppCatalog.single(workflow_id or "wf_development", workflow_version)
    if not path:
        return fallback
    where = f"CHATKIT_APPS_FILE ({path})"
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        problems.append(f"{where} cannot be read: {error.strerror or error}")
        return fallback
    except tomllib.TOMLDecodeError as error:
        problems.append(f"{where} is not valid TOML: {error}")
        return fallback
    found: list[str] = []
    apps = _parse_document(document, production=production, problems=found)
    if DEFAULT_APP not in apps:
        if workflow_id:
            apps = {DEFAULT_APP: fallback.default, **apps}
        else:
            found.append(
                f"apps.{DEFAULT_APP} is missing: define it, or set CHATKIT_WORKFLOW_ID "
                "for the app of / and /api/chatkit/session"
            )
    else:
        apps = {DEFAULT_APP: apps[DEFAULT_APP], **apps}
    problems.extend(f"{where}: {problem}" for problem in found)
    if found:
        return fallback
    return AppCatalog(apps, source=path)


def _parse_document(
    document: Mapping[str, Any], *, production: bool, problems: list[str]
) -> dict[str, ChatApp]:
    for key in document:
        if key != "apps":
            problems.append(f"{key} is not a known key (only [apps.<slug>] tables)")
    tables = document.get("apps")
    if not isinstance(tables, dict) or not tables:
        problems.append("no apps: add at least one [apps.<slug>] table")
        return {}
    apps: dict[str, ChatApp] = {}
    for slug, table in tables.items():
        if not SLUG.fullmatch(slug):
            problems.append(
                f"apps.{slug!r} has a bad slug: use 1 to 40 of a-z, 0-9 and '-' (it is in URLs)"
            )
            continue
        if not isinstance(table, dict):
            problems.append(f"apps.{slug} must be a table")
            continue
        app = _parse_app(slug, table, production=production, problems=problems)
        if app is not None:
            apps[slug] = app
    return apps


def _parse_app(
    slug: str, table: Mapping[str, Any], *, production: bool, problems: list[str]
) -> ChatApp | None:
    before = len(problems)
    here = f"apps.{slug}"
    for key in table:
        if key not in _APP_KEYS:
            problems.append(f"{here}.{key} is not a known key ({', '.join(sorted(_APP_KEYS))})")
    workflow_id = table.get("workflow_id")
    if workflow_id is None:
        problems.append(f"{here}.workflow_id is required")
    elif not _text(workflow_id):
        problems.append(f"{here}.workflow_id must be a non-empty string")
    version = table.get("workflow_version")
    if version is not None and not _text(version):
        problems.append(f'{here}.workflow_version must be a non-empty string, e.g. "3"')
    title = table.get("title", slug)
    if not _text(title):
        problems.append(f"{here}.title must be a non-empty string")
    greeting = table.get("greeting")
    if greeting is not None and not _text(greeting):
        problems.append(f"{here}.greeting must be a non-empty string")
    origins = _origins(here, table.get("embed_origins", []), production, problems)
    prompts = _prompts(here, table.get("prompts", []), problems)
    policy = _policy(here, table.get("policy", {}), problems)
    if len(problems) > before:
        return None
    return ChatApp(
        slug=slug,
        title=str(title),
        workflow_id=str(workflow_id),
        workflow_version=version,
        embed_origins=origins,
        greeting=greeting,
        prompts=prompts,
        policy=policy,
    )


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= MAX_TEXT


def _origins(here: str, raw: Any, production: bool, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(raw, list):
        problems.append(f"{here}.embed_origins must be a list of origins")
        return ()
    origins: list[str] = []
    for value in raw:
        problem = origin_problem(value, production=production)
        if problem:
            problems.append(f"{here}.embed_origins has a bad origin {value!r}: {problem}")
        elif value.rstrip("/") not in origins:
            origins.append(value.rstrip("/"))
    return tuple(origins)


def origin_problem(value: Any, *, production: bool) -> str | None:
    """Why `value` is not an origin `scheme://host[:port]` fit for `frame-ancestors`, or None."""
    if not isinstance(value, str):
        return "must be a string"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("https", "http"):
        return "use https://host[:port]"
    if production and parts.scheme != "https":
        return "use https in production"
    if not parts.hostname or parts.username or parts.password:
        return "needs a host and nothing else"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "an origin has no path, query or fragment"
    if port == 0 or not is_valid_frame_ancestor(value.rstrip("/")) or "*" in value:
        return "not a valid origin"
    return None


def _prompts(here: str, raw: Any, problems: list[str]) -> tuple[StartPrompt, ...]:
    if not isinstance(raw, list):
        problems.append(f"{here}.prompts must be a list of {{ label, prompt }} tables")
        return ()
    prompts: list[StartPrompt] = []
    for index, item in enumerate(raw):
        path = f"{here}.prompts[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{path} must be a table {{ label = ..., prompt = ... }}")
            continue
        unknown = sorted(set(item) - _PROMPT_KEYS)
        if unknown:
            problems.append(f"{path}.{unknown[0]} is not a known key (label, prompt)")
        label, prompt = item.get("label"), item.get("prompt")
        if not _text(label) or not _text(prompt):
            problems.append(f"{path} needs a non-empty label and prompt")
            continue
        prompts.append(StartPrompt(str(label), str(prompt)))
    return tuple(prompts)


def _policy(here: str, raw: Any, problems: list[str]) -> dict[str, Any]:
    try:
        return validate_overrides(raw)
    except InvalidRequest as error:
        if not error.fields:
            problems.append(f"{here}.policy must be a table of policy fields")
        problems.extend(
            f"{here}.policy.{path} {message}" for path, message in sorted(error.fields.items())
        )
        return {}
