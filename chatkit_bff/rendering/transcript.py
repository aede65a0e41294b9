"""Thread items as one block of HTML for the transcript page, built in Python.

A 1,000-item transcript is a thousand items of a dozen parts each: as Jinja macros, the calls,
contexts and per-value filters cost more than the Markdown did. Here each value from upstream
(attacker-controlled) is escaped as markupsafe escapes, exactly where the template escaped it,
or is HTML from the sanitizing renderers (Markdown, widgets), or is a URL checked by
safe_http_url / safe_image_url. The HTML is the same, byte for byte, as the macros it replaces
produced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from chatkit_bff.rendering.escaping import escape_html
from chatkit_bff.rendering.items import (
    annotation_sources,
    item_dom_id,
    item_kind,
    mappings,
    pretty_json,
    safe_image_url,
    timestamps,
    unlisted_status,
)
from chatkit_bff.rendering.markdown import render_markdown
from chatkit_bff.rendering.widgets import render_widget_value

__all__ = ["render_items"]

_LABELS = {
    "user_message": "Your message",
    "assistant_message": "Assistant reply",
    "widget": "Assistant widget",
    "client_tool_call": "Tool call",
    "task": "Assistant task",
    "task_group": "Assistant tasks",
    "unknown": "Unsupported item",
}
_AUTHORS = {"user_message": "You", "unknown": "Conversation"}
_UNSUPPORTED = (
    '<p class="item__body item__unsupported">'
    "This part of the conversation cannot be shown here.</p>"
)

Out = list[str]


def render_items(items: object) -> Markup:
    """Every mapping in `items` as an <article>, each followed by a newline."""
    out: Out = []
    for item in mappings(items):
        _item(out, item)
        out.append("\n")
    return Markup("".join(out))  # noqa: S704 - every part escaped or sanitized below


def _item(out: Out, item: Mapping[str, Any]) -> None:
    kind = item_kind(item)
    times = timestamps(item.get("created_at"))
    dom_id = item_dom_id(item.get("id"))
    out.append(f'<article class="item item--{kind}"')
    if dom_id:
        out.append(f' id="{dom_id}"')  # upstream's id shape: letters, digits, "_" and "-"
    out.append(f' aria-label="{_LABELS[kind]}')
    if kind == "client_tool_call" and item.get("name"):
        out.append(f" {escape_html(item['name'])}")
    out.append(
        '">\n  <header class="item__meta">\n'
        f'    <span class="item__author">{_AUTHORS.get(kind, "Assistant")}</span>'
    )
    if times is not None:
        out.append(f'\n    <time datetime="{times[0]}">{times[1]}</time>')
    out.append("\n  </header>\n  ")
    if kind == "user_message":
        _user_message(out, item)
    elif kind == "assistant_message":
        _assistant_message(out, item)
    elif kind == "widget":
        widget = render_widget_value(item.get("widget"))
        out.append(f'<div class="item__body widget">{widget}</div>')
    elif kind == "client_tool_call":
        _client_tool_call(out, item)
    elif kind == "task":
        out.append('<div class="item__body">')
        _task(out, item.get("task_type"), item.get("heading"), item.get("summary"))
        out.append("</div>")
    elif kind == "task_group":
        _task_group(out, item)
    else:
        out.append(_UNSUPPORTED)
    out.append("\n</article>")


def _user_message(out: Out, item: Mapping[str, Any]) -> None:
    out.append('<div class="item__body">')
    for part in mappings(item.get("content")):
        if part.get("type") == "quoted_text":
            # A missing text printed nothing in the template, a null one "None".
            text = escape_html(part["text"]) if "text" in part else ""
            out.append(f'\n  <blockquote class="quoted-text">{text}</blockquote>')
        elif part.get("text"):
            out.append(f'\n  <p class="user-text">{escape_html(part["text"])}</p>')
    out.append("\n</div>")
    attachments = mappings(item.get("attachments"))
    if attachments:
        out.append('\n<ul class="attachments" aria-label="Attachments">')
        for attachment in attachments:
            preview = (
                safe_image_url(attachment.get("preview_url"))
                if attachment.get("type") == "image"
                else None
            )
            if preview:
                name = escape_html(attachment.get("name") or "Attached image")
                out.append(
                    '\n  <li class="attachment attachment--image">\n'
                    f'    <img src="{escape_html(preview)}" alt="{name}" loading="lazy"'
                    ' decoding="async" referrerpolicy="no-referrer">\n  </li>'
                )
            else:
                name = escape_html(attachment.get("name") or "Attachment")
                out.append(
                    '\n  <li class="attachment attachment--file">\n'
                    f'    <span class="attachment__name">{name}</span>'
                )
                if attachment.get("mime_type"):
                    mime_type = escape_html(attachment["mime_type"])
                    out.append(f'\n    <span class="attachment__type">{mime_type}</span>')
                out.append("\n  </li>")
        out.append("\n</ul>")
    options = item.get("inference_options")
    if isinstance(options, Mapping) and options.get("model"):
        out.append(f'\n<small class="item__model">Model: {escape_html(options["model"])}</small>')


def _assistant_message(out: Out, item: Mapping[str, Any]) -> None:
    out.append('<div class="item__body">')
    for part in mappings(item.get("content")):
        text = part.get("text")
        if text:
            out.append(f'\n  <div class="markdown">{render_markdown(text)}</div>')
    out.append("\n</div>")
    sources = annotation_sources(item)
    if not sources:
        return
    out.append(
        '\n<section class="sources-section" aria-label="Sources">\n'
        '  <h3 class="sources__title">Sources</h3>\n  <ol class="sources">'
    )
    for source in sources:
        label = escape_html(source.label)
        out.append(f'\n    <li class="source source--{source.kind}">')
        if source.href:
            out.append(
                f'<a href="{escape_html(source.href)}" rel="noopener noreferrer" target="_blank">'
                f"{label}</a>"
            )
        else:
            out.append(f"<span>{label}</span>")
        out.append("</li>")
    out.append("\n  </ol>\n</section>")


def _client_tool_call(out: Out, item: Mapping[str, Any]) -> None:
    done = item.get("status") == "completed"
    name = escape_html(item.get("name") or "unnamed tool")
    status, badge = ("completed", "Completed") if done else ("in-progress", "Running")
    if (unlisted := unlisted_status(item)) is not None:  # said as it is, not as "Running"
        status, badge = "other", escape_html(unlisted.capitalize())
    arguments = escape_html(pretty_json(item.get("arguments")))
    out.append(
        '<div class="item__body tool-call">\n  <p class="tool-call__header">\n'
        '    <span class="tool-call__label">Tool</span>\n'
        f'    <code class="tool-call__name">{name}</code>\n'
        f'    <span class="status-badge status-badge--{status}">{badge}</span>\n'
        '  </p>\n  <details class="tool-call__details">\n'
        f"    <summary>{'Arguments and output' if done else 'Arguments'}</summary>\n"
        '    <h4 class="tool-call__heading">Arguments</h4>\n'
        f'    <pre class="code-block"><code>{arguments}</code></pre>\n'
        '    <h4 class="tool-call__heading">Output</h4>'
    )
    output = item.get("output")
    if isinstance(output, str):
        output_json = escape_html(pretty_json(output))
        out.append(f'\n    <pre class="code-block"><code>{output_json}</code></pre>')
    else:
        out.append('\n    <p class="tool-call__pending">No output yet.</p>')
    out.append("\n  </details>\n</div>")


def _task(out: Out, task_type: object, heading: object, summary: object) -> None:
    thought = task_type == "thought"
    title = (
        '<span class="task__icon" aria-hidden="true">'
        + ("&#8943;" if thought else "&#9881;")
        + '</span>\n  <span class="task__type">'
        + ("Thought" if thought else "Task")
        + "</span>"
    )
    if heading:
        title += f'\n  <span class="task__heading">{escape_html(heading)}</span>'
    if summary:
        html = render_markdown(summary) if isinstance(summary, str) else ""
        out.append(
            f'<details class="task">\n  <summary class="task__title">{title}</summary>\n'
            f'  <div class="task__summary markdown">{html}</div>\n</details>'
        )
    else:
        out.append(f'<div class="task"><p class="task__title">{title}</p></div>')


def _task_group(out: Out, item: Mapping[str, Any]) -> None:
    tasks = mappings(item.get("tasks"))
    steps = "step" if len(tasks) == 1 else "steps"
    out.append(
        f'<details class="item__body task-group">\n  <summary>{len(tasks)} {steps}</summary>\n'
        '  <ul class="task-list">'
    )
    for task in tasks:
        out.append("\n    <li>")
        _task(out, task.get("type"), task.get("heading"), task.get("summary"))
        out.append("</li>")
    out.append("\n  </ul>\n</details>")
