"""Run the ChatKit API emulator standalone.

Usage::

    python -m emulator --host 127.0.0.1 --port 8787 [--api-key K] [--seed FILE]
                       [--latency-ms N] [--error-rate R] [--error-status S]

Then point a client at ``http://HOST:PORT/v1`` with ``Authorization: Bearer K`` (default key
``sk-emulator``) and ``OpenAI-Beta: chatkit_beta=v1``, e.g.
``openai.OpenAI(api_key="sk-emulator", base_url="http://127.0.0.1:8787/v1")``.

Options left out fall back to the environment (``EMULATOR_API_KEY``, ``EMULATOR_SEED``,
``EMULATOR_LATENCY_MS``, ``EMULATOR_ERROR_RATE``, ``EMULATOR_ERROR_STATUS``), then to the
defaults of :class:`emulator.config.EmulatorConfig`.

A seed file is JSON: ``{"threads": [{"user": "u1", "title": "Hello", "items": [...]}]}``.

The control API (no auth) lives beside the emulated one:

- ``POST /_emulator/reset``: forget sessions, threads, logged requests, faults, clock shift
  (a call still running then is not logged when it ends)
- ``POST /_emulator/threads`` ``{"user", "title"?, "status"?, "created_at"?, "id"?, "items"?}``
- ``POST /_emulator/threads/<id>/items`` ``{"items": [...]}``
- ``POST /_emulator/seed`` ``{"threads": [...]}`` (the seed file format)
- ``GET /_emulator/sessions``: ``{"sessions": [ChatSession...]}`` with current statuses and
  each one's ``client_request_id`` (the ``X-Client-Request-Id`` header it was created with)
- ``GET|DELETE /_emulator/requests``: ``{"requests": [{"method", "path", "query", "json",
  "status", "headers"}]}`` of emulated-API calls (header names lowercase, key redacted)
- ``GET|PUT /_emulator/faults`` ``{"latency_ms"?, "error_rate"?, "error_status"?,
  "scripted"?: [{"status", "count"?, "method"?, "path_prefix"?, "retry_after"?, "delay_ms"?}]}``:
  scripted faults are used up in order by the calls they match; a status below 400 only delays
- ``GET|PUT /_emulator/clock`` ``{"offset_seconds": N}``: shift "now" (session expiry, defaults)

Behaviour where the hosted API is not documented: an ``after``/``before`` cursor naming no
object of the list is a 400 with ``param`` set to the cursor's name; cancelling a cancelled or
expired session answers it as ``cancelled`` again.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from werkzeug.serving import run_simple

from .app import create_app
from .config import EmulatorConfig


def parse_arguments(argv: list[str] | None = None) -> tuple[argparse.Namespace, EmulatorConfig]:
    parser = argparse.ArgumentParser(
        prog="python -m emulator", description="Local emulator of the hosted ChatKit REST API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--api-key", help="the accepted Bearer key (default sk-emulator)")
    parser.add_argument("--seed", help="JSON file of threads to load at start")
    parser.add_argument("--latency-ms", type=int, help="delay added to every API call")
    parser.add_argument("--error-rate", type=float, help="share of API calls that fail, 0..1")
    parser.add_argument("--error-status", type=int, help="status of those failures (500)")
    parser.add_argument(
        "--workflow", action="append", help="a workflow id that exists (repeat; default: any wf_)"
    )
    arguments = parser.parse_args(argv)
    overrides = {
        "api_key": arguments.api_key,
        "seed_file": arguments.seed,
        "latency_ms": arguments.latency_ms,
        "error_rate": arguments.error_rate,
        "error_status": arguments.error_status,
        "workflows": tuple(arguments.workflow) if arguments.workflow else None,
    }
    try:
        config = dataclasses.replace(
            EmulatorConfig.from_env(),
            **{name: value for name, value in overrides.items() if value is not None},
        )
    except ValueError as error:
        parser.error(str(error))
    return arguments, config


def main(argv: list[str] | None = None) -> int:
    arguments, config = parse_arguments(argv)
    try:
        app = create_app(config)
    except (OSError, ValueError) as error:
        print(f"emulator: {error}", file=sys.stderr)
        return 2
    run_simple(arguments.host, arguments.port, app, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
