"""Real local Redis topologies on free ports in temp dirs: a Cluster, a Sentinel group, a node.

All use Debian's `redis-server` (and `redis-sentinel`) and a password, so every test that runs
on them also checks that passwords reach each node and sentinel. Given `TlsFiles`, they speak
TLS only (no plain port), between their own nodes too, as managed Redis services do.
"""

from __future__ import annotations

import shutil
import signal
import ssl
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
from testing.tls import TlsFiles

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
    tls: TlsFiles | None = None

    def client(self, **options: object) -> redis.Redis:
        if self.tls is not None:
            options = {**client_tls_options(self.tls), **options}
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


def client_tls_options(tls: TlsFiles) -> dict[str, object]:
    """redis-py options for a client of these servers (with the client certificate).

    The harness's own clients take certificates without key identifiers too (some tests issue
    such), which Python 3.13 and newer refuse by default; the app's clients are the subject.
    """
    return {
        "ssl": True,
        "ssl_ca_certs": str(tls.ca),
        "ssl_certfile": str(tls.client_cert),
        "ssl_keyfile": str(tls.client_key),
        "ssl_exclude_verify_flags": [ssl.VerifyFlags.VERIFY_X509_STRICT],
    }


def tls_query(tls: TlsFiles | None) -> str:
    """The REDIS_URL query naming the CA (empty without TLS)."""
    if tls is None:
        return ""
    return "ssl_ca_certs=" + urllib.parse.quote(str(tls.ca), safe="/")


def _tls_lines(tls: TlsFiles, port: int, client_certificates: str) -> list[tuple[str, str]]:
    return [
        ("port", "0"),
        ("tls-port", str(port)),
        ("tls-cert-file", str(tls.server_cert)),
        ("tls-key-file", str(tls.server_key)),
        ("tls-ca-cert-file", str(tls.ca)),
        ("tls-auth-clients", client_certificates),
        ("tls-replication", "yes"),
    ]


def _start(
    args: list[str], port: int, workdir: Path, password: str | None, tls: TlsFiles | None = None
) -> RedisNode:
    log = workdir / f"{port}.log"
    process = subprocess.Popen(args, cwd=workdir, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    node = RedisNode(port, process, password, tls)
    try:
        wait_for_port(port, timeout=30)
    except TimeoutError:
        node.stop()
        raise RuntimeError(f"redis on {port} did not start: {log.read_text()[-2000:]}") from None
    return node


def _server_args(
    port: int,
    workdir: Path,
    *extra: str,
    tls: TlsFiles | None = None,
    client_certificates: str = "optional",
) -> list[str]:
    """`client_certificates`: TLS clients must (yes), may (optional) or need not (no) show one."""
    listen = (
        [
            arg
            for name, value in _tls_lines(tls, port, client_certificates)
            for arg in (f"--{name}", value)
        ]
        if tls is not None
        else ["--port", str(port)]
    )
    return [
        _binary("redis-server"),
        *listen,
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
    tls: TlsFiles | None = None

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{n.port}" for n in self.nodes[:3])
        if self.tls is None:
            return f"redis+cluster://:{PASSWORD}@{hosts}"
        return f"rediss+cluster://:{PASSWORD}@{hosts}?{tls_query(self.tls)}"

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
def redis_cluster(
    node_timeout_ms: int = 1500, *, tls: TlsFiles | None = None
) -> Iterator[LocalCluster]:
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
                    *(["--tls-cluster", "yes"] if tls else []),
                    tls=tls,
                )  # fmt: skip
                nodes.append(_start(args, port, workdir, PASSWORD, tls))
            subprocess.run(
                [
                    _binary("redis-cli"),
                    *(["--tls", "--cacert", str(tls.ca)] if tls else []),
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
            cluster = LocalCluster(nodes, root, tls)
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
    tls: TlsFiles | None = None
    plain_sentinels: bool = False

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        scheme = "redis+sentinel" if self.tls is None else "rediss+sentinel"
        query = [tls_query(self.tls)] if self.tls else []
        if self.plain_sentinels:
            query.append("sentinel_ssl=false")
        if self.sentinel_password != PASSWORD:
            query.append(f"sentinel_password={urllib.parse.quote(self.sentinel_password, safe='')}")
        url = f"{scheme}://:{PASSWORD}@{hosts}/{SERVICE}/{self.db}"
        return f"{url}?{'&'.join(query)}" if query else url

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
    down_after_ms: int = 1000,
    *,
    sentinel_password: str = PASSWORD,
    tls: TlsFiles | None = None,
    plain_sentinels: bool = False,
) -> Iterator[SentinelGroup]:
    """Start a primary, its replica and 3 sentinels; yield the group; tear it down.

    The data nodes require PASSWORD; the sentinels `sentinel_password` (the same by default).
    With `tls` every node speaks TLS only, or only the data nodes with `plain_sentinels`.
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
                args = _server_args(port, workdir, *extra, tls=tls)
                servers.append(_start(args, port, workdir, PASSWORD, tls))
            for _ in range(3):
                port = free_port()
                workdir = root / f"sentinel-{port}"
                workdir.mkdir()
                conf = workdir / "sentinel.conf"
                lines = _tls_lines(tls, port, "optional") if tls else [("port", str(port))]
                if tls and plain_sentinels:  # TLS out to the data nodes, plain TCP in
                    lines = [("port", str(port))] + [
                        line for line in lines if line[0] not in ("port", "tls-port")
                    ]
                listen = "".join(f"{name} {value}\n" for name, value in lines)
                conf.write_text(
                    listen + "bind 127.0.0.1\n"
                    f"dir {workdir}\n"
                    f"sentinel monitor {SERVICE} 127.0.0.1 {primary_port} 2\n"
                    f"sentinel auth-pass {SERVICE} {PASSWORD}\n"
                    f"sentinel down-after-milliseconds {SERVICE} {down_after_ms}\n"
                    f"sentinel failover-timeout {SERVICE} 10000\n"
                    f"sentinel parallel-syncs {SERVICE} 1\n"
                    f"requirepass {sentinel_password}\n"
                    f"sentinel sentinel-pass {sentinel_password}\n"
                )
                command = _sentinel_command(conf)
                sentinel_tls = None if plain_sentinels else tls
                sentinels.append(_start(command, port, workdir, sentinel_password, sentinel_tls))
            group = SentinelGroup(
                servers,
                sentinels,
                root,
                sentinel_password=sentinel_password,
                tls=tls,
                plain_sentinels=plain_sentinels,
            )
            wait_until(group.settled, 90, "the sentinels did not settle")
            yield group
        finally:
            for node in [*sentinels, *servers]:
                node.stop()


@contextmanager
def redis_single(tls: TlsFiles, *, client_certificates: str = "optional") -> Iterator[str]:
    """Start one redis-server that speaks TLS only; yield its ``rediss://`` URL."""
    with tempfile.TemporaryDirectory(prefix="bff-redis-tls-") as tmp:
        port = free_port()
        args = _server_args(port, Path(tmp), tls=tls, client_certificates=client_certificates)
        node = _start(args, port, Path(tmp), PASSWORD, tls)
        try:
            yield f"rediss://:{PASSWORD}@localhost:{port}/0?{tls_query(tls)}"
        finally:
            node.stop()
