"""Markdown (assistant replies, widget Markdown) to sanitized HTML."""

from __future__ import annotations

import functools
import html
import re

import nh3
from markupsafe import Markup

from chatkit_bff.rendering.cmark import render_html
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
_ALIGN_CLASSES = frozenset({"md-align-left", "md-align-center", "md-align-right"})
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
# Anything that could be Markdown syntax, an HTML entity or tag, or more than one line
# sends text through the full parser (which a test compares this shortcut against).
_MARKDOWN_CHARACTERS = re.compile(r"[\\`*_\[\]<>&~\x00-\x1f\x7f\xa0]")
_MARKDOWN_START = re.compile(r"[\s#+=-]|\d+[.)]")  # a heading, list, rule or indented code


def _keep_safe_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Second line of defence after the renderer: only https images, only known classes."""
    if tag == "img" and attribute == "src":
        return safe_image_url(value)
    if attribute == "class":
        if tag == "code":
            return value if _LANGUAGE_CLASS.fullmatch(value) else None
        return value if value in _ALIGN_CLASSES else None
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


# The renderer's own tags: raw HTML comes out escaped, so no other `<img` or `<th align` occurs.
_RENDERED_IMAGE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"(?: title="[^"]*")? />')
# Column alignment as a class: the sanitizer drops every style attribute.
_ALIGNED_CELLS = tuple(
    (f'<{tag} align="{side}">', f'<{tag} class="md-align-{side}">')
    for tag in ("th", "td")
    for side in ("left", "center", "right")
)


def _image_or_alt(match: re.Match[str]) -> str:
    """Images from anything but https are shown as their alt text, not as a broken image."""
    if safe_image_url(html.unescape(match.group(1))) is None:
        return match.group(2)  # attribute-escaped, so safe as text too
    return match.group(0)


def _render(text: str) -> Markup:
    rendered = render_html(text)
    if "<img " in rendered:
        rendered = _RENDERED_IMAGE.sub(_image_or_alt, rendered)
    if " align=" in rendered:
        for aligned, with_class in _ALIGNED_CELLS:
            rendered = rendered.replace(aligned, with_class)
    if "del>" in rendered:  # <s>, as before: the same tag for the same Markdown
        rendered = rendered.replace("<del>", "<s>").replace("</del>", "</s>")
    return Markup(_cleaner().clean(rendered))  # noqa: S704 - sanitized


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _render_cached(text: str) -> Markup:
    return _render(text)


def _plain_line(text: str) -> Markup | None:
    """A single line with nothing Markdown or HTML would read specially is just a paragraph."""
    if _MARKDOWN_CHARACTERS.search(text) or _MARKDOWN_START.match(text) or text[-1].isspace():
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
