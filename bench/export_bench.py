"""Memory of "export everything": a worker's peak RSS growth while it streams a user's ZIP.

Run: ``python bench/export_bench.py [--threads 300] [--items 50] [--baseline-threads 10]``

Starts a private Redis, the ChatKit emulator (its own process) and the app under gunicorn with
the production settings (one gthread worker), seeds one user with ``--threads`` threads of
``--items`` mixed items each and another user with ``--baseline-threads`` threads of the same
size, signs both in over HTTP and downloads each archive while sampling the worker's RSS
(``/proc/<pid>/status``, every 5 ms). The baseline export runs first, in the same worker,
after a warm-up export, so both figures are growth over the same settled worker.

Flat memory means the large export grows the worker about as much as the small one does,
although its archive is many times larger: the ratio of the two growths is printed against
the ratio of the archive sizes. Exits 1 when the large archive is incomplete, or when its
growth exceeds the baseline's by more than ``--max-ratio`` (default 3).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
from _harness import _wait_for_workers, emulator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere

from chatkit_bff.auth.dev_users import demo_user
from testing.items import mixed_items
from testing.servers import free_port, redis_server, wait_for_port

API_KEY = "sk-bench-7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e"
SECRET_KEY = "bench-secret-key-5c1e9a7b3d2f4e6a8c0b1d3f5e7a9c1b"
SEED_BATCH = 20


def user_id(key: str) -> str:
    user = demo_user(key)
    assert user is not None
    return user.identity().user_id


def seed(emulator_url: str, owner: str, threads: int, items: int, label: str) -> None:
    start = int(time.time()) - 30 * 86_400
    for first in range(0, threads, SEED_BATCH):
        batch = [
            {
                "user": owner,
                "title": f"{label} conversation {n}",
                "created_at": start + 60 * n,
                "items": mixed_items(items, start + 60 * n, label=f"{label}{n}-"),
            }
            for n in range(first, min(first + SEED_BATCH, threads))
        ]
        response = requests.post(
            f"{emulator_url}/_emulator/seed", json={"threads": batch}, timeout=120
        )
        response.raise_for_status()


@contextmanager
def gunicorn(cmd: list[str], env: dict[str, str], port: int) -> Iterator[tuple[str, int]]:
    """The app under gunicorn; yields its URL and the master's pid."""
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=root)
    try:
        wait_for_port(port, timeout=30)
        _wait_for_workers(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def sign_in(base: str, who: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=10).text
    marker = 'name="csrf-token" content="'
    token = page.split(marker, 1)[1].split('"', 1)[0]
    response = http.post(
        f"{base}/login/dev",
        data={"user": who, "next": "/", "csrf_token": token},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    return http


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def worker_pid(master: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise RuntimeError("gunicorn started no worker")


@contextmanager
def sampling(pid: int) -> Iterator[list[int]]:
    """RSS samples (KiB) of `pid` every 5 ms while the block runs."""
    samples = [rss_kib(pid)]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(rss_kib(pid))
            time.sleep(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()
        samples.append(rss_kib(pid))


def export(http: requests.Session, base: str, pid: int, keep: bool) -> tuple[int, int, bytes]:
    """Download the archive; (bytes, peak RSS growth in KiB over the RSS at its start, body)."""
    before = rss_kib(pid)
    body = io.BytesIO()
    size = 0
    with (
        sampling(pid) as samples,
        http.get(f"{base}/account/export", stream=True, timeout=600) as response,
    ):
        response.raise_for_status()
        for chunk in response.iter_content(chunk_size=65536):
            size += len(chunk)
            if keep:
                body.write(chunk)
    return size, max(samples) - before, body.getvalue()


def check_complete(body: bytes, threads: int, items: int) -> int:
    """Fail unless every item of every thread is in the archive; its uncompressed size."""
    archive = zipfile.ZipFile(io.BytesIO(body))
    index = json.loads(archive.read("index.json"))
    counts = [entry["items"] for entry in index["threads"]]
    total = sum(
        len(json.loads(archive.read(e["files"]["json"]))["items"]) for e in index["threads"]
    )
    if len(counts) != threads or set(counts) != {items} or total != threads * items:
        raise SystemExit(f"incomplete archive: {len(counts)} threads, {total} items")
    return sum(info.file_size for info in archive.infolist())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=300)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--baseline-threads", type=int, default=10)
    parser.add_argument("--max-ratio", type=float, default=3.0)
    args = parser.parse_args()

    with redis_server() as redis_url, emulator(0, API_KEY) as upstream:
        seed(upstream, user_id("ada"), 1, args.items, "warm")
        seed(upstream, user_id("alan"), args.baseline_threads, args.items, "base")
        seed(upstream, user_id("grace"), args.threads, args.items, "big")
        port = free_port()
        env = {
            "APP_ENV": "development",
            "SECRET_KEY": SECRET_KEY,
            "OPENAI_API_KEY": API_KEY,
            "CHATKIT_API_BASE": f"{upstream}/v1",
            "CHATKIT_WORKFLOW_ID": "wf_bench",
            "REDIS_URL": redis_url,
            "OIDC_ISSUER": "",
            "GUNICORN_THREADS": "2",
        }
        cmd = [
            sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
            "--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", "/dev/null",
            "app:create_app()",
        ]  # fmt: skip
        with gunicorn(cmd, env, port) as (base, master):
            pid = worker_pid(master)
            export(sign_in(base, "ada"), base, pid, keep=False)  # warm-up: imports, pools
            small_size, small_growth, _ = export(sign_in(base, "alan"), base, pid, keep=False)
            started = time.perf_counter()
            big_size, big_growth, body = export(sign_in(base, "grace"), base, pid, keep=True)
            seconds = time.perf_counter() - started
            unpacked = check_complete(body, args.threads, args.items)

    print(f"worker pid {pid}; items per thread: {args.items}")
    print("| export | threads | archive | peak RSS growth |")
    print("|---|---|---|---|")
    print(
        f"| baseline | {args.baseline_threads} | {small_size / 1e6:.2f} MB "
        f"| {small_growth / 1024:.1f} MiB |"
    )
    print(f"| large | {args.threads} | {big_size / 1e6:.2f} MB | {big_growth / 1024:.1f} MiB |")
    floor = max(small_growth, 1024)  # below 1 MiB the baseline is noise
    ratio = big_growth / floor
    print(
        f"archive size ratio large/baseline = {big_size / small_size:.1f}; "
        f"RSS growth ratio large/baseline = {ratio:.2f} (target <= {args.max_ratio}); "
        f"large export took {seconds:.1f} s ({args.threads * args.items / seconds:.0f} items/s)"
    )
    print(
        f"the large archive unpacks to {unpacked / 1e6:.1f} MB: the worker grew by "
        f"{big_growth * 1024 / unpacked:.1%} of that"
    )
    return 0 if ratio <= args.max_ratio else 1


if __name__ == "__main__":
    raise SystemExit(main())
