"""How long an admin search takes as the users directory grows: 1,000 / 100,000 / 1,000,000 users.

Run: ``python bench/directory_bench.py [--sizes 1000,100000,1000000] [--runs 50]``

Seeds a private Redis with the directory's own layout (the user hash, the sign-in sorted set
and the prefix index), pipelined, growing to each size in turn; at each size it times the
first page (25, as the admin console shows) of: a name prefix that one user has, a common
first-name prefix (a full page), an email prefix, an exact user id, and the plain listing.
Times are `UserDirectory.page` in this process (the server's work, without HTTP), as p50 over
`--runs` calls, with one Redis round trip (PING) measured alongside as the baseline.
Target: every search at 1,000,000 users <= 20 ms, growing like log N, not N.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from chatkit_bff import redis_keys as keys
from chatkit_bff.admin.directory import UserDirectory
from chatkit_bff.admin.search import terms_of
from testing.servers import redis_server

FIRST = ["mary", "james", "li", "fatima", "olga", "juan", "aiko", "noah", "amara", "omar",
         "grace", "alan", "ada", "linus", "mei", "ivan"]  # fmt: skip
LAST = ["smith", "garcia", "wang", "okafor", "ivanova", "tanaka", "muller", "rossi", "silva",
        "khan", "nguyen", "cohen"]  # fmt: skip
TARGET_MS = 20.0
PAGE = 25
BATCH = 2_000


def _resp(*parts: bytes) -> bytes:
    """One command in the Redis protocol."""
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def seed(url: str, start: int, stop: int, rng: random.Random) -> None:
    """Users `start`..`stop`-1, laid out as `UserDirectory.record_sign_in` does, streamed
    through `redis-cli --pipe` (redis-py's command packing would take minutes for 1M)."""
    host, port = url.removeprefix("redis://").split("/")[0].split(":")
    pipe = subprocess.Popen(
        ["redis-cli", "-h", host, "-p", port, "--pipe"], stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    assert pipe.stdin is not None
    listing, index = keys.USERS_INDEX.encode(), keys.USERS_SEARCH_INDEX.encode()
    for low in range(start, stop, BATCH):
        out: list[bytes] = []
        ranked: list[bytes] = [b"ZADD", listing]
        terms: list[bytes] = [b"ZADD", index]
        for n in range(low, min(low + BATCH, stop)):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name, email = f"{first.title()} {last.title()}", f"{first}.{last}{n}@example.org"
            user_id = f"u_bench{n:07d}".encode()
            at = b"%d" % (1_700_000_000 + n)
            out.append(_resp(
                b"HSET", keys.user_record(user_id.decode()).encode(), b"user_id", user_id,
                b"name", name.encode(), b"email", email.encode(), b"is_admin", b"0",
                b"last_sign_in_at", at, b"first_seen_at", at, b"sign_ins", b"1",
            ))  # fmt: skip
            ranked += [at + b"000", user_id]
            for term in terms_of(name, email):
                terms += [b"0", term.encode() + b"\x00" + user_id]
        out += [_resp(*ranked), _resp(*terms)]
        pipe.stdin.write(b"".join(out))
    pipe.stdin.close()
    if pipe.wait() != 0:
        raise SystemExit("redis-cli --pipe failed")


def p50_ms(call: Callable[[], object], runs: int) -> float:
    call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    rng = random.Random(16)

    with redis_server() as url:
        client = redis.Redis.from_url(url)
        directory = UserDirectory(client)
        queries = {
            "name prefix, 1 match ('needl')": "needl",
            "first-name prefix, full page ('mar')": "mar",
            "two words ('mary smi')": "mary smi",
            "email prefix ('olga.khan')": "olga.khan",
            "exact user id": "u_bench0000500",
            "listing, newest first (no query)": "",
        }
        table: dict[str, list[float]] = {name: [] for name in queries}
        floor: list[float] = []
        seeded = 0
        client.hset(keys.user_record("u_needle"), mapping={"user_id": "u_needle", "name": "Needle"})
        client.zadd(keys.USERS_SEARCH_INDEX, {b"needle\x00u_needle": 0})
        for size in sizes:
            started = time.perf_counter()
            seed(url, seeded, size, rng)
            seeded = size
            print(f"seeded {size:>9,} users in {time.perf_counter() - started:5.1f} s", flush=True)
            floor.append(p50_ms(client.ping, args.runs))
            for name, query in queries.items():
                table[name].append(p50_ms(lambda q=query: directory.page(q, limit=PAGE), args.runs))  # type: ignore[misc]

    header = "".join(f"{size:>14,}" for size in sizes)
    print(f"\nfirst page of {PAGE}, p50 over {args.runs} calls (ms, and x one Redis round trip)")
    print(f"{'users':<40}{header}")
    print(f"{'one Redis round trip (PING)':<40}" + "".join(f"{v:>11.2f} ms" for v in floor))
    worst = 0.0
    for name, values in table.items():
        cells = "".join(f"{v:>7.2f} x{v / f:>5.1f}" for v, f in zip(values, floor, strict=True))
        print(f"{name:<40}{cells}")
        worst = max(worst, values[-1])
    growth = max(v[-1] / v[0] for v in table.values() if v[0] > 0)
    print(f"\nslowest search at {sizes[-1]:,} users: {worst:.2f} ms (target <= {TARGET_MS:.0f} ms)")
    print(f"largest growth from {sizes[0]:,} to {sizes[-1]:,} users: x{growth:.2f} "
          f"(the users grew x{sizes[-1] / sizes[0]:,.0f})")  # fmt: skip
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
