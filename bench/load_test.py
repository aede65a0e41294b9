"""A bounded load test: locust (headless, fixed seed) against gunicorn with the production config.

Run: ``python bench/load_test.py [--users 10] [--requests 20000] [--max-seconds 900]``
(needs the `bench` extra: ``pip install -e '.[bench]'``)

Starts a private Redis, the ChatKit emulator (its own process, 20 ms per call) and gunicorn
with deploy/gunicorn.conf.py (2 workers; worker recycling off, so that memory growth would
show), seeds a 200-item conversation per demo user, then runs bench/locustfile.py until
`--requests` requests were made (or `--max-seconds` passed). Prints requests/s, p50/p95/p99
per endpoint and the error count (target 0), and the peak resident memory of a worker after
2,000 requests and at the end (target: within 10%).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import redis
import requests
from _harness import emulator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chatkit_bff.auth.dev_users import DEMO_USERS  # noqa: E402
from chatkit_bff.identity import Actor  # noqa: E402
from chatkit_bff.policy.model import validate_overrides  # noqa: E402
from chatkit_bff.policy.store import PolicyStore  # noqa: E402
from testing.items import mixed_items  # noqa: E402
from testing.servers import free_port, redis_server, wait_for_port  # noqa: E402

API_KEY = "sk-bench-5e3b1d9f7a2c4e6b8d0f1a3c5e7b9d2f"
SECRET_KEY = "bench-secret-key-9d7b5f3a1e2c4b6d8f0a2c4e6b8d0f1a"
SEED = 16


def seed_history(emulator_url: str) -> None:
    start = int(time.time()) - 86_400
    threads = [
        {"user": user.identity().user_id, "title": f"Long talk with {user.name}",
         "created_at": start, "items": mixed_items(200, start, label=f"{user.key}-")}
        for user in DEMO_USERS
    ]  # fmt: skip
    response = requests.post(
        f"{emulator_url}/_emulator/seed", json={"threads": threads}, timeout=60
    )
    response.raise_for_status()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10, help="simulated people (default 10)")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--checkpoint", type=int, default=2_000)
    parser.add_argument("--max-seconds", type=int, default=900)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with ExitStack() as stack:
        redis_url = stack.enter_context(redis_server())
        PolicyStore(redis.Redis.from_url(redis_url)).replace_defaults(
            validate_overrides(
                {
                    "mint_requests_per_minute": 100_000,
                    "history_requests_per_minute": 100_000,
                    "exports_per_hour": 100_000,
                }
            ),
            actor=Actor("load-test", "Load test"),
        )  # 10 people share 3 demo users: the default limits would refuse most of their calls
        upstream = stack.enter_context(emulator(20, API_KEY))
        seed_history(upstream)
        port = free_port()
        env = {
            **os.environ,
            "APP_ENV": "development",
            "SECRET_KEY": SECRET_KEY,
            "REDIS_URL": redis_url,
            "EMULATOR_API_KEY": API_KEY,
            "CHATKIT_API_BASE": f"{upstream}/v1",
            "CHATKIT_WORKFLOW_ID": "wf_load",
            "OIDC_ISSUER": "",
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(args.workers),
        }
        env.pop("OPENAI_API_KEY", None)
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
             "--max-requests", "0", "--access-logfile", "/dev/null", "app:create_app()"],
            cwd=ROOT, env=env, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        stack.callback(server.wait, 30)
        stack.callback(server.terminate)
        wait_for_port(port, timeout=60)
        locust_env = {
            **os.environ,
            "LOAD_TEST_SEED": str(SEED),
            "LOAD_TEST_CHECKPOINT": str(args.checkpoint),
            "LOAD_TEST_REQUESTS": str(args.requests),
            "LOAD_TEST_WORKER_PIDS_FROM": str(server.pid),
        }
        print(
            f"locust: {args.users} people against gunicorn ({args.workers} workers, "
            f"deploy/gunicorn.conf.py) until {args.requests:,} requests",
            flush=True,
        )
        result = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
             "--headless", "--host", f"http://127.0.0.1:{port}", "--users", str(args.users),
             "--spawn-rate", str(args.users), "--run-time", f"{args.max_seconds}s",
             "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "1"],
            cwd=ROOT, env=locust_env, check=False,
        )  # fmt: skip
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
