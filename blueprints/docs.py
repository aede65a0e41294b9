"""The published contract: the OpenAPI 3.1 document and its reference page (public)."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue

from ._context import public

bp = Blueprint("docs", __name__, url_prefix="/api")

METHODS = ("get", "put", "post", "delete", "patch")


@cache
def openapi_document() -> dict[str, Any]:
    """The checked-in document (`blueprints/openapi.yaml`), parsed once per process."""
    text = files("blueprints").joinpath("openapi.yaml").read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation, in document order, with what the reference page shows of it."""
    rows = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "id": operation["operationId"],
                    "tag": (operation.get("tags") or ["other"])[0],
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [
                        _resolve(document, p) for p in [*shared, *operation.get("parameters", [])]
                    ],
                    "body": _body_schema(document, operation),
                    "responses": {
                        status: _resolve(document, answer).get("description", "")
                        for status, answer in operation["responses"].items()
                    },
                    "csrf": any("csrfHeader" in s for s in operation.get("security", [])),
                }
            )
    return rows


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _body_schema(document: dict[str, Any], operation: dict[str, Any]) -> str | None:
    body = operation.get("requestBody")
    if body is None:
        return None
    schema = body["content"]["application/json"]["schema"]
    return json.dumps(_resolve(document, schema), indent=2)


@bp.get("/openapi.json")
@public
def openapi_json() -> ResponseReturnValue:
    return jsonify(openapi_document())


@bp.get("/docs")
@public
def reference() -> ResponseReturnValue:
    document = openapi_document()
    return render_template(
        "docs/reference.html", info=document["info"], operations=_operations(document)
    )
