"""The published OpenAPI document is valid 3.1 and matches the app's JSON routes both ways."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from openapi_spec_validator import validate

from blueprints.docs import METHODS

JSON_PREFIXES = ("/api/", "/admin/api/")
PROBES = {"/healthz", "/readyz"}
# HTML pages under /api (the reference page renders the document for people).
NOT_JSON = {"/api/docs"}


def _documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in METHODS
        if method in item
    }


def _routed(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        if not (path.startswith(JSON_PREFIXES) or path in PROBES) or path in NOT_JSON:
            continue
        for method in rule.methods or ():
            if method.lower() in METHODS:
                routes.add((method, path))
    return routes


@pytest.fixture
def document(client: Any) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    return body


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_json_route_is_documented(app: Flask, document: dict[str, Any]) -> None:
    missing = _routed(app) - _documented(document)
    assert not missing, f"document these routes in blueprints/openapi.yaml: {sorted(missing)}"


def test_every_documented_operation_has_a_route(app: Flask, document: dict[str, Any]) -> None:
    stale = _documented(document) - _routed(app)
    assert not stale, f"blueprints/openapi.yaml documents routes that do not exist: {sorted(stale)}"


def test_operation_ids_are_unique(document: dict[str, Any]) -> None:
    ids = [
        item[method]["operationId"]
        for item in document["paths"].values()
        for method in METHODS
        if method in item
    ]
    assert len(ids) == len(set(ids))


def test_the_reference_page_lists_every_operation_without_signing_in(
    client: Any, document: dict[str, Any]
) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for method, path in _documented(document):
        assert f"{method} {path}" in html
