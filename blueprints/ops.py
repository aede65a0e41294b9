"""Operations: Prometheus metrics behind a bearer token, and the setup doctor (CLI and page)."""

from __future__ import annotations

import hmac
import json
import sys

import click
from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue

from chatkit_bff.doctor.report import Report
from chatkit_bff.doctor.run import diagnose
from chatkit_bff.doctor.web import CookieFlags, SeenRequest
from chatkit_bff.observability.metrics import exposition

from ._context import admin_required, services

bp = Blueprint("ops", __name__, cli_group=None)


def _bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    """Prometheus exposition; without METRICS_TOKEN, or without the right one, it is not here."""
    expected = services().settings.metrics_token
    if not expected or not hmac.compare_digest(_bearer_token().encode(), expected.encode()):
        abort(404)
    body, content_type = exposition()
    return Response(body, content_type=content_type)


# --- the setup doctor: `flask --app app doctor [--json]` and /admin/setup ------------------


def _cookie_flags() -> CookieFlags:
    config = current_app.config
    return CookieFlags(
        name=str(config["SESSION_COOKIE_NAME"]),
        secure=bool(config["SESSION_COOKIE_SECURE"]),
        http_only=bool(config["SESSION_COOKIE_HTTPONLY"]),
        same_site=config.get("SESSION_COOKIE_SAMESITE"),
    )


def _report(base_url: str | None, seen: SeenRequest | None) -> Report:
    svc = services()
    return diagnose(svc.settings, svc.redis, cookie=_cookie_flags(), base_url=base_url, seen=seen)


@bp.cli.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of lines.")
@click.option(
    "--base-url", default=None, help="The public https URL of this app, for the URLs to register."
)
def doctor(as_json: bool, base_url: str | None) -> None:
    """Check ChatKit, Redis, the provider and the web settings; exit 1 if anything fails."""
    report = _report(base_url, None)
    click.echo(json.dumps(report.to_json(), indent=2) if as_json else report.to_text())
    sys.exit(0 if report.ok else 1)


def _seen_request() -> SeenRequest:
    forwarded = any(
        name in request.headers for name in ("X-Forwarded-For", "X-Forwarded-Proto", "Forwarded")
    )
    return SeenRequest(scheme=request.scheme, host=request.host, forwarded=forwarded)


@bp.get("/admin/setup")
@admin_required
def setup_page() -> ResponseReturnValue:
    report = _report(request.host_url, _seen_request())
    return render_template("admin/setup.html", report=report)


@bp.get("/admin/api/setup")
@admin_required
def setup_report() -> ResponseReturnValue:
    return jsonify(_report(request.host_url, _seen_request()).to_json())
