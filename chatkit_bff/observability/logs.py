"""Log lines: the request id in every one, text or one JSON object per line, no secrets."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from .request_ids import current_context

#: Loggers whose lines this app writes when the host has not configured logging.
APP_LOGGERS = ("chatkit_bff", "blueprints", "app")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
#: Fields a log call may add with `extra=`; the JSON line carries them when present.
EXTRA_FIELDS = ("method", "route", "path", "status", "duration_ms")

# A last line of defence: shapes of credentials that must never be written out even if some
# code (ours or a library's) tried: ChatKit client secrets, API keys, bearer tokens, JWTs.
_CREDENTIALS = re.compile(
    r"ek_[A-Za-z0-9_=+/-]{8,}"
    r"|sk-[A-Za-z0-9_-]{8,}"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}"
    r"|eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"
)


def scrub(text: str) -> str:
    return _CREDENTIALS.sub("[redacted]", text)


class RequestContextFilter(logging.Filter):
    """Adds `request_id` and `user` (a hash) to every record; redacts credential shapes."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current_context()
        if not hasattr(record, "request_id"):
            record.request_id = context.request_id if context else "-"
        if not hasattr(record, "user"):
            record.user = context.user if context else None
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "pid": record.process,
        }
        user = getattr(record, "user", None)
        if user:
            line["user"] = user
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def make_formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(log_format: str) -> None:
    """Our INFO lines reach stderr unless the host configured logging (then only the filter).

    Idempotent: several apps in one process share one handler per logger.
    """
    host_configured = bool(logging.getLogger().handlers)
    for name in APP_LOGGERS:
        logger = logging.getLogger(name)
        ours = [h for h in logger.handlers if getattr(h, "chatkit_bff", False)]
        if host_configured:
            for handler in logging.getLogger().handlers:
                _ensure_filter(handler)
            continue
        if not ours:
            handler = logging.StreamHandler()
            handler.chatkit_bff = True  # type: ignore[attr-defined]
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            ours = [handler]
        for handler in ours:
            handler.setFormatter(make_formatter(log_format))
            _ensure_filter(handler)


def _ensure_filter(handler: logging.Handler) -> None:
    if not any(isinstance(f, RequestContextFilter) for f in handler.filters):
        handler.addFilter(RequestContextFilter())
