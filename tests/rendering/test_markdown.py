from __future__ import annotations

import importlib.util
import random

import pytest
from markupsafe import Markup

from chatkit_bff.rendering.markdown import render_markdown
from tests.rendering.html_inspect import assert_inert, parse_html


def test_output_is_markup_so_templates_do_not_escape_it_again() -> None:
    assert isinstance(render_markdown("**hi**"), Markup)
    assert render_markdown("") == ""


def test_emphasis_strong_code_and_strikethrough() -> None:
    parsed = parse_html(render_markdown("*soft* **bold** `x = 1` ~~gone~~"))
    assert [e.tag for e in parsed.elements] == ["p", "em", "strong", "code", "s"]
    assert parsed.text == "soft bold x = 1 gone"


def test_headings_lists_quotes_and_rules() -> None:
    html = render_markdown("# Title\n\n- one\n- two\n\n3. three\n4. four\n\n> quoted\n\n---\n")
    parsed = parse_html(html)
    tags = [e.tag for e in parsed.elements]
    assert tags[:1] == ["h1"]
    assert tags.count("li") == 4
    assert parsed.find_all("ol", start="3")
    assert "blockquote" in tags
    assert "hr" in tags


def test_fenced_code_keeps_language_class_and_escapes_content() -> None:
    html = render_markdown("```python\nprint('<b>')\n```")
    parsed = parse_html(html)
    assert parsed.find_all("code", class_="language-python")
    assert "print('<b>')" in parsed.text
    assert not parsed.find_all("b")


def test_tables_with_alignment_as_classes_not_styles() -> None:
    html = render_markdown("| Item | Price |\n|:--|--:|\n| Tea | 3 |\n")
    parsed = assert_inert(html)
    assert parsed.find_all("th", class_="md-align-left")
    assert parsed.find_all("td", class_="md-align-right")
    assert parsed.text == "Item Price Tea 3"


def test_links_open_in_a_new_tab_without_referrer_or_ranking() -> None:
    parsed = parse_html(render_markdown("[docs](https://example.com/a?b=1&c=2)"))
    (link,) = parsed.find_all("a")
    assert link.attrs["href"] == "https://example.com/a?b=1&c=2"
    assert link.attrs["target"] == "_blank"
    assert set(link.attrs["rel"].split()) == {"noopener", "noreferrer", "nofollow"}


def test_mailto_links_are_kept() -> None:
    (link,) = parse_html(render_markdown("[mail](mailto:help@example.com)")).find_all("a")
    assert link.attrs["href"] == "mailto:help@example.com"


@pytest.mark.parametrize("target", ["/admin", "#top", "./x", "//evil.example/x", "ftp://x/y"])
def test_relative_and_other_links_lose_their_href(target: str) -> None:
    parsed = parse_html(render_markdown(f"[click]({target})"))
    assert all("href" not in a.attrs for a in parsed.find_all("a"))
    assert "click" in parsed.text


def test_https_images_are_shown_lazily_and_without_referrer() -> None:
    (img,) = parse_html(render_markdown("![chart](https://cdn.example.com/c.png)")).find_all("img")
    assert img.attrs["src"] == "https://cdn.example.com/c.png"
    assert img.attrs["alt"] == "chart"
    assert img.attrs["loading"] == "lazy"
    assert img.attrs["referrerpolicy"] == "no-referrer"


@pytest.mark.parametrize(
    "src", ["http://cdn.example.com/c.png", "data:image/png;base64,AAAA", "/local.png"]
)
def test_other_images_become_their_alt_text(src: str) -> None:
    parsed = parse_html(render_markdown(f"![a chart]({src})"))
    assert not parsed.find_all("img")
    assert parsed.text == "a chart"


def test_raw_html_is_shown_as_text() -> None:
    parsed = parse_html(render_markdown("<b>bold?</b> <script>alert(1)</script>"))
    assert [e.tag for e in parsed.elements] == ["p"]
    assert parsed.text == "<b>bold?</b> <script>alert(1)</script>"


@pytest.mark.skipif(
    importlib.util.find_spec("linkify_it") is not None, reason="linkify-it-py is installed"
)
def test_bare_urls_stay_text_without_a_linkify_library() -> None:
    parsed = parse_html(render_markdown("see https://example.com now"))
    assert not parsed.find_all("a")


def test_repeated_text_renders_like_the_first_time_from_the_cache() -> None:
    from chatkit_bff.rendering.markdown import _render, _render_cached  # the uncached path

    texts = [f"Some **cached** text {n}" for n in range(3)]
    first = [render_markdown(text) for text in texts]
    hits = _render_cached.cache_info().hits
    again = [render_markdown(text) for text in reversed(texts)][::-1]
    assert _render_cached.cache_info().hits == hits + len(texts)  # really from the cache
    assert again == first == [_render(text) for text in texts]
    assert again[1] == "<p>Some <strong>cached</strong> text 1</p>\n"


def test_very_long_text_is_rendered_too() -> None:
    text = "word " * 10_000 + "**end**"
    parsed = parse_html(render_markdown(text))
    assert parsed.find_all("strong")


def test_plain_single_lines_render_exactly_like_full_markdown() -> None:
    """The shortcut for plain lines must agree with the full parser on every input."""
    from chatkit_bff.rendering.markdown import _render  # the full path, uncached

    pieces = [
        *"ab 1.)#+-=|!:\"'(){}/\\*_[]<>&~`\t\n\xa0\u2028\u3000x9é@%;,?",
        "http://", "www.", "&amp;", "--", "==", "1. ", "- ", "***", "a@b.co",
    ]  # fmt: skip
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        assert render_markdown(text) == _render(text), repr(text)
