"""Property: no query string and no path value makes any GET route answer 5xx.

Every GET route of the app (static files aside) is called, signed in as an admin so that admin
routes run their parsers too, with path values and query parameters drawn from hostile text:
non-ASCII digits, control characters, huge numbers, malformed stream ids, raw bytes that are not
UTF-8. Fixed seed and a bounded number of examples, so CI runs the same cases every time.
"""

from __future__ import annotations

from urllib.parse import quote, quote_from_bytes

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testing.emulator import Emulator
from tests.support.flows import ApiCaller

PAGE = ["limit", "order", "after", "before"]
# Every GET route (static files aside) and the query parameters it reads; a test below keeps
# this table equal to the app's routes, so a new route cannot be left out.
ROUTES: dict[str, list[str]] = {
    "/": ["after", "before"],
    "/account/conversations/delete-all": [],
    "/account/export": [],
    "/account/sessions": [],
    "/admin": [],
    "/admin/api/apps": [],
    "/admin/api/apps/<slug>/defaults": [],
    "/admin/api/setup": [],
    "/admin/apps": [],
    "/admin/apps/<slug>": [],
    "/admin/setup": [],
    "/admin/users/<user_id>/erase": [],
    "/api/apps/<app>/threads": PAGE,
    "/api/apps/<app>/threads/<thread_id>": [],
    "/api/apps/<app>/threads/<thread_id>/items": PAGE,
    "/api/me/sessions": [],
    "/apps/<app>/": ["after", "before"],
    "/apps/<app>/account/export": [],
    "/apps/<app>/embed": ["origin"],
    "/apps/<app>/embed/signed-in": [],
    "/apps/<app>/embed/threads/<thread_id>": ["origin", "after", "before"],
    "/apps/<app>/threads/<thread_id>": ["after", "before", "limit"],
    "/apps/<app>/threads/<thread_id>/delete": [],
    "/apps/<app>/threads/<thread_id>/export": ["format"],
    "/auth/reauthenticate": ["next"],
    "/embed.js": [],
    "/metrics": [],
    "/admin/api/audit": ["before", "limit"],
    "/admin/api/defaults": [],
    "/admin/api/users": ["q", "cursor", "limit"],
    "/admin/api/users/<user_id>/policy": ["app"],
    "/admin/audit": ["before"],
    "/admin/defaults": [],
    "/admin/users": ["q", "cursor"],
    "/admin/users/<user_id>": [],
    "/admin/users/<user_id>/revoke": [],
    "/api/docs": [],
    "/api/me": [],
    "/api/openapi.json": [],
    "/api/threads": PAGE,
    "/api/threads/<thread_id>": [],
    "/api/threads/<thread_id>/items": PAGE,
    "/auth/callback": ["state", "code", "error", "error_description"],
    "/auth/frontchannel-logout": ["iss", "sid"],
    "/healthz": [],
    "/login": ["next", "iss", "login_hint", "target_link_uri"],
    "/readyz": [],
    "/signed-out": ["state"],
    "/threads/<thread_id>": ["after", "before", "limit"],
    "/threads/<thread_id>/delete": [],
    "/threads/<thread_id>/export": ["format"],
}
TRICKY = [
    "",
    "0",
    "-1",
    "1000",
    "1001",
    "100000000000000000000000",
    "\u00b2",
    "\u0661\u0660",
    "\uff11",
    "1\n",
    " 5",
    "1e2",
    "0x10",
    "0-0",
    "1-1\n",
    "99999999999999999999-99999999999999999999",
    "18446744073709551616-0",
    "18446744073709551615-18446744073709551615",
    "1:abc",
    "99999999999999999:x",
    "cthr_abc",
    "cthi_abc",
    "cthr_" + "a" * 300,
    "asc",
    "desc",
    "md",
    "json",
    "true",
    "//evil.example",
    "\x00",
    "\r\nX-Evil: 1",
    "%",
    "../../etc/passwd",
]
values = st.one_of(
    st.sampled_from(TRICKY).map(lambda text: quote(text, safe="")),
    st.text(max_size=40).map(lambda text: quote(text.encode("utf-8", "surrogatepass"), safe="")),
    st.binary(max_size=24).map(lambda raw: quote_from_bytes(raw, safe="")),
)


def query_strings(names: list[str]) -> st.SearchStrategy[str]:
    pairs = st.tuples(st.sampled_from([*names, "unknown"]), values)
    return st.lists(pairs, max_size=5).map(
        lambda chosen: "&".join(f"{name}={value}" for name, value in chosen)
    )


def _get_routes(app: Flask) -> set[str]:
    return {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint != "static"
    }


def _fill(rule: str, value: str) -> str:
    """The rule with every `<variable>` replaced by `value` (percent-encoded)."""
    parts = rule.split("<")
    path = parts[0]
    for part in parts[1:]:
        _, _, rest = part.partition(">")
        path += quote(value, safe="") + rest
    return path


def _assert_no_5xx(admin: ApiCaller, path: str, query: str) -> None:
    response = admin.client.get(f"{path}?{query}" if query else path)
    assert response.status_code < 500, (path, query, response.get_data(as_text=True)[:300])


def test_the_route_table_is_every_get_route(app: Flask) -> None:
    assert set(ROUTES) == _get_routes(app)


@pytest.mark.parametrize("rule", sorted(ROUTES))
def test_every_tricky_value_of_every_parameter_is_not_a_5xx(
    app: Flask, admin: ApiCaller, emulator: Emulator, rule: str
) -> None:
    for value in TRICKY:
        if "<" in rule:
            _assert_no_5xx(admin, _fill(rule, value), "")
        for name in ROUTES[rule]:
            _assert_no_5xx(admin, _fill(rule, "cthr_abc"), f"{name}={quote(value, safe='')}")


@pytest.mark.parametrize("rule", sorted(ROUTES))
@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_query_string_or_path_value_makes_a_5xx(
    app: Flask, admin: ApiCaller, emulator: Emulator, rule: str, data: st.DataObject
) -> None:
    path_value = data.draw(st.one_of(st.sampled_from(TRICKY), st.text(max_size=30)), "path")
    query = data.draw(query_strings(ROUTES[rule]), "query")
    _assert_no_5xx(admin, _fill(rule, path_value), query)
