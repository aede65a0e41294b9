"""A browser-like `requests` session signed in over real HTTP through the demo sign-in."""

from __future__ import annotations

import re

import requests

_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def dev_signed_in(base_url: str, user: str = "grace") -> requests.Session:
    """Signed in as a demo user, with the CSRF header the page's scripts would send."""
    http = requests.Session()
    page = http.get(f"{base_url}/login", timeout=10)
    token = _META_CSRF.search(page.text)
    assert token, "no csrf-token meta tag on /login"
    answer = http.post(
        f"{base_url}/login/dev",
        data={"user": user, "next": "/", "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code in (302, 303), answer.text[:300]
    home = http.get(f"{base_url}/", timeout=10)
    token = _META_CSRF.search(home.text)
    assert token, "no csrf-token meta tag on /"
    http.headers["X-CSRFToken"] = token.group(1)
    return http
