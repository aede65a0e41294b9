"""Benchmark: a warm-cache session call in a chat app of the apps file vs in the default app.

    python bench/apps_bench.py [--calls 2000]

One app process (Flask test client, in-process), a private Redis and the emulator in a thread.
Grace signs in (demo sign-in), both secrets are cached, then calls alternate between
POST /api/chatkit/session (baseline) and POST /api/apps/support/chatkit/session. Prints p50/p95
of each and their ratio (target: app / default <= 1.1, the app layer is one more key in the
same Redis round trip).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from emulator.app import create_app as create_emulator  # noqa: E402
from emulator.config import EmulatorConfig  # noqa: E402
from testing.servers import redis_server, serve_in_thread  # noqa: E402

API_KEY = "sk-bench-0123456789abcdef0123456789"
APPS = """
[apps.support]
title = "Support"
workflow_id = "wf_support"
[apps.support.policy]
session_seconds = 600
mint_requests_per_minute = 100000
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with (
        redis_server() as redis_url,
        serve_in_thread(create_emulator(EmulatorConfig(api_key=API_KEY))) as upstream,
        tempfile.TemporaryDirectory() as tmp,
    ):
        apps_file = Path(tmp) / "apps.toml"
        apps_file.write_text(APPS)
        app = create_app(
            {
                "APP_ENV": "development",
                "SECRET_KEY": "bench-secret-key-4f1c9a7e2b8d4c6a9e0f1b2c3d4e5f60",
                "OPENAI_API_KEY": API_KEY,
                "CHATKIT_API_BASE": f"{upstream.url}/v1",
                "CHATKIT_WORKFLOW_ID": "wf_default",
                "CHATKIT_APPS_FILE": str(apps_file),
                "REDIS_URL": redis_url,
                "OIDC_ISSUER": "",
                "RATELIMIT_ENABLED": False,
            }
        )
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert token
        client.post("/login/dev", data={"user": "grace", "next": "/", "csrf_token": token[1]})
        fresh = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(True))
        assert fresh
        headers = {"X-CSRFToken": fresh[1]}
        paths = {"default": "/api/chatkit/session", "app": "/api/apps/support/chatkit/session"}
        timings: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(50):  # warm both caches and the process
            for path in paths.values():
                assert client.post(path, json={"current_client_secret": None}, headers=headers)
        for _ in range(args.calls):
            for name, path in paths.items():
                started = time.perf_counter()
                response = client.post(path, json={"current_client_secret": None}, headers=headers)
                timings[name].append(time.perf_counter() - started)
                assert response.status_code == 200, response.get_data(as_text=True)
        app.extensions["chatkit_bff"].close()
    for name, values in timings.items():
        print(
            f"{name:8s} p50 {statistics.median(values) * 1000:6.2f} ms  "
            f"p95 {percentile(values, 0.95) * 1000:6.2f} ms  ({len(values)} calls)"
        )
    ratio = statistics.median(timings["app"]) / statistics.median(timings["default"])
    print(f"app / default (p50) = {ratio:.2f}")


if __name__ == "__main__":
    main()
