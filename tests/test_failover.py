"""Failover under load: the primary dies, a replica is promoted, nothing acknowledged is lost.

Signed-in users keep asking for new chat sessions (refreshes, so each call mints) while an admin
keeps changing policies; then the primary is killed. Requests in the window answer 503 with
Retry-After (never a 500), the app recovers without a restart, and every policy change and
audit entry that was acknowledged before or during the failure is on the promoted replica.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from app import create_app
from chatkit_bff.auth.dev_users import DEMO_USERS
from chatkit_bff.errors import BffError
from chatkit_bff.identity import Actor
from chatkit_bff.redis_connection import OUTAGE_ERRORS
from chatkit_bff.services import Services
from testing.redis_topologies import (
    LocalCluster,
    RedisNode,
    SentinelGroup,
    redis_cluster,
    redis_sentinel,
    wait_until,
)
from tests.support.flows import ApiCaller, dev_sign_in

pytestmark = pytest.mark.failover

LOAD_THREADS = 3
BEFORE_KILL_SECONDS = 1.5
#: Generous: a loaded machine stretches Sentinel's and the cluster's detection and election.
RECOVERY_SECONDS = 45
STEADY_AFTER = 20  # consecutive 200s that count as recovered


@dataclass
class Outcome:
    at: float
    status: int
    retry_after: str | None
    code: str | None


@dataclass
class Load:
    """Mint calls from signed-in users and admin policy writes, until stopped."""

    app: Flask
    outcomes: list[Outcome] = field(default_factory=list)
    acknowledged: list[tuple[str, int]] = field(default_factory=list)  # (user id, value)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def mint_forever(self, user: str) -> None:
        client = self.app.test_client()
        dev_sign_in(client, user)
        api = ApiCaller(client)
        current: str | None = None
        while not self.stop.is_set():
            response = api.new_secret(current)
            with self.lock:
                self.outcomes.append(_outcome(response))
            if response.status_code == 200:
                current = response.json["client_secret"]  # type: ignore[index]
            time.sleep(0.01)

    def change_policies_forever(self, services: Services, user_ids: list[str]) -> None:
        admin = Actor("u_failover_admin", "Failover Admin")
        value = 1000
        while not self.stop.is_set():
            value += 1
            user_id = user_ids[value % len(user_ids)]
            try:
                services.admin.set_user_policy(admin, user_id, {"mint_requests_per_minute": value})
            except (BffError, *OUTAGE_ERRORS):
                time.sleep(0.05)
                continue  # not acknowledged: the caller would have been told 503
            with self.lock:
                self.acknowledged.append((user_id, value))
            time.sleep(0.02)

    def recovered(self, since: float) -> bool:
        with self.lock:
            after = [o.status for o in self.outcomes if o.at > since]
        return len(after) >= STEADY_AFTER and set(after[-STEADY_AFTER:]) == {200}


def _outcome(response: TestResponse) -> Outcome:
    error = (response.json or {}).get("error") if response.is_json else None
    return Outcome(
        time.monotonic(),
        response.status_code,
        response.headers.get("Retry-After"),
        error.get("code") if isinstance(error, dict) else None,
    )


def _app(redis_url: str, app_config: dict[str, Any]) -> Flask:
    app = create_app({**app_config, "REDIS_URL": redis_url})
    app.extensions["chatkit_bff"].admin.set_defaults(
        Actor("u_failover_admin", "Failover Admin"), {"mint_requests_per_minute": 100_000}
    )
    return app


def run_failover(app: Flask, kill: Callable[[], RedisNode], label: str) -> None:
    services: Services = app.extensions["chatkit_bff"]
    load = Load(app)
    users = [u.key for u in DEMO_USERS]
    threads = [
        threading.Thread(target=load.mint_forever, args=(users[i % len(users)],), daemon=True)
        for i in range(LOAD_THREADS)
    ]
    user_ids = [u.identity().user_id for u in DEMO_USERS]
    threads.append(
        threading.Thread(
            target=load.change_policies_forever, args=(services, user_ids), daemon=True
        )
    )
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: load.recovered(0), 30, "the load never got going")
        time.sleep(BEFORE_KILL_SECONDS)
        killed_at = time.monotonic()
        killed = kill()
        wait_until(lambda: load.recovered(killed_at), RECOVERY_SECONDS, "the app did not recover")
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=30)

    after = [o for o in load.outcomes if o.at >= killed_at]
    failed = [o for o in after if o.status != 200]
    window = (failed[-1].at - killed_at) if failed else 0.0
    counts = {
        "200": sum(o.status == 200 for o in after),
        "503": sum(o.status == 503 for o in after),
        "other": sum(o.status not in (200, 503) for o in after),
    }
    print(
        f"\n{label}: killed primary :{killed.port}; window {window:.2f} s; after the kill "
        f"200={counts['200']} 503={counts['503']} other={counts['other']}; 503 codes "
        f"{sorted({o.code or '' for o in failed})}; "
        f"{len(load.acknowledged)} policy changes acknowledged"
    )
    import os

    if os.environ.get("FAILOVER_TIMELINE"):
        for o in after:
            print(f"  {o.at - killed_at:6.2f} {o.status} {o.code or ''}")
    assert counts["other"] == 0, sorted({o.status for o in after})
    assert [o.code for o in failed if o.status == 503 and not o.retry_after] == []
    assert load.acknowledged

    # Nothing acknowledged is lost: each user's last acknowledged value (or a later one whose
    # acknowledgement the failure swallowed) and one audit entry per acknowledged change.
    last: dict[str, int] = {}
    for user_id, value in load.acknowledged:
        last[user_id] = value
    for user_id, value in last.items():
        stored = services.policies.layers(user_id).overrides.values["mint_requests_per_minute"]
        assert stored >= value, (user_id, stored, value)
    audited = set()
    page = services.audit.page(limit=100)
    while True:
        for entry in page.entries:
            if entry.action == "policy.update" and entry.after:
                audited.add((entry.target_user_id, entry.after["mint_requests_per_minute"]))
        if page.next_before is None:
            break
        page = services.audit.page(before=page.next_before, limit=100)
    missing = [change for change in load.acknowledged if change not in audited]
    assert missing == []


@pytest.fixture
def sentinel_group() -> Iterator[SentinelGroup]:
    with redis_sentinel(down_after_ms=1000) as group:
        yield group


@pytest.fixture
def cluster() -> Iterator[LocalCluster]:
    with redis_cluster(node_timeout_ms=1500) as local:
        yield local


def test_sentinel_failover_under_load(
    sentinel_group: SentinelGroup, app_config: dict[str, Any]
) -> None:
    app = _app(sentinel_group.url, {**app_config, "AUDIT_MAX_ENTRIES": "100000"})
    old = sentinel_group.primary()

    def kill() -> RedisNode:
        old.kill()
        return old

    try:
        run_failover(app, kill, "sentinel")
        assert sentinel_group.primary() is not old  # the replica was promoted
    finally:
        app.extensions["chatkit_bff"].close()


def test_cluster_failover_under_load(cluster: LocalCluster, app_config: dict[str, Any]) -> None:
    app = _app(cluster.url, {**app_config, "AUDIT_MAX_ENTRIES": "100000"})
    # The primary of the shared slot: policy defaults (read by every call) and the audit trail.
    old = cluster.primary_for("bff:{bff}:audit")

    def kill() -> RedisNode:
        old.kill()
        return old

    try:
        run_failover(app, kill, "cluster")
        assert cluster.primary_for("bff:{bff}:audit") is not old  # its replica was promoted
    finally:
        app.extensions["chatkit_bff"].close()
