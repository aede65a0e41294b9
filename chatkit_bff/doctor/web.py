"""Web checks: SECRET_KEY, https behind the proxies, cookie flags, who may frame the pages,
and what the browser needs for ChatKit (the domain allowlist, the CSP sources)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from chatkit_bff.csp import CHATKIT_CDN, content_security_policy
from chatkit_bff.settings import Settings, is_weak_secret_key

from .report import Check, Verdict

CHATKIT_SCRIPT = f"{CHATKIT_CDN}/deployments/chatkit/chatkit.js"
_NEW_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


@dataclass(frozen=True)
class CookieFlags:
    name: str
    secure: bool
    http_only: bool
    same_site: str | None


@dataclass(frozen=True)
class SeenRequest:
    """How a request reached the app (the admin page's own request)."""

    scheme: str  # after the trusted proxies' X-Forwarded-Proto, if any
    host: str
    forwarded: bool  # it carried X-Forwarded-For or -Proto


def check_web(settings: Settings, cookie: CookieFlags, seen: SeenRequest | None) -> list[Check]:
    return [
        _secret_key(settings),
        _https(settings, seen),
        _cookies(settings, cookie),
        _frame_ancestors(settings),
    ]


def _secret_key(settings: Settings) -> Check:
    if settings.secret_key_generated:
        return Check(
            "web",
            "SECRET_KEY",
            "warn",
            "made up for this process: sign-ins end at every restart",
            "Set SECRET_KEY: " + _NEW_KEY,
        )
    if is_weak_secret_key(settings.secret_key):
        return Check(
            "web",
            "SECRET_KEY",
            "fail" if settings.is_production else "warn",
            "weak: shorter than 32 characters, repetitive or a placeholder",
            "Use 32+ random characters: " + _NEW_KEY,
        )
    return Check(
        "web", "SECRET_KEY", "ok", f"{len(settings.secret_key)} characters, not a placeholder"
    )


def _https(settings: Settings, seen: SeenRequest | None) -> Check:
    hops = settings.trusted_proxy_hops
    if seen is None:
        return Check(
            "web",
            "https",
            "info",
            f"TRUSTED_PROXY_HOPS={hops}; open /admin/setup through the proxy to check what "
            "the app sees",
        )
    if seen.forwarded and hops == 0:
        return Check(
            "web",
            "https",
            "fail" if settings.is_production else "warn",
            "this request came through a proxy (X-Forwarded-*), but TRUSTED_PROXY_HOPS=0: "
            "callback and sign-out URLs are built from the proxy's address",
            "Set TRUSTED_PROXY_HOPS to the number of proxies in front of the app.",
        )
    if settings.is_production and seen.scheme != "https":
        return Check(
            "web",
            "https",
            "fail",
            f"the app saw {seen.scheme}://{seen.host}: cookies are Secure and will not stick",
            "Serve over https and make the proxy send X-Forwarded-Proto; set TRUSTED_PROXY_HOPS.",
        )
    return Check("web", "https", "ok", f"the app sees {seen.scheme}://{seen.host} (hops={hops})")


def _cookies(settings: Settings, cookie: CookieFlags) -> Check:
    flags = [
        f"name {cookie.name}",
        "Secure" if cookie.secure else "not Secure",
        "HttpOnly" if cookie.http_only else "not HttpOnly",
        f"SameSite={cookie.same_site}",
    ]
    problems = []
    if not cookie.http_only:
        problems.append("HttpOnly")
    if settings.is_production and not (cookie.secure and cookie.name.startswith("__Host-")):
        problems.append("Secure and the __Host- prefix")
    if problems:
        return Check(
            "web",
            "cookies",
            "fail",
            ", ".join(flags),
            "The sign-in cookie needs " + " and ".join(problems) + " (APP_ENV=production).",
        )
    verdict: Verdict = "ok" if settings.is_production else "info"
    note = "" if settings.is_production else " (development: no Secure, no __Host- prefix)"
    return Check("web", "cookies", verdict, ", ".join(flags) + note)


def _frame_ancestors(settings: Settings) -> Check:
    sources = " ".join(settings.frame_ancestors)
    if sources in ("'self'", "'none'"):
        return Check("web", "FRAME_ANCESTORS", "ok", f"{sources}: no other site may embed the chat")
    if "https:" in settings.frame_ancestors or "*" in sources:
        return Check(
            "web",
            "FRAME_ANCESTORS",
            "warn",
            f"{sources}: any https site may embed the chat pages",
            "List only the origins that embed the chat.",
        )
    return Check("web", "FRAME_ANCESTORS", "ok", f"embeddable by {sources}")


def check_browser(settings: Settings, base_url: str | None) -> tuple[list[Check], dict[str, str]]:
    """What the browser needs: the domain on OpenAI's allowlist, the CSP that lets ChatKit in."""
    domain = urlsplit(base_url).hostname if base_url else None
    policy = content_security_policy(settings)
    checks = [
        Check(
            "browser",
            "domain allowlist",
            "info",
            f"add {domain} to the ChatKit domain allowlist in the OpenAI dashboard"
            if domain
            else "add this app's domain to the ChatKit domain allowlist in the OpenAI dashboard",
        ),
        Check("browser", "Content-Security-Policy", "info", policy),
        Check(
            "browser",
            "ChatKit script",
            "info",
            f"open {CHATKIT_SCRIPT} from a user's network: it must load (no proxy or "
            "extension blocking the CDN)",
        ),
    ]
    register = {"OpenAI domain allowlist": domain} if domain else {}
    return checks, register
