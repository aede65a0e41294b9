"""Transactions on one slot that are confirmed by a replica (WAIT) before they are acknowledged.

Policy changes and audit entries must survive a failover: a write that only the old primary had
is lost when its replica is promoted. WAIT confirms the writes made *on the same connection*,
so the transaction runs on one connection pinned to the primary of its slot (on a cluster, the
node serving that slot), as WATCH / reads / MULTI / writes / EXEC / WAIT.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

import redis

from .errors import StoreUnavailable
from .redis_connection import OUTAGE_RETRY_AFTER, as_cluster

T = TypeVar("T")

#: How long a write waits for a replica to confirm it before the caller is told it is not safe.
REPLICA_WAIT_MS = 5000

#: Reads and checks before MULTI; returns the result and what to queue after MULTI.
Prepare = Callable[[redis.Redis], tuple[T, Callable[[redis.Redis], None]]]


@contextmanager
def pinned(client: redis.Redis, slot_key: str) -> Iterator[redis.Redis]:
    """A client holding one connection to the primary that serves `slot_key`."""
    cluster = as_cluster(client)
    if cluster is not None:
        node = cluster.get_node_from_key(slot_key)  # type: ignore[no-untyped-call]
        pool = cluster.get_redis_connection(node).connection_pool
    else:
        pool = client.connection_pool
    one = redis.Redis(connection_pool=pool, single_connection_client=True)
    try:
        yield one
    finally:
        one.close()


def durable_transaction(
    client: redis.Redis,
    slot_key: str,
    prepare: Prepare[T],
    *,
    watch: Sequence[str] = (),
    replicas: int = 1,
) -> T:
    """Run `prepare` under WATCH, then its writes in MULTI/EXEC (retried on conflict), then WAIT.

    Every key in `watch` and every key written must share `slot_key`'s slot. WAIT asks for
    `replicas` confirmations, or as many replicas as the primary has when it has fewer (a single
    node without replicas has nothing to wait for).
    """
    for attempt in range(3):
        try:
            with pinned(client, slot_key) as conn:
                return _run(conn, prepare, watch, replicas)
        except (redis.exceptions.AskError, redis.exceptions.ConnectionError):
            # The slot moved or its primary died (a failover): learn the new map, try again.
            cluster = as_cluster(client)
            if cluster is None or attempt == 2:
                raise
            try:
                cluster.nodes_manager.initialize()
            except redis.RedisError:
                raise StoreUnavailable(
                    "Storage is failing over; try again shortly.", retry_after=OUTAGE_RETRY_AFTER
                ) from None
    raise AssertionError("unreachable")


def _run(conn: redis.Redis, prepare: Prepare[T], watch: Sequence[str], replicas: int) -> T:
    # Asked before writing: a server that will not say leaves nothing written unconfirmed.
    wanted = _replicas_to_wait_for(conn, replicas)
    while True:
        if watch:
            _command(conn, "WATCH", *watch)
        try:
            result, write = prepare(conn)
        except BaseException:
            _command(conn, "UNWATCH")
            raise
        _command(conn, "MULTI")
        try:
            write(conn)
        except BaseException:
            _command(conn, "DISCARD")
            raise
        if _command(conn, "EXEC") is None:
            continue  # a watched key changed meanwhile: read again
        _confirm(conn, wanted)
        return result


def _command(conn: redis.Redis, *args: object) -> object:
    return conn.execute_command(*args)  # type: ignore[no-untyped-call]


def _replicas_to_wait_for(conn: redis.Redis, replicas: int) -> int:
    info = conn.info("replication")
    return min(replicas, int(info.get("connected_slaves", 0)))


def _confirm(conn: redis.Redis, wanted: int) -> None:
    if wanted == 0:
        return
    confirmed = _command(conn, "WAIT", wanted, REPLICA_WAIT_MS)
    assert isinstance(confirmed, int)
    if confirmed < wanted:
        raise StoreUnavailable(
            "The change was saved but no replica confirmed it yet; check it and try again.",
            retry_after=OUTAGE_RETRY_AFTER,
        )
