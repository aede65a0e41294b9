"""The provider's few HTML pages: sign-in, signed-out and errors."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

from .config import ProviderUser

_LAYOUT = Markup(
    "<!doctype html><html lang=en><head><meta charset=utf-8>"
    "<title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
)


def _page(title: str, body: Markup) -> str:
    return str(_LAYOUT.format(title=title, body=body))


def sign_in_page(client_id: str, users: Iterable[ProviderUser]) -> str:
    """One submit button per user, named "Sign in as <name>", and a Cancel button."""
    buttons = Markup("").join(
        Markup('<p><button type=submit name=username value="{}">Sign in as {}</button></p>').format(
            user.sub, user.name
        )
        for user in users
    )
    body = Markup(
        "<p>{client} asks you to sign in.</p><form method=post>{buttons}"
        "<p><button type=submit name=action value=cancel>Cancel</button></p></form>"
    ).format(client=client_id, buttons=buttons)
    return _page("Sign in", body)


def signed_out_page() -> str:
    return _page("Signed out", Markup("<p>You are signed out of the identity provider.</p>"))


def error_page(error: str, description: str | None) -> str:
    body = Markup("<p><code>{}</code></p><p>{}</p>").format(error, escape(description or ""))
    return _page("Sign-in error", body)
