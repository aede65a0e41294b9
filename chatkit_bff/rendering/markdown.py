"""Markdown (assistant replies, widget Markdown) to sanitized HTML."""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

from chatkit_bff.rendering.urls import safe_image_url

# Long texts are rendered but not cached, so the cache stays small in memory.
_CACHEABLE_LENGTH = 16_384
_CACHE_SIZE = 4096

_ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "img",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "alt", "title"}),
    "ol": frozenset({"start"}),
    "code": frozenset({"class"}),
    "th": frozenset({"class"}),
    "td": frozenset({"class"}),
}
_ALIGN_CLASSES = {
    "text-align:left": "md-align-left",
    "text-align:center": "md-align-center",
    "text-align:right": "md-align-right",
}
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
# Anything that could be Markdown syntax, an HTML entity or tag, or more than one line
# sends text through the full parser (which a test compares this shortcut against).
_NEEDS_MARKDOWN = re.compile(r"[\\`*_\[\]<>&~\x00-\x1f\x7f\xa0]|^[\s#+=-]|\s$|^\d+[.)]")


def _keep_safe_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Second line of defence after the renderer: only https images, only known classes."""
    if tag == "img" and attribute == "src":
        return safe_image_url(value)
    if attribute == "class":
        if tag == "code":
            return value if _LANGUAGE_CLASS.fullmatch(value) else None
        return value if value in _ALIGN_CLASSES.values() else None
    return value


@functools.cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=_ALLOWED_TAGS,
        clean_content_tags=frozenset({"script", "style"}),
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_safe_attribute,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={
            "a": {"target": "_blank"},
            "img": {"loading": "lazy", "referrerpolicy": "no-referrer"},
        },
        url_schemes=frozenset({"http", "https", "mailto"}),
        url_relative="deny",
    )


def _image(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """Images from anything but https are shown as their alt text, not as a broken image."""
    token = tokens[idx]
    alt = renderer.renderInlineAsText(token.children or [], options, env)
    if safe_image_url(token.attrGet("src")) is None:
        return str(escape(alt))
    token.attrSet("alt", alt)
    return renderer.renderToken(tokens, idx, options, env)


def _table_cell(
    renderer: RendererHTML,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """Column alignment as a class: the sanitizer drops every style attribute."""
    token = tokens[idx]
    style = token.attrGet("style")
    if style is not None:
        del token.attrs["style"]
        align_class = _ALIGN_CLASSES.get(str(style))
        if align_class:
            token.attrSet("class", align_class)
    return renderer.renderToken(tokens, idx, options, env)


@functools.cache
def _linkify_available() -> bool:
    """Bare URLs become links only when the optional linkify-it-py package is installed."""
    return importlib.util.find_spec("linkify_it") is not None


@functools.cache
def _markdown_it() -> MarkdownIt:
    linkify = _linkify_available()
    parser = MarkdownIt("commonmark", {"html": False, "linkify": linkify})
    parser.enable(["table", "strikethrough", *(["linkify"] if linkify else [])])
    parser.add_render_rule("image", _image)
    parser.add_render_rule("th_open", _table_cell)
    parser.add_render_rule("td_open", _table_cell)
    return parser


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _render_cached(text: str) -> Markup:
    return _render(text)


def _render(text: str) -> Markup:
    return Markup(_cleaner().clean(_markdown_it().render(text)))  # noqa: S704 - sanitized


def _plain_line(text: str) -> Markup | None:
    """A single line with nothing Markdown or HTML would read specially is just a paragraph."""
    if _NEEDS_MARKDOWN.search(text) or _linkify_available():
        return None
    return Markup(f"<p>{text}</p>\n")  # noqa: S704 - no markup characters by the check above


def render_markdown(text: str) -> Markup:
    """Render untrusted Markdown to HTML that is safe to embed in a page."""
    if not isinstance(text, str) or not text:
        return Markup("")
    plain = _plain_line(text)
    if plain is not None:
        return plain
    if len(text) <= _CACHEABLE_LENGTH:
        return _render_cached(text)
    return _render(text)
