"""Parse rendered HTML the way a browser tokenizer would, to assert on tags and attributes."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "background"}
)
# Tags that run code, load other documents or submit data: never in a transcript.
ACTIVE_TAGS = frozenset(
    {
        "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
        "input", "textarea", "select", "base", "meta", "link", "style", "svg", "math",
        "template", "noscript", "portal",
    }
)  # fmt: skip


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]


@dataclass
class ParsedHTML:
    elements: list[Element] = field(default_factory=list)
    text: str = ""

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def with_class(self, class_name: str) -> list[Element]:
        return [e for e in self.elements if class_name in e.attrs.get("class", "").split()]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parsed = ParsedHTML()
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parsed.elements.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def close(self) -> None:
        super().close()
        self.parsed.text = " ".join(" ".join(self._text).split())


def parse_html(html: str) -> ParsedHTML:
    collector = _Collector()
    collector.feed(str(html))
    collector.close()
    return collector.parsed


def _scheme_of(url: str) -> str:
    """The scheme as a browser sees it: ignoring whitespace/control characters and case."""
    cleaned = "".join(ch for ch in url if ord(ch) > 0x20 and ch not in "\x7f").lower()
    head, sep, _ = cleaned.partition(":")
    if not sep or "/" in head or "?" in head or "#" in head:
        return ""
    return head


def assert_inert(html: str) -> ParsedHTML:
    """No active tags, no event handlers, no style, and URLs only http(s)/mailto."""
    parsed = parse_html(html)
    for element in parsed.elements:
        assert element.tag not in ACTIVE_TAGS, f"active tag <{element.tag}> in output"
        for name, value in element.attrs.items():
            assert not name.startswith("on"), f"event handler {name}= on <{element.tag}>"
            assert name != "style", f"style attribute on <{element.tag}>"
            assert name not in {"formaction", "action", "srcdoc", "xlink:href"}, name
            if name in URL_ATTRIBUTES:
                scheme = _scheme_of(value)
                assert scheme in {"http", "https", "mailto"}, f"{name}={value!r}"
                if name == "src":
                    assert scheme == "https", f"image from {value!r}"
        if element.tag == "a" and element.attrs.get("target") == "_blank":
            assert "noopener" in element.attrs.get("rel", "").split()
        if element.tag == "button":
            assert "disabled" in element.attrs, "an active button"
            assert element.attrs.get("type") == "button", "a submit button"
    return parsed
