"""The embed page's framing rules, its messages' target, and /embed.js as a public script."""

from __future__ import annotations

import json
import re

from flask.testing import FlaskClient

from tests.support.flows import dev_sign_in

HOST = "https://www.example.com"


def directive(response_csp: str, name: str) -> str:
    found = re.search(rf"(?:^|; ){name} ([^;]*)", response_csp)
    assert found, response_csp
    return found.group(1)


def embed_data(html: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="embed-data">(.*?)</script>', html)
    assert found
    data: dict[str, object] = json.loads(found.group(1))
    return data


def test_the_embed_page_may_be_framed_by_the_apps_origins_only(client: FlaskClient) -> None:
    page = client.get(f"/apps/support/embed?origin={HOST}")
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert directive(csp, "frame-ancestors") == f"'self' {HOST}"
    assert directive(csp, "script-src") == "'self' https://cdn.platform.openai.com"  # no inline
    assert "X-Frame-Options" not in page.headers
    # An app that names no embed origins, and every other page, keep the global rule.
    sales = client.get("/apps/sales/embed")
    assert directive(sales.headers["Content-Security-Policy"], "frame-ancestors") == "'self'"
    login = client.get("/login")
    assert directive(login.headers["Content-Security-Policy"], "frame-ancestors") == "'self'"
    assert login.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_signed_out_the_frame_offers_sign_in_in_a_popup(client: FlaskClient) -> None:
    html = client.get(f"/apps/support/embed?origin={HOST}").get_data(as_text=True)
    assert "data-sign-in" in html
    assert 'class="topbar"' not in html
    data = embed_data(html)
    assert data["signedIn"] is False
    assert data["parentOrigin"] == HOST
    assert data["signInUrl"] == "/login?next=%2Fapps%2Fsupport%2Fembed%2Fsigned-in"


def test_the_frame_posts_only_to_an_origin_the_app_allows(client: FlaskClient) -> None:
    for claimed in ("https://evil.example", "", "https://www.example.com.evil.example"):
        html = client.get(f"/apps/support/embed?origin={claimed}").get_data(as_text=True)
        assert embed_data(html)["parentOrigin"] is None


def test_signed_in_the_frame_is_the_apps_chat(client: FlaskClient) -> None:
    dev_sign_in(client, "grace")
    html = client.get(f"/apps/support/embed?origin={HOST}").get_data(as_text=True)
    assert embed_data(html)["signedIn"] is True
    assert '"sessionUrl": "/api/apps/support/chatkit/session"' in html
    assert '"threadUrl": "/apps/support/embed/threads/"' in html
    assert '"urlQuery": "?origin=https%3A%2F%2Fwww.example.com"' in html
    missing = client.get(f"/apps/support/embed/threads/cthr_nothere?origin={HOST}")
    assert missing.status_code == 404
    assert directive(missing.headers["Content-Security-Policy"], "frame-ancestors") == (
        f"'self' {HOST}"
    )
    done = client.get("/apps/support/embed/signed-in")
    assert done.status_code == 200
    assert "embed-signed-in.js" in done.get_data(as_text=True)


def test_embed_js_is_a_public_cacheable_script(client: FlaskClient) -> None:
    script = client.get("/embed.js")
    assert script.status_code == 200
    assert script.mimetype == "text/javascript"
    assert script.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "public" in script.headers["Cache-Control"]
    assert "max-age=" in script.headers["Cache-Control"]
    assert "chatkit-bff:thread-change" in script.get_data(as_text=True)
