"""Real local Redis topologies on free ports in temp dirs: a Cluster and a Sentinel group.

Both use Debian's `redis-server` (and `redis-sentinel`) and a password, so every test that runs
on them also checks that passwords reach each node and sentinel.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from testing.servers import free_port, wait_for_port

PASSWORD = "topology-test-password-7c1e"
SERVICE = "bff-primary"


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed (apt-get install {name})")
    return found


@dataclass
class RedisNode:
    """One redis-server (or sentinel) process."""

    port: int
    process: subprocess.Popen[bytes]
    password: str | None = PASSWORD

    def client(self, **options: object) -> redis.Redis:
        return redis.Redis(port=self.port, password=self.password, **options)  # type: ignore[arg-type]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """Fail the node hard (SIGKILL), as a crashed host would."""
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def _start(args: list[str], port: int, workdir: Path, password: str | None) -> RedisNode:
    log = workdir / f"{port}.log"
    process = subprocess.Popen(args, cwd=workdir, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    node = RedisNode(port, process, password)
    try:
        wait_for_port(port, timeout=30)
    except TimeoutError:
        node.stop()
        raise RuntimeError(f"redis on {port} did not start: {log.read_text()[-2000:]}") from None
    return node


def _server_args(port: int, workdir: Path, *extra: str) -> list[str]:
    return [
        _binary("redis-server"),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", str(workdir),
        "--requirepass", PASSWORD,
        "--masterauth", PASSWORD,
        "--maxmemory-policy", "noeviction",
        *extra,
    ]  # fmt: skip


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except redis.RedisError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} after {timeout}s")


@dataclass
class LocalCluster:
    """3 primaries + 3 replicas."""

    nodes: list[RedisNode]
    workdir: Path

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{n.port}" for n in self.nodes[:3])
        return f"redis+cluster://:{PASSWORD}@{hosts}"

    def primaries(self) -> list[RedisNode]:
        return [n for n in self.nodes if n.alive and _role(n) == "master"]

    def primary_for(self, key: str) -> RedisNode:
        """The live primary serving `key`'s slot now."""
        client = self.primaries()[0].client(socket_timeout=2)
        try:
            slot = int(client.execute_command("CLUSTER KEYSLOT", key))
            rows = client.execute_command("CLUSTER SLOTS")
        finally:
            client.close()
        for row in rows:
            if int(row[0]) <= slot <= int(row[1]):
                port = int(row[2][1])
                return next(n for n in self.nodes if n.port == port)
        raise LookupError(f"no primary serves {key!r}")

    def healthy(self) -> bool:
        live = [n for n in self.nodes if n.alive]
        return all(_cluster_ok(n) for n in live) and len(self.primaries()) == 3

    def flush(self) -> None:
        for node in self.primaries():
            client = node.client()
            try:
                client.flushall()
            finally:
                client.close()


def _role(node: RedisNode) -> str:
    client = node.client(socket_timeout=2)
    try:
        return str(client.info("replication")["role"])
    finally:
        client.close()


def _cluster_ok(node: RedisNode) -> bool:
    client = node.client(socket_timeout=2)
    try:
        info = client.execute_command("CLUSTER INFO")
    finally:
        client.close()
    return bool(info.get("cluster_state") == "ok")


@contextmanager
def redis_cluster(node_timeout_ms: int = 1500) -> Iterator[LocalCluster]:
    """Start a Redis Cluster of 3 primaries and 3 replicas; yield it; tear it down."""
    with tempfile.TemporaryDirectory(prefix="bff-cluster-") as tmp:
        root = Path(tmp)
        nodes: list[RedisNode] = []
        try:
            for _ in range(6):
                port = free_port()
                workdir = root / str(port)
                workdir.mkdir()
                args = _server_args(
                    port,
                    workdir,
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf",
                    "--cluster-port", str(free_port()),
                    "--cluster-node-timeout", str(node_timeout_ms),
                )  # fmt: skip
                nodes.append(_start(args, port, workdir, PASSWORD))
            subprocess.run(
                [
                    _binary("redis-cli"),
                    "-a", PASSWORD,
                    "--no-auth-warning",
                    "--cluster", "create",
                    *(f"127.0.0.1:{n.port}" for n in nodes),
                    "--cluster-replicas", "1",
                    "--cluster-yes",
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )  # fmt: skip
            cluster = LocalCluster(nodes, root)
            wait_until(cluster.healthy, 90, "the cluster is not ok")
            wait_until(lambda: _replicas_synced(nodes), 90, "the replicas are not in sync")
            yield cluster
        finally:
            for node in nodes:
                node.stop()


def _replicas_synced(nodes: list[RedisNode]) -> bool:
    for node in nodes:
        if not node.alive:
            continue
        client = node.client(socket_timeout=2)
        try:
            info = client.info("replication")
        finally:
            client.close()
        if info["role"] == "slave" and info.get("master_link_status") != "up":
            return False
        if info["role"] == "master" and int(info.get("connected_slaves", 0)) < 1:
            return False
    return True


@dataclass
class SentinelGroup:
    """1 primary, 1 replica, 3 sentinels watching them as `SERVICE`."""

    servers: list[RedisNode]
    sentinels: list[RedisNode]
    workdir: Path
    db: int = 0
    extra: dict[str, str] = field(default_factory=dict)
    sentinel_password: str = PASSWORD

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        url = f"redis+sentinel://:{PASSWORD}@{hosts}/{SERVICE}/{self.db}"
        if self.sentinel_password == PASSWORD:
            return url
        return f"{url}?sentinel_password={urllib.parse.quote(self.sentinel_password, safe='')}"

    def primary(self) -> RedisNode:
        client = self.sentinels[0].client(socket_timeout=2)
        try:
            _host, port = client.sentinel_get_master_addr_by_name(SERVICE)
        finally:
            client.close()
        return next(s for s in self.servers if s.port == int(port))

    def flush(self) -> None:
        client = self.primary().client()
        try:
            client.flushall()
        finally:
            client.close()

    def settled(self) -> bool:
        """Every sentinel agrees on a live primary that has a replica in sync."""
        answers = set()
        for sentinel in self.sentinels:
            client = sentinel.client(socket_timeout=2)
            try:
                answers.add(tuple(client.sentinel_get_master_addr_by_name(SERVICE)))
                state = client.sentinel_master(SERVICE)
            finally:
                client.close()
            if int(state.get("num-other-sentinels", 0)) < 2 or int(state["num-slaves"]) < 1:
                return False
        if len(answers) != 1:
            return False
        primary = self.primary()
        if not primary.alive or _role(primary) != "master":
            return False
        client = primary.client(socket_timeout=2)
        try:
            return int(client.info("replication").get("connected_slaves", 0)) >= 1
        finally:
            client.close()


def _sentinel_command(conf: Path) -> list[str]:
    found = shutil.which("redis-sentinel")
    return [found, str(conf)] if found else [_binary("redis-server"), str(conf), "--sentinel"]


@contextmanager
def redis_sentinel(
    down_after_ms: int = 1000, *, sentinel_password: str = PASSWORD
) -> Iterator[SentinelGroup]:
    """Start a primary, its replica and 3 sentinels; yield the group; tear it down.

    The data nodes require PASSWORD; the sentinels `sentinel_password` (the same by default).
    """
    with tempfile.TemporaryDirectory(prefix="bff-sentinel-") as tmp:
        root = Path(tmp)
        servers: list[RedisNode] = []
        sentinels: list[RedisNode] = []
        try:
            primary_port = free_port()
            for index in range(2):
                port = primary_port if index == 0 else free_port()
                workdir = root / str(port)
                workdir.mkdir()
                extra = [] if index == 0 else ["--replicaof", "127.0.0.1", str(primary_port)]
                servers.append(_start(_server_args(port, workdir, *extra), port, workdir, PASSWORD))
            for _ in range(3):
                port = free_port()
                workdir = root / f"sentinel-{port}"
                workdir.mkdir()
                conf = workdir / "sentinel.conf"
                conf.write_text(
                    f"port {port}\n"
                    "bind 127.0.0.1\n"
                    f"dir {workdir}\n"
                    f"sentinel monitor {SERVICE} 127.0.0.1 {primary_port} 2\n"
                    f"sentinel auth-pass {SERVICE} {PASSWORD}\n"
                    f"sentinel down-after-milliseconds {SERVICE} {down_after_ms}\n"
                    f"sentinel failover-timeout {SERVICE} 10000\n"
                    f"sentinel parallel-syncs {SERVICE} 1\n"
                    f"requirepass {sentinel_password}\n"
                    f"sentinel sentinel-pass {sentinel_password}\n"
                )
                sentinels.append(_start(_sentinel_command(conf), port, workdir, sentinel_password))
            group = SentinelGroup(servers, sentinels, root, sentinel_password=sentinel_password)
            wait_until(group.settled, 90, "the sentinels did not settle")
            yield group
        finally:
            for node in [*sentinels, *servers]:
                node.stop()
