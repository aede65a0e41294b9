"""Property: no query string and no path value makes any GET route answer 5xx.

Every GET route of the app (static files aside) is called, signed in as an admin so that admin
routes run their parsers too, with path values and query parameters drawn from hostile text:
non-ASCII digits, control characters, huge numbers, malformed stream ids, raw bytes that are not
UTF-8. Fixed seed and a bounded number of examples, so CI runs the same cases every time.
"""

from __future__ import annotations

from urllib.parse import quote, quote_from_bytes

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.emulator import Emulator
from tests.support.flows import ApiCaller

# Every name any route reads from its query string, and a few it does not.
PARAMETERS = [
    "limit",
    "order",
    "after",
    "before",
    "cursor",
    "q",
    "format",
    "apply_now",
    "next",
    "state",
    "code",
    "error",
    "user",
    "unknown",
]
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
query_strings = st.lists(st.tuples(st.sampled_from(PARAMETERS), values), max_size=5).map(
    lambda pairs: "&".join(f"{name}={value}" for name, value in pairs)
)


def _get_routes(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint != "static"
    )


def _fill(rule: str, value: str) -> str:
    """The rule with every `<variable>` replaced by `value` (percent-encoded)."""
    parts = rule.split("<")
    path = parts[0]
    for part in parts[1:]:
        _, _, rest = part.partition(">")
        path += quote(value, safe="") + rest
    return path


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route_index=st.integers(min_value=0, max_value=10_000),
    path_value=st.one_of(st.sampled_from(TRICKY), st.text(max_size=30)),
    query=query_strings,
)
def test_no_query_parameter_of_any_route_makes_a_5xx(
    app: Flask, admin: ApiCaller, emulator: Emulator, route_index: int, path_value: str, query: str
) -> None:
    routes = _get_routes(app)
    path = _fill(routes[route_index % len(routes)], path_value)
    response = admin.client.get(f"{path}?{query}")
    assert response.status_code < 500, (path, query, response.get_data(as_text=True)[:300])


def test_the_property_reaches_every_get_route(app: Flask) -> None:
    routes = _get_routes(app)
    assert "/api/threads/<thread_id>/items" in routes
    assert "/admin/api/audit" in routes
    assert len(routes) >= 15
