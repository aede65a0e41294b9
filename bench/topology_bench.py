"""Benchmark POST /api/chatkit/session on a single Redis node, a Redis Cluster and Sentinel.

    python bench/topology_bench.py [--users 20] [--seconds 20] [--concurrency 8] [--rounds 2]

Each topology runs locally (cluster: 3 primaries + 3 replicas; Sentinel: 1 primary, 1 replica,
3 sentinels, both with a password), behind the same gunicorn (2 sync workers) and emulator; the
users sign in through a real OpenID Connect flow and their secrets are cached (the common call:
the policy and the cached secret read from Redis). Rounds alternate the topologies so a busy
machine weighs on each alike; the best round of each counts. Prints requests/s, p50 and p99,
and the ratios cluster/single and sentinel/single. Target: both >= 0.8.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

import requests
from _harness import Result, emulator, run_load
from session_bench import (
    API_KEY,
    CLIENT_ID,
    CLIENT_SECRET,
    bff,
    bff_env,
    session_calls,
    sign_in,
    warm_cache,
)

from chatkit_bff.identity import Actor
from chatkit_bff.policy.model import validate_overrides
from chatkit_bff.policy.store import PolicyStore
from chatkit_bff.redis_connection import connect, parse_redis_url
from testing.oidc_provider import ProviderClient, ProviderUser, running_provider
from testing.redis_topologies import redis_cluster, redis_sentinel
from testing.servers import redis_server


@contextmanager
def topology(name: str) -> Iterator[str]:
    """The REDIS_URL of a freshly started topology."""
    if name == "single":
        with redis_server() as url:
            yield url
    elif name == "cluster":
        with redis_cluster() as cluster:
            yield cluster.url
    else:
        with redis_sentinel() as group:
            yield group.url


def one_run(
    name: str,
    env: dict[str, str],
    people: list[ProviderUser],
    client: ProviderClient,
    run: dict[str, float],
) -> Result:
    with topology(name) as redis_url:
        store = connect(parse_redis_url(redis_url))
        PolicyStore(store).replace_defaults(
            validate_overrides({"mint_requests_per_minute": 100_000, "session_seconds": 600}),
            actor=Actor("bench", "Benchmark"),
        )
        store.close()
        server: AbstractContextManager[str] = bff({**env, "REDIS_URL": redis_url}, client)
        with server as base:
            # The workers boot after the port opens; on a busy machine that takes a while.
            requests.get(f"{base}/readyz", timeout=120).raise_for_status()
            users = [sign_in(base, p.sub) for p in people]
            warm_cache(base, users)
            return run_load(f"{name}: warm cache", base, session_calls(users), **run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    people = [
        ProviderUser(f"user{i}", f"User {i}", f"user{i}@example.com") for i in range(args.users)
    ]
    client = ProviderClient(CLIENT_ID, CLIENT_SECRET, [], [])
    best: dict[str, Result] = {}
    with ExitStack() as stack:
        upstream = stack.enter_context(emulator(0, API_KEY))
        provider = stack.enter_context(running_provider(people, [client]))
        env = bff_env(f"{upstream}/v1", provider.issuer)
        run = {"seconds": args.seconds, "concurrency": args.concurrency}
        for _ in range(args.rounds):
            for name in ("single", "cluster", "sentinel"):
                result = one_run(name, env, people, client, run)
                if name not in best or result.rps > best[name].rps:
                    best[name] = result

    print()
    for result in best.values():
        print(result.row())
    print()
    single = best["single"].rps
    print(f"cluster/single  {best['cluster'].rps / single:5.2f}   target >= 0.8")
    print(f"sentinel/single {best['sentinel'].rps / single:5.2f}   target >= 0.8")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
