from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from chatkit_bff.rendering.escaping import escape_html
from chatkit_bff.rendering.items import (
    Source,
    annotation_sources,
    datetime_human,
    datetime_iso,
    indented_json,
    item_dom_id,
    item_kind,
    pretty_json,
    safe_http_url,
    safe_image_url,
    timestamps,
)
from chatkit_bff.rendering.urls import HTTP_SCHEMES, IMAGE_SCHEMES, checked_by_parsing
from tests.rendering import factories as f


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "http://example.com/a/b?c=d#e",
        "HTTPS://EXAMPLE.COM/",
        "https://example.com:8443/x",
        "https://[2001:db8::1]/x",
    ],
)
def test_http_urls_pass(url: str) -> None:
    assert safe_http_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "jav\tascript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        " javascript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.com/x",
        "//example.com/x",
        "/relative/path",
        "https://user:pass@example.com/",
        "https://user@example.com/",
        "https://good.example\\@evil.example/",
        "https:\\\\evil.example",
        "https:///nohost",
        "https://example.com:99999/",
        "https://exa mple.com/",
        "https://example.com/\n",
        "",
        "x" * 3000,
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    assert safe_http_url(url) is None
    assert safe_image_url(url) is None


@pytest.mark.parametrize("value", [None, 42, ["https://example.com"], {"url": "https://x"}])
def test_non_strings_are_refused(value: object) -> None:
    assert safe_http_url(value) is None


def test_images_need_https() -> None:
    assert safe_image_url("https://cdn.example.com/a.png") == "https://cdn.example.com/a.png"
    assert safe_image_url("http://cdn.example.com/a.png") is None


def test_sources_are_numbered_deduplicated_and_checked() -> None:
    item = f.assistant_message(
        "first part",
        "second part",
        annotations=[
            f.url_annotation("https://docs.example.com/a"),
            f.file_annotation("report.pdf"),
            f.url_annotation("https://docs.example.com/a"),
            f.url_annotation("javascript:alert(1)"),
            f.file_annotation("report.pdf"),
            {"type": "url", "source": {"type": "url"}},
            {"type": "weird"},
        ],
    )
    item["content"][-1]["annotations"].append("not an object")
    assert annotation_sources(item) == [
        Source(1, "url", "https://docs.example.com/a", "https://docs.example.com/a"),
        Source(2, "file", "report.pdf", None),
        Source(3, "url", "javascript:alert(1)", None),
    ]


def test_sources_collected_across_content_parts() -> None:
    item = f.assistant_message("one", "two")
    item["content"][0]["annotations"] = [f.url_annotation("https://a.example")]
    item["content"][1]["annotations"] = [f.url_annotation("https://b.example")]
    assert [s.label for s in annotation_sources(item)] == ["https://a.example", "https://b.example"]


def test_no_sources_without_annotations() -> None:
    assert annotation_sources(f.assistant_message("plain")) == []
    assert annotation_sources({"type": "chatkit.assistant_message", "content": None}) == []


def test_pretty_json_indents_valid_json() -> None:
    assert pretty_json('{"city":"Lisbon","days":[1,2]}') == json.dumps(
        {"city": "Lisbon", "days": [1, 2]}, indent=2
    )
    assert pretty_json('{"name": "São Paulo"}') == '{\n  "name": "São Paulo"\n}'


@pytest.mark.parametrize("raw", ["not json", "{'single': 'quotes'}", "[1, 2", ""])
def test_pretty_json_keeps_anything_else_as_is(raw: str) -> None:
    assert pretty_json(raw) == raw


def test_pretty_json_of_nothing_is_empty() -> None:
    assert pretty_json(None) == ""


def test_item_kinds() -> None:
    assert item_kind(f.user_message()) == "user_message"
    assert item_kind(f.assistant_message()) == "assistant_message"
    assert item_kind(f.widget_item({"type": "Card", "children": []})) == "widget"
    assert item_kind(f.tool_call()) == "client_tool_call"
    assert item_kind(f.task()) == "task"
    assert item_kind(f.task_group()) == "task_group"
    assert item_kind({"type": "chatkit.future_thing"}) == "unknown"
    assert item_kind({"type": '"><script>'}) == "unknown"
    assert item_kind("not an item") == "unknown"


def test_timestamps() -> None:
    assert datetime_iso(f.CREATED_AT) == "2024-04-05T19:33:20Z"
    assert datetime_human(f.CREATED_AT) == "5 Apr 2024, 19:33 UTC"
    assert datetime_iso("2024-04-05T21:33:20+02:00") == "2024-04-05T19:33:20Z"
    for bad in (None, "", "yesterday", True, 10**20, [1]):
        assert datetime_iso(bad) == ""
        assert datetime_human(bad) == ""


def test_only_upstream_shaped_ids_become_element_ids() -> None:
    assert item_dom_id("cthi_68eda5b1aee0") == "cthi_68eda5b1aee0"
    for unsafe in ["config", "cthi_", "cthi_a b", 'cthi_x"onclick', "location", None, 7]:
        assert item_dom_id(unsafe) == ""


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=253_402_300_799))
def test_timestamps_of_unix_seconds_agree_with_the_datetime_filters(moment: int) -> None:
    assert timestamps(moment) == (datetime_iso(moment), datetime_human(moment))


# Parts near the shortcut's edges: plain ones, and plain ones with one character in them that
# a plain URL must not have.
_ODD = st.sampled_from(list("@[]:%_ \t\\\"'<>\x7f\x85é\u2028\ufeff"))


def _plain_or_odd(plain: str) -> st.SearchStrategy[str]:
    plain_part = st.from_regex(plain, fullmatch=True)
    odd_part = st.tuples(plain_part, _ODD, plain_part).map("".join)
    return st.one_of(plain_part, odd_part)


_HOST = _plain_or_odd(r"[a-zA-Z0-9.-]{1,8}")
_PORT = st.one_of(
    st.none(),
    st.none(),  # twice: no port is the common case, so half the URLs have none
    st.integers(min_value=-1, max_value=100_000).map(str),
    _plain_or_odd(r"[0-9]{0,6}"),
)
_REST = st.one_of(st.just(""), _plain_or_odd(r"[/?#][!-~]{0,10}"))


@settings(max_examples=3000, deadline=None)
@given(
    scheme=st.one_of(
        st.sampled_from(["http", "https", "HTTPS"]),
        st.sampled_from(["ftp", "javascript", "h1", ""]),
    ),
    separator=st.one_of(st.just("://"), st.sampled_from([":", ":/", ":///", "//"])),
    host=_HOST,
    port=_PORT,
    rest=_REST,
)
def test_the_plain_url_shortcut_agrees_with_the_full_check(
    scheme: str, separator: str, host: str, port: str | None, rest: str
) -> None:
    url = f"{scheme}{separator}{host}{'' if port is None else ':' + port}{rest}"
    assert safe_http_url(url) == checked_by_parsing(url, HTTP_SCHEMES)
    assert safe_image_url(url) == checked_by_parsing(url, IMAGE_SCHEMES)


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities too: json.loads reads them
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(_JSON_VALUES)
def test_indented_json_is_what_the_standard_library_writes(value: object) -> None:
    assert indented_json(value) == json.dumps(value, indent=2, ensure_ascii=False)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), _JSON_VALUES))
def test_escape_html_is_markupsafe_escape(value: object) -> None:
    assert escape_html(value) == str(escape(value))
