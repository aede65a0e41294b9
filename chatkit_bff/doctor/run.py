"""Run every check of the setup doctor into one report (the CLI and /admin/setup share it)."""

from __future__ import annotations

import redis

from chatkit_bff.settings import Settings

from .chatkit import check_chatkit, probe_client
from .provider import check_provider, urls_to_register
from .redis_checks import check_redis
from .report import Report
from .web import CookieFlags, SeenRequest, check_browser, check_web

#: Shown in the URLs to register when the doctor does not know the public address.
PLACEHOLDER_BASE = "https://<your host>"


def diagnose(
    settings: Settings,
    redis_client: redis.Redis,
    *,
    cookie: CookieFlags,
    base_url: str | None = None,
    seen: SeenRequest | None = None,
) -> Report:
    """Every check, in the order a first-day deployment fails them."""
    report = Report()
    with probe_client(settings) as client:
        report.checks += check_chatkit(settings, client)
    report.checks += check_redis(redis_client, settings.redis_url)
    report.checks += check_provider(settings)
    report.checks += check_web(settings, cookie, seen)
    browser, allowlist = check_browser(settings, base_url)
    report.checks += browser
    if not settings.dev_login:
        report.register.update(urls_to_register(base_url or PLACEHOLDER_BASE))
    report.register.update(allowlist)
    return report
