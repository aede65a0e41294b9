"""ChatKit widgets (serialized component trees from upstream) to safe, inert HTML.

Every string from the payload is escaped; sizes, colours and layout options only ever
become one of a fixed set of `w-` CSS classes; nothing in the output can act (buttons are
disabled, forms are not forms, actions are dropped).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup

from chatkit_bff.rendering.escaping import escape_html
from chatkit_bff.rendering.markdown import render_markdown
from chatkit_bff.rendering.urls import safe_image_url

MAX_DEPTH = 20
MAX_NODES = 2000
# A serialized widget larger than this is not parsed at all.
MAX_PAYLOAD_CHARS = 512_000
# How much of an unreadable payload is echoed back inside the fallback block.
RAW_PREVIEW_CHARS = 4000
MAX_CHART_ROWS = 200
# Transcripts are re-rendered on every visit: keep recent widgets' HTML (small ones only).
_CACHEABLE_LENGTH = 16_384
_CACHE_SIZE = 2048

_TEXT_SIZES = frozenset({"xs", "sm", "md", "lg", "xl"})
_TITLE_SIZES = frozenset({"sm", "md", "lg", "xl", "2xl", "3xl", "4xl", "5xl"})
_CARD_SIZES = frozenset({"sm", "md", "lg", "full"})
_WEIGHTS = frozenset({"normal", "medium", "semibold", "bold"})
_TEXT_ALIGNS = frozenset({"start", "center", "end"})
_FLEX_ALIGNS = frozenset({"start", "center", "end", "baseline", "stretch"})
_FLEX_JUSTIFY = frozenset({"start", "center", "end", "between", "around", "evenly", "stretch"})
_COLORS = frozenset(
    {
        "primary", "secondary", "tertiary", "emphasis", "success", "danger",
        "warning", "caution", "info", "discovery",
    }
)  # fmt: skip
_BADGE_COLORS = frozenset({"secondary", "success", "danger", "warning", "info", "discovery"})
_BADGE_VARIANTS = frozenset({"solid", "soft", "outline"})
_BUTTON_VARIANTS = frozenset({"solid", "soft", "outline", "ghost"})
_ICON_GLYPHS = {
    "check": "✓",
    "check-circle": "✓",
    "check-circle-filled": "✓",
    "empty-circle": "○",
    "circle": "○",
    "dot": "•",
    "star": "★",
    "star-filled": "★",
    "calendar": "📅",
    "clock": "🕒",
    "mail": "✉",
    "phone": "☎",
    "info": "\u2139",
    "warning": "⚠",
    "error": "⚠",
    "plus": "+",
    "minus": "\u2212",
    "chevron-right": "\u203a",
    "chevron-left": "\u2039",
    "arrow-right": "→",
    "arrow-left": "←",
    "external-link": "↗",
    "search": "🔍",
    "user": "👤",
    "map-pin": "📍",
    "document": "📄",
    "lightbulb": "💡",
}

# As character references: a page whose own markup is ASCII stays a one-byte string in Python
# (one emoji anywhere makes every character of it four bytes, and the page slower to send).
_ICON_REFERENCES = {name: f"&#{ord(glyph)};" for name, glyph in _ICON_GLYPHS.items()}
_DOT = "&#8226;"
_NO_VALUE = "&#8212;"

Node = Mapping[str, Any]
_TYPOGRAPHY_OPTIONS = ("size", "weight", "color", "textAlign", "italic", "lineThrough", "truncate")
_LAYOUT_OPTIONS = ("align", "justify", "wrap", "gap")


def _text(value: object) -> str:
    """Scalars as text; anything else (objects, lists, null) as nothing."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return ""


def _choice(prefix: str, value: object, allowed: frozenset[str]) -> str | None:
    """A `w-` class for an allow-listed option value, else None."""
    if isinstance(value, str) and value in allowed:
        return f"{prefix}{value}"
    return None


def _classes(*names: str | None) -> str:
    return " ".join(filter(None, names))


def _typography(node: Node, sizes: frozenset[str]) -> list[str | None]:
    if node.keys().isdisjoint(_TYPOGRAPHY_OPTIONS):  # most text sets none: skip the lookups
        return []
    return [
        _choice("w-size-", node.get("size"), sizes),
        _choice("w-weight-", node.get("weight"), _WEIGHTS),
        _choice("w-color-", node.get("color"), _COLORS),
        _choice("w-align-", node.get("textAlign"), _TEXT_ALIGNS),
        "w-italic" if node.get("italic") is True else None,
        "w-line-through" if node.get("lineThrough") is True else None,
        "w-truncate" if node.get("truncate") is True else None,
    ]


def _gap(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 12:
        return f"w-gap-{value}"
    return None


def _layout(node: Node) -> list[str | None]:
    if node.keys().isdisjoint(_LAYOUT_OPTIONS):
        return []
    return [
        _choice("w-items-", node.get("align"), _FLEX_ALIGNS),
        _choice("w-justify-", node.get("justify"), _FLEX_JUSTIFY),
        "w-wrap" if node.get("wrap") in ("wrap", "wrap-reverse") else None,
        _gap(node.get("gap")),
    ]


class _Renderer:
    """One widget's rendering, with a budget so hostile payloads stay cheap."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.nodes = 0
        self.truncated = False

    # -- output helpers ------------------------------------------------------------

    def emit(self, html: str) -> None:
        self.out.append(html)

    def text(self, value: object) -> None:
        self.out.append(escape_html(_text(value)))

    def open(self, tag: str, classes: str) -> None:
        self.out.append(f'<{tag} class="{escape_html(classes)}">')

    # -- traversal -----------------------------------------------------------------

    def enter(self, depth: int) -> bool:
        """Count one more node; False (and stop everything) once a limit is reached."""
        if self.truncated:
            return False
        if depth > MAX_DEPTH or self.nodes >= MAX_NODES:
            self.truncated = True
            return False
        self.nodes += 1
        return True

    def node(self, node: object, depth: int) -> None:
        if not self.enter(depth):
            return
        if type(node) is dict or isinstance(node, Mapping):
            kind = node.get("type")
            component = _COMPONENTS.get(kind if type(kind) is str else _text(kind))
            (component or _Renderer.unknown)(self, node, depth)
        elif isinstance(node, str | int | float) and not isinstance(node, bool):
            self.emit('<span class="w-text">')
            self.text(node)
            self.emit("</span>")

    def children(self, node: Node, depth: int) -> None:
        children = node.get("children")
        if isinstance(children, Mapping):
            children = [children]
        if not isinstance(children, list):
            return
        for child in children:
            if self.truncated:
                return
            self.node(child, depth + 1)

    def container(self, tag: str, classes: str, node: Node, depth: int) -> None:
        self.open(tag, classes)
        self.children(node, depth)
        self.emit(f"</{tag}>")

    # -- components ----------------------------------------------------------------

    def card(self, node: Node, depth: int) -> None:
        size = _choice("w-card--", node.get("size"), _CARD_SIZES)
        self.open("div", _classes("w-card", size))
        self.status(node.get("status"))
        self.children(node, depth)
        self.card_actions(node)
        self.emit("</div>")

    def card_actions(self, node: Node) -> None:
        if "confirm" not in node and "cancel" not in node:  # most cards: skip the lookups
            return
        actions = [node.get("confirm"), node.get("cancel")]
        labels = [_text(a.get("label")) for a in actions if isinstance(a, Mapping)]
        if any(labels):
            self.emit('<div class="w-card-actions">')
            for label in filter(None, labels):
                self.inert_button(label, "w-button")
            self.emit("</div>")

    def status(self, status: object) -> None:
        if not isinstance(status, Mapping) or not _text(status.get("text")):
            return
        self.emit('<div class="w-status">')
        favicon = safe_image_url(status.get("favicon"))
        if favicon:
            self.emit(
                f'<img class="w-favicon" src="{escape_html(favicon)}" alt="" loading="lazy"'
                ' referrerpolicy="no-referrer">'
            )
        elif isinstance(status.get("icon"), str):
            self.icon_glyph(status["icon"])
        self.emit('<span class="w-status-text">')
        self.text(status.get("text"))
        self.emit("</span></div>")

    def list_view(self, node: Node, depth: int) -> None:
        self.status(node.get("status"))
        self.emit('<ul class="w-list">')
        children = node.get("children")
        for child in children if isinstance(children, list) else []:
            if isinstance(child, Mapping) and child.get("type") == "ListViewItem":
                if not self.enter(depth + 1):
                    break
                # onClickAction is dropped on purpose: a transcript is read-only.
                self.container("li", _classes("w-list-item", *_layout(child)), child, depth + 1)
            else:
                self.emit('<li class="w-list-item">')
                self.node(child, depth + 1)
                self.emit("</li>")
            if self.truncated:
                break
        self.emit("</ul>")

    def list_view_item(self, node: Node, depth: int) -> None:
        """A list row found outside a ListView: shown as a plain row."""
        self.container("div", _classes("w-list-item", *_layout(node)), node, depth)

    def row(self, node: Node, depth: int) -> None:
        self.container("div", _classes("w-row", *_layout(node)), node, depth)

    def col(self, node: Node, depth: int) -> None:
        self.container("div", _classes("w-col", *_layout(node)), node, depth)

    def box(self, node: Node, depth: int) -> None:
        direction = "w-row" if node.get("direction") == "row" else "w-col"
        self.container("div", _classes("w-box", direction, *_layout(node)), node, depth)

    def form(self, node: Node, depth: int) -> None:
        direction = "w-row" if node.get("direction") == "row" else "w-col"
        self.container("div", _classes("w-form", direction, *_layout(node)), node, depth)

    def title(self, node: Node, depth: int) -> None:
        self.open("p", _classes("w-title", *_typography(node, _TITLE_SIZES)))
        self.text(node.get("value"))
        self.emit("</p>")

    def text_block(self, node: Node, depth: int) -> None:
        self.open("p", _classes("w-text", *_typography(node, _TEXT_SIZES)))
        self.text(node.get("value"))
        self.emit("</p>")

    def caption(self, node: Node, depth: int) -> None:
        self.open("p", _classes("w-caption", *_typography(node, _TEXT_SIZES)))
        self.text(node.get("value"))
        self.emit("</p>")

    def label(self, node: Node, depth: int) -> None:
        self.open("span", _classes("w-label", *_typography(node, _TEXT_SIZES)))
        self.text(node.get("value"))
        self.emit("</span>")

    def markdown(self, node: Node, depth: int) -> None:
        self.emit('<div class="w-markdown">')
        self.emit(render_markdown(_text(node.get("value"))))
        self.emit("</div>")

    def image(self, node: Node, depth: int) -> None:
        src = safe_image_url(node.get("src"))
        alt = _text(node.get("alt"))
        if src is None:
            self.emit('<span class="w-fallback">Image not shown')
            if alt:
                self.emit(": ")
                self.text(alt)
            self.emit("</span>")
            return
        classes = _classes("w-image", "w-image--frame" if node.get("frame") is True else None)
        self.emit(
            f'<img class="{classes}" src="{escape_html(src)}" alt="{escape_html(alt)}"'
            ' loading="lazy" decoding="async" referrerpolicy="no-referrer">'
        )

    def badge(self, node: Node, depth: int) -> None:
        color = _choice("w-badge--", node.get("color"), _BADGE_COLORS)
        variant = _choice("w-badge--", node.get("variant"), _BADGE_VARIANTS)
        pill = "w-badge--pill" if node.get("pill") is True else None
        self.open("span", _classes("w-badge", color, variant, pill))
        self.text(node.get("label"))
        self.emit("</span>")

    def divider(self, node: Node, depth: int) -> None:
        self.emit('<hr class="w-divider">')

    def spacer(self, node: Node, depth: int) -> None:
        self.emit('<div class="w-spacer" aria-hidden="true"></div>')

    def icon(self, node: Node, depth: int) -> None:
        self.icon_glyph(node.get("name"))

    def icon_glyph(self, name: object) -> None:
        glyph = _ICON_REFERENCES.get(_text(name), _DOT)
        self.emit(f'<span class="w-icon" aria-hidden="true">{glyph}</span>')

    def button(self, node: Node, depth: int) -> None:
        color = _choice("w-button--", node.get("color"), _COLORS)
        variant = _choice("w-button--", node.get("variant"), _BUTTON_VARIANTS)
        style = "w-button--primary" if node.get("style") == "primary" else None
        label = _text(node.get("label")) or "Button"
        self.inert_button(label, _classes("w-button", color or style, variant))

    def inert_button(self, label: str, classes: str) -> None:
        self.emit(f'<button type="button" class="{escape_html(classes)}" disabled>')
        self.text(label)
        self.emit("</button>")

    def field(self, node: Node, depth: int) -> None:
        """Inputs of any kind: their label and current value, as text."""
        kind = _text(node.get("type")) or "Field"
        name = (
            _text(node.get("label"))
            or _text(node.get("ariaLabel"))
            or _text(node.get("placeholder"))
            or _text(node.get("name"))
            or kind
        )
        value = self.field_value(node)
        self.emit('<div class="w-field"><span class="w-field-name">')
        self.text(name)
        self.emit('</span> <span class="w-field-value">')
        if value:
            self.text(value)
        else:
            self.emit(_NO_VALUE)
        self.emit("</span></div>")

    @staticmethod
    def field_value(node: Node) -> str:
        if node.get("type") == "Checkbox":
            checked = node.get("defaultChecked") not in (None, False, "", "false")
            return "Checked" if checked else "Not checked"
        value = _text(node.get("defaultValue"))
        options = node.get("options")
        if isinstance(options, list):
            labels = {
                _text(o.get("value")): _text(o.get("label")) or _text(o.get("value"))
                for o in options
                if isinstance(o, Mapping)
            }
            if value:
                return labels.get(value, value)
            choices = ", ".join(label for label in labels.values() if label)
            return f"Not chosen (options: {choices})" if choices else ""
        return value

    def chart(self, node: Node, depth: int) -> None:
        """Charts as a plain data table: readable, and nothing runs."""
        rows = node.get("data")
        series = node.get("series")
        x_axis = node.get("xAxis")
        x_key = _text(x_axis.get("dataKey")) if isinstance(x_axis, Mapping) else _text(x_axis)
        columns = [(x_key, x_key)] if x_key else []
        for entry in series if isinstance(series, list) else []:
            if isinstance(entry, Mapping) and _text(entry.get("dataKey")):
                key = _text(entry.get("dataKey"))
                columns.append((key, _text(entry.get("label")) or key))
        if not isinstance(rows, list) or not columns:
            self.emit('<p class="w-fallback">A chart that cannot be shown here.</p>')
            return
        self.emit('<table class="w-chart"><thead><tr>')
        for _, heading in columns:
            self.emit("<th>")
            self.text(heading)
            self.emit("</th>")
        self.emit("</tr></thead><tbody>")
        for row in rows[:MAX_CHART_ROWS]:
            if not isinstance(row, Mapping):
                continue
            self.emit("<tr>")
            for key, _ in columns:
                self.emit("<td>")
                self.text(row.get(key))
                self.emit("</td>")
            self.emit("</tr>")
        self.emit("</tbody></table>")

    def unknown(self, node: Node, depth: int) -> None:
        """Components this page does not know: their children, else their visible text."""
        children = node.get("children")
        if isinstance(children, list | Mapping) and children:
            self.container("div", "w-unknown", node, depth)
            return
        text = next(
            (_text(node.get(k)) for k in ("value", "label", "text", "title") if _text(node.get(k))),
            "",
        )
        self.emit('<span class="w-fallback">')
        if text:
            self.text(text)
        else:
            self.emit("Part of this widget cannot be shown.")
        self.emit("</span>")


_COMPONENTS: dict[str, Callable[[_Renderer, Node, int], None]] = {
    "Card": _Renderer.card,
    "ListView": _Renderer.list_view,
    "ListViewItem": _Renderer.list_view_item,
    "Row": _Renderer.row,
    "Col": _Renderer.col,
    "Box": _Renderer.box,
    "Form": _Renderer.form,
    "Transition": _Renderer.col,
    "Title": _Renderer.title,
    "Text": _Renderer.text_block,
    "Caption": _Renderer.caption,
    "Label": _Renderer.label,
    "Markdown": _Renderer.markdown,
    "Image": _Renderer.image,
    "Badge": _Renderer.badge,
    "Divider": _Renderer.divider,
    "Spacer": _Renderer.spacer,
    "Icon": _Renderer.icon,
    "Button": _Renderer.button,
    "Input": _Renderer.field,
    "Textarea": _Renderer.field,
    "Select": _Renderer.field,
    "Checkbox": _Renderer.field,
    "RadioGroup": _Renderer.field,
    "DatePicker": _Renderer.field,
    "Chart": _Renderer.chart,
}


def _fallback(raw: str) -> Markup:
    preview = raw if len(raw) <= RAW_PREVIEW_CHARS else raw[:RAW_PREVIEW_CHARS] + "…"
    return Markup(
        '<div class="w-root w-broken"><p>This widget could not be shown.</p>'
        "<details><summary>Show the raw widget data</summary>"
        '<pre class="w-raw">{}</pre></details></div>'
    ).format(preview)


def render_widget_data(widget: object) -> Markup:
    """Render an already-parsed widget tree (a mapping with a `type`)."""
    if not isinstance(widget, Mapping):
        return _fallback("" if widget is None else str(widget))
    renderer = _Renderer()
    renderer.node(widget, depth=0)
    if renderer.truncated:
        renderer.emit('<p class="w-truncated">Part of this widget is too large to show.</p>')
    body = "".join(renderer.out)
    return Markup(f'<div class="w-root">{body}</div>')  # noqa: S704 - built from escaped parts


def render_widget(widget_json: str) -> Markup:
    """Render a serialized ChatKit widget from upstream as safe, inert HTML."""
    if len(widget_json) <= _CACHEABLE_LENGTH:
        return _render_widget_cached(widget_json)
    return _render_widget(widget_json)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _render_widget_cached(widget_json: str) -> Markup:
    return _render_widget(widget_json)


def _render_widget(widget_json: str) -> Markup:
    if len(widget_json) > MAX_PAYLOAD_CHARS:
        return _fallback(widget_json)
    try:
        widget = json.loads(widget_json)
    except (ValueError, RecursionError):
        return _fallback(widget_json)
    if not isinstance(widget, Mapping):
        return _fallback(widget_json)
    return render_widget_data(widget)


def render_widget_value(value: object) -> Markup:
    """Template filter: a serialized widget as upstream sends it, or an already-parsed one."""
    if isinstance(value, str):
        return render_widget(value)
    return render_widget_data(value)
