"""The C renderer (cmark-gfm) against the previous one (markdown-it-py), on messages people send.

Both outputs go through the same sanitizer. Representative messages must come out the same;
the few constructs the two parsers read differently are listed with what is shown now.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import escape

from chatkit_bff.rendering.markdown import _cleaner, _render
from chatkit_bff.rendering.urls import safe_image_url
from testing.items import _ANSWER

_ALIGN = {f"text-align:{side}": f"md-align-{side}" for side in ("left", "center", "right")}


def _image(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    if safe_image_url(token.attrGet("src")) is None:
        return str(escape(alt))
    token.attrSet("alt", alt)
    return renderer.renderToken(tokens, idx, options, env)


def _cell(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[idx]
    style = token.attrGet("style")
    if style is not None:
        del token.attrs["style"]
        token.attrSet("class", _ALIGN[str(style)])
    return renderer.renderToken(tokens, idx, options, env)


def previous(text: str) -> str:
    """The renderer this project used before, configured as it was."""
    parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    parser.add_render_rule("image", _image)
    parser.add_render_rule("th_open", _cell)
    parser.add_render_rule("td_open", _cell)
    return str(_cleaner().clean(parser.render(text)))


SAME = [
    _ANSWER.format(n=7),
    "Sure! Here's a quick summary:\n\n- **Revenue** grew 12%\n- *Costs* fell\n- `EBITDA` flat",
    "# Plan\n\n## Step 1\n\nInstall it:\n\n```bash\npip install chatkit-bff\n```\n\n"
    "## Step 2\n\nRun it.",
    "1. First\n2. Second\n   - nested *item*\n   - another\n3. Third\n\n"
    "> Note: quoted text\n> spans lines.",
    "| Name | Qty | Price |\n|:-----|:---:|------:|\n| Tea | 2 | 3.50 |\n| Cake | 1 | 4.00 |",
    'See [the docs](https://docs.example.com/a?b=1&c=2 "Docs") and ![chart](https://cdn.example.com/c.png).',
    "An image over http is its alt text: ![old chart](http://cdn.example.com/c.png)",
    "Use `<div>` for blocks; write `a < b && c > d` in code.\n\nAlso: 5 > 3 and 2 < 4.",
    "Raw HTML is text: <b>bold?</b> <script>alert(1)</script>",
    "<div>\nhello\n</div>",
    "Escapes: \\*not emphasis\\* and \\`not code\\` and 1\\. not a list",
    "Line one  \nline two (hard break)\nline three (soft)",
    "~~struck~~ and ~single~ tilde, snake_case_words and 2*3*4",
    "Entities: &amp; &copy; &#169; &#x1F600; &nosuch;",
    "***\n\n---\n\nSetext\n======\n\nSub\n---",
    "    indented code\n    block\n\nafter",
    "Mail [us](mailto:help@example.com); relative [home](/admin) and [top](#top) lose targets.",
    "[ref link][r] and [another]\n\n[r]: https://example.com/r\n[another]: https://example.com/a",
    "- [ ] task boxes stay text\n- [x] done",
    "Bare URL https://example.com/x stays text, www.example.com too.",
    "Unicode: café, 日本語, emoji 🎉, RTL \u202eabc",
    "<https://example.com/auto> autolink and <mail@example.com>",
]


@pytest.mark.parametrize("text", SAME)
def test_representative_messages_render_as_before(text: str) -> None:
    assert _render(text) == previous(text)


# The constructs the two parsers read differently, with what the page shows now.
DIFFERENT = {
    # An unsafe link is kept as a link without a target, not shown as its Markdown source.
    "[click](javascript:alert(1))": (
        '<p><a target="_blank" rel="noopener noreferrer nofollow">click</a></p>\n'
    ),
    # A raw HTML block of the comment kind runs to its end marker, as text.
    "<!-- note\n\n*still a comment* -->": "<p>&lt;!-- note\n\n*still a comment* --&gt;</p>\n",
    # A line that starts a raw HTML block is shown as typed, backslashes included...
    "<div>\\*x\\*": "<p>&lt;div&gt;\\*x\\*</p>\n",
    # ...and ends the paragraph before it, as in CommonMark with raw HTML on.
    "text\n<div>": "<p>text</p>\n<p>&lt;div&gt;</p>\n",
    # Emphasis next to a lone tilde (cmark-gfm reads `~` as possible strikethrough).
    "~*)>**": "<p>~<em>)&gt;</em>*</p>\n",
}


@pytest.mark.parametrize(("text", "now"), DIFFERENT.items())
def test_reviewed_differences(text: str, now: str) -> None:
    assert _render(text) == now
    assert _render(text) != previous(text)
