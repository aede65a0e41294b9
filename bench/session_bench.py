"""Benchmark POST /api/chatkit/session under gunicorn (2 workers) with N signed-in users.

    python bench/session_bench.py [--users 20] [--seconds 60] [--concurrency 8]

Phases, each against the same kind of server (gunicorn, 2 sync workers, private Redis):
  (a) warm cache: every user's secret is cached, so a call is served from Redis;
  (b) cache disabled (SECRET_CACHE=off): a new upstream session on every call, as the
      official starter app does, against the emulator with 150 ms added latency;
  (c) floor: GET /readyz in the same app, one Redis round trip and nothing else.
Users sign in through a real OpenID Connect flow at a local provider. Prints requests/s,
p50 and p99 for each, the ratios a/c and a/b, and how many upstream sessions were created.
Targets: a/c >= 0.8, a/b >= 50, creates = N during the (a) run with 600 s sessions.

Then profiles `--profile-calls` cached calls (cProfile) in an app built in this process on
the same Redis, and prints where their time goes, so the next person sees what to cut.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import re
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import redis
import requests
from _harness import Request, Result, emulator, gunicorn, run_load

from app import create_app
from chatkit_bff.identity import Actor
from chatkit_bff.policy.model import validate_overrides
from chatkit_bff.policy.store import PolicyStore
from testing.emulator import Emulator
from testing.oidc_provider import ProviderClient, ProviderUser, running_provider
from testing.servers import redis_server

API_KEY = "sk-bench-0123456789abcdef0123456789"
SECRET_KEY = "bench-secret-key-4f1c9a7e2b8d4c6a9e0f1b2c3d4e5f60"
CLIENT_ID, CLIENT_SECRET = "bff-bench", "bench-client-secret-1234567890"
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


@contextmanager
def bff(env: dict[str, str], provider_client: ProviderClient) -> Iterator[str]:
    with gunicorn(env) as url:
        provider_client.redirect_uris.append(f"{url}/auth/callback")
        provider_client.post_logout_redirect_uris.append(f"{url}/")
        yield url


def sign_in(base: str, sub: str) -> tuple[str, str]:
    """Sign one user in through the provider; return (Cookie header, CSRF token)."""
    browser = requests.Session()
    authorize = browser.get(f"{base}/login", allow_redirects=True, timeout=10)
    callback = browser.post(
        authorize.url, data={"username": sub}, allow_redirects=False, timeout=10
    )
    browser.get(callback.headers["Location"], allow_redirects=True, timeout=10)
    page = browser.get(f"{base}/", timeout=10).text
    token = _CSRF.search(page)
    if token is None or not browser.cookies:
        raise SystemExit(f"sign-in failed for {sub}")
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies if "127.0.0.1" in c.domain)
    return cookie, token.group(1)


def bff_env(api_base: str, issuer: str) -> dict[str, str]:
    """The app's settings for a bench: the emulator, the provider, sign-ins never limited."""
    return {
        "APP_ENV": "development",
        "SECRET_KEY": SECRET_KEY,
        "OPENAI_API_KEY": API_KEY,
        "CHATKIT_API_BASE": api_base,
        "CHATKIT_WORKFLOW_ID": "wf_bench",
        "OIDC_ISSUER": issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "LOGIN_RATE_LIMIT": "100000/minute",
    }


def warm_cache(base: str, users: list[tuple[str, str]]) -> None:
    """One first call per signed-in user, so each has a cached secret (one create each)."""
    for cookie, token in users:
        requests.post(
            f"{base}/api/chatkit/session",
            json={"current_client_secret": None},
            headers={"Cookie": cookie, "X-CSRFToken": token},
            timeout=30,
        ).raise_for_status()


def session_calls(users: list[tuple[str, str]]) -> object:
    body = json.dumps({"current_client_secret": None}).encode()

    def request_for(n: int) -> Request:
        cookie, token = users[n % len(users)]
        headers = {"Cookie": cookie, "X-CSRFToken": token, "Content-Type": "application/json"}
        return Request("POST", "/api/chatkit/session", headers, body)

    return request_for


def creates(upstream: Emulator) -> int:
    log = upstream.requests()
    return sum(1 for r in log if r["method"] == "POST" and r["path"] == "/v1/chatkit/sessions")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--profile-calls", type=int, default=2000)
    parser.add_argument("--skip-uncached", action="store_true", help="skip phase (b), the slow one")
    args = parser.parse_args()
    # Log lines (the in-process app's and provider's) are still made, as in production, so the
    # profile counts them, but they go nowhere: a run would otherwise print thousands.
    logging.basicConfig(level=logging.INFO, stream=open(os.devnull, "w"))  # noqa: SIM115

    people = [
        ProviderUser(f"user{i}", f"User {i}", f"user{i}@example.com") for i in range(args.users)
    ]
    client = ProviderClient(CLIENT_ID, CLIENT_SECRET, [], [])
    with ExitStack() as stack:
        redis_url = stack.enter_context(redis_server())
        PolicyStore(redis.Redis.from_url(redis_url)).replace_defaults(
            validate_overrides({"mint_requests_per_minute": 100_000, "session_seconds": 600}),
            actor=Actor("bench", "Benchmark"),
        )
        upstream_url = stack.enter_context(emulator(150, API_KEY))
        upstream = Emulator(upstream_url)
        stack.callback(upstream.close)
        provider = stack.enter_context(running_provider(people, [client]))
        env = {**bff_env(upstream.api_url, provider.issuer), "REDIS_URL": redis_url}
        run = {"seconds": args.seconds, "concurrency": args.concurrency}

        with bff(env, client) as cached:
            users = [sign_in(cached, p.sub) for p in people]
            upstream.clear_requests()
            call = session_calls(users)
            warm_cache(cached, users)
            # (a) and (c) alternate in short rounds, so that a change in the machine's load
            # during the run weighs on both alike.
            rounds = {**run, "seconds": args.seconds / ROUNDS}
            warm_parts, floor_parts = [], []
            for _ in range(ROUNDS):
                warm_parts.append(run_load("(a) warm cache", cached, call, **rounds))
                floor_parts.append(
                    run_load(
                        "(c) floor: one Redis round trip",
                        cached,
                        lambda _n: Request("GET", "/readyz"),
                        **rounds,
                    )
                )
            warm, floor = merged(warm_parts), merged(floor_parts)
            warm_creates = creates(upstream)
            print(warm.row(), floor.row(), sep="\n", flush=True)
            profile = profile_cached_calls(env, users[0], args.profile_calls)

        if args.skip_uncached:
            cold = None
        else:
            with bff({**env, "SECRET_CACHE": "off"}, client) as uncached:
                users = [sign_in(uncached, p.sub) for p in people]
                cold = run_load(
                    "(b) no cache, 150 ms upstream", uncached, session_calls(users), **run
                )

    report(warm, cold, floor, warm_creates, args.users)
    print(profile)
    return 0 if warm.rps / floor.rps >= TARGET_WARM_VS_FLOOR else 1


TARGET_WARM_VS_FLOOR = 0.8
ROUNDS = 5


def merged(parts: list[Result]) -> Result:
    return Result(
        parts[0].name,
        sum(part.seconds for part in parts),
        [latency for part in parts for latency in part.latencies],
        sum(part.errors for part in parts),
    )


def profile_cached_calls(env: dict[str, str], user: tuple[str, str], calls: int) -> str:
    """cProfile of `calls` cached calls in an in-process app (same Redis, same sign-in)."""
    cookie, token = user
    app = create_app(env)
    client = app.test_client()
    for pair in cookie.split("; "):
        name, _, value = pair.partition("=")
        client.set_cookie(name, value)
    headers = {"X-CSRFToken": token}
    body = {"current_client_secret": None}
    for _ in range(20):  # warm up connections and caches
        client.post("/api/chatkit/session", json=body, headers=headers)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        response = client.post("/api/chatkit/session", json=body, headers=headers)
    profiler.disable()
    if response.status_code != 200:
        return f"\nprofile skipped: the in-process call answered HTTP {response.status_code}"
    out = io.StringIO()
    print(f"\nWhere a cached call spends its time ({calls} calls in-process, cProfile):", file=out)
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    print("-- our code and the extensions on the path, by cumulative time:", file=out)
    stats.print_stats(r"chatkit_bff|blueprints|flask_wtf|flask_limiter|werkzeug/wrappers", 15)
    print("-- everything, by own time:", file=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(12)
    return out.getvalue()


def report(warm: Result, cold: Result | None, floor: Result, warm_creates: int, users: int) -> None:
    print()
    for result in (warm, cold, floor):
        if result is not None:
            print(result.row())
    print()
    # Three decimals: 0.798 is a miss, and two would print it as 0.80.
    print(f"a/c (warm vs floor)    {warm.rps / floor.rps:6.3f}   target >= {TARGET_WARM_VS_FLOOR}")
    if cold is not None:
        print(f"a/b (warm vs no cache) {warm.rps / cold.rps:6.1f}   target >= 50")
    print(f"upstream creates during (a): {warm_creates} for {users} users   target = {users}")
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
