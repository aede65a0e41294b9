"""The retention job against the live emulator: who loses which threads, resuming, pacing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from flask import Flask

from chatkit_bff import redis_keys as keys
from chatkit_bff.auth.dev_users import demo_user
from chatkit_bff.policy.model import validate_overrides
from chatkit_bff.retention.job import RetentionJob, RetentionOptions
from chatkit_bff.upstream import ChatKitClient, ClientConfig
from testing.emulator import UPSTREAM_KEY, Emulator
from tests.conftest import TEST_SECRET_KEY, WORKFLOW_ID
from tests.support.policies import TEST_ACTOR, override_policy

pytestmark = pytest.mark.all_topologies

DAY = 86_400
ROOT = Path(__file__).resolve().parents[2]
STRANGER = "u_someone-who-never-signed-in-here"


def _identity(key: str) -> Any:
    user = demo_user(key)
    assert user is not None
    return user.identity()


def _ids(emulator: Emulator) -> set[str]:
    listed = requests.get(
        f"{emulator.api_url}/chatkit/threads",
        params={"limit": 100},
        headers={"Authorization": f"Bearer {UPSTREAM_KEY}", "OpenAI-Beta": "chatkit_beta=v1"},
        timeout=5,
    ).json()
    assert not listed["has_more"]
    return {thread["id"] for thread in listed["data"]}


@pytest.fixture
def seeded(app: Flask, emulator: Emulator) -> dict[str, set[str]]:
    """A mix of users and ages; returns the ids that must go and the ids that must stay.

    Global default 90 days; Grace keeps 30; Ada keeps everything (override null); Alan inherits
    the default; a user unknown to the directory follows the default.
    """
    svc = app.extensions["chatkit_bff"]
    for key in ("ada", "grace", "alan"):
        svc.directory.record_sign_in(_identity(key))
    grace, alan, ada = (_identity(k).user_id for k in ("grace", "alan", "ada"))
    svc.policies.replace_defaults(validate_overrides({"retention_days": 90}), actor=TEST_ACTOR)
    override_policy(svc.policies, grace, {"retention_days": 30})
    override_policy(svc.policies, ada, {"retention_days": None})
    now = time.time()
    ages = {
        grace: (2, 29, 31, 200),
        alan: (29, 89, 91, 400),
        ada: (1, 500, 3000),
        STRANGER: (5, 95),
    }
    limits = {grace: 30, alan: 90, ada: None, STRANGER: 90}
    threads = []
    expect: dict[str, set[str]] = {"gone": set(), "kept": set()}
    for owner, days_old in ages.items():
        for n, age in enumerate(days_old):
            thread_id = f"cthr_{owner[-6:].replace('-', 'x')}{n}{age}"
            threads.append(
                {
                    "id": thread_id,
                    "user": owner,
                    "title": f"Secret plans {n}",
                    "created_at": int(now - age * DAY),
                    "items": [{"type": "chatkit.user_message", "content": "hello"}],
                }
            )
            limit = limits[owner]
            expect["gone" if limit is not None and age > limit else "kept"].add(thread_id)
    response = requests.post(f"{emulator.url}/_emulator/seed", json={"threads": threads}, timeout=5)
    assert response.status_code == 200, response.text
    return expect


def _run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["retention", "run", *args])


def test_deletes_exactly_the_threads_past_each_owners_limit(
    app: Flask, emulator: Emulator, seeded: dict[str, set[str]]
) -> None:
    result = _run(app)
    assert result.exit_code == 0, result.output
    assert _ids(emulator) == seeded["kept"]
    grace, alan = _identity("grace").user_id, _identity("alan").user_id
    assert f"{grace}: deleted 2 threads" in result.output
    assert f"{alan}: deleted 2 threads" in result.output
    assert f"{STRANGER}: deleted 1 thread\n" in result.output
    assert "deleted 5 of 3 user(s); complete" in result.output
    assert "Secret plans" not in result.output

    again = _run(app)
    assert again.exit_code == 0, again.output
    assert "deleted 0 of 0 user(s); complete" in again.output
    assert _ids(emulator) == seeded["kept"]


def test_audits_counts_per_user_and_never_titles(app: Flask, seeded: dict[str, set[str]]) -> None:
    assert _run(app).exit_code == 0
    entries = app.extensions["chatkit_bff"].audit.page(limit=20).entries
    per_user = {
        e.target_user_id: e.details["threads_deleted"]
        for e in entries
        if e.action == "retention.delete"
    }
    grace, alan = _identity("grace").user_id, _identity("alan").user_id
    assert per_user == {grace: 2, alan: 2, STRANGER: 1}
    (summary,) = [e for e in entries if e.action == "retention.run"]
    assert summary.details["threads_deleted"] == 5
    assert summary.details["finished"] is True
    assert all("Secret plans" not in str(e.to_json()) for e in entries)


def test_dry_run_deletes_nothing_and_says_what_it_would(
    app: Flask, emulator: Emulator, seeded: dict[str, set[str]]
) -> None:
    result = _run(app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would delete 5 of 3 user(s); complete" in result.output
    assert _ids(emulator) == seeded["kept"] | seeded["gone"]
    actions = {e.action for e in app.extensions["chatkit_bff"].audit.page(limit=20).entries}
    assert "retention.delete" not in actions


def test_limit_stops_early_and_the_next_run_continues(
    app: Flask, emulator: Emulator, seeded: dict[str, set[str]]
) -> None:
    first = _run(app, "--limit", "2")
    assert first.exit_code == 0, first.output
    assert "deleted 2 of" in first.output
    assert "stopped at --limit" in first.output
    assert len(_ids(emulator)) == len(seeded["kept"]) + 3
    second = _run(app)
    assert second.exit_code == 0, second.output
    assert "resumed from the checkpoint" in second.output
    assert _ids(emulator) == seeded["kept"]


def test_a_failure_midway_exits_non_zero_and_a_rerun_finishes(
    app: Flask, emulator: Emulator, seeded: dict[str, set[str]], redis_client: redis.Redis
) -> None:
    # The second deletion fails with a 500 (not retried for a DELETE): the run must stop.
    emulator.script_faults(
        {"status": 200, "count": 1, "method": "DELETE"},
        {"status": 500, "count": 1, "method": "DELETE"},
    )
    failed = _run(app)
    assert failed.exit_code != 0
    assert "stopped early" in failed.output
    assert len(_ids(emulator)) == len(seeded["kept"]) + 4
    # Ada's 3000-day-old thread is the oldest and kept: the checkpoint to resume after.
    assert redis_client.get(keys.RETENTION_CURSOR) is not None
    assert not redis_client.exists(keys.RETENTION_LOCK)
    rerun = _run(app)
    assert rerun.exit_code == 0, rerun.output
    assert _ids(emulator) == seeded["kept"]
    assert not redis_client.exists(keys.RETENTION_CURSOR)


def test_upstream_down_exits_non_zero(app: Flask, emulator: Emulator) -> None:
    emulator.script_faults({"status": 503, "count": 5, "method": "GET"})
    result = _run(app)
    assert result.exit_code != 0
    assert "listing threads failed" in result.output


def test_one_run_at_a_time(app: Flask, redis_client: redis.Redis) -> None:
    redis_client.set(keys.RETENTION_LOCK, "someone-else", ex=60)
    result = _run(app)
    assert result.exit_code != 0
    assert "another retention run is in progress" in result.output


def test_a_429_waits_as_long_as_the_upstream_asks(
    app: Flask, emulator: Emulator, seeded: dict[str, set[str]]
) -> None:
    svc = app.extensions["chatkit_bff"]
    slept: list[float] = []
    with ChatKitClient(
        ClientConfig(api_key=UPSTREAM_KEY, base_url=emulator.api_url, max_retries=0)
    ) as chatkit:
        job = RetentionJob(
            chatkit=chatkit,
            redis_client=svc.redis,
            policies=svc.policies,
            directory=svc.directory,
            app_users=svc.app_users,
            audit=svc.audit,
            sleep=slept.append,
        )
        emulator.script_faults(
            {"status": 429, "count": 2, "method": "DELETE", "retry_after": 7},
        )
        report = job.run(RetentionOptions(requests_per_second=100.0))
    assert report.finished
    assert report.problem is None
    assert slept.count(7) == 2
    assert _ids(emulator) == seeded["kept"]
    statuses = [r["status"] for r in emulator.requests() if r["method"] == "DELETE"]
    assert statuses.count(429) == 2


def test_sigterm_stops_a_run_that_audits_releases_the_lock_and_resumes(
    app: Flask, emulator: Emulator, redis_url: str, redis_client: redis.Redis
) -> None:
    svc = app.extensions["chatkit_bff"]
    svc.policies.replace_defaults(validate_overrides({"retention_days": 1}), actor=TEST_ACTOR)
    old = int(time.time()) - 10 * DAY
    for n in range(6):
        emulator.seed_thread(STRANGER, title=f"Old {n}", created_at=old + n)
    env = {
        **os.environ,
        "APP_ENV": "development",
        "SECRET_KEY": TEST_SECRET_KEY,
        "OPENAI_API_KEY": UPSTREAM_KEY,
        "CHATKIT_API_BASE": emulator.api_url,
        "CHATKIT_WORKFLOW_ID": WORKFLOW_ID,
        "REDIS_URL": redis_url,
        "OIDC_ISSUER": "",
    }
    # One upstream call a second: the run is still deleting when it is told to stop.
    command = [sys.executable, "-m", "flask", "--app", "app", "retention", "run", "--rate", "1"]
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while not any(r["method"] == "DELETE" for r in emulator.requests()):
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "the run never deleted anything"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, output
    assert "stopped early: stopped on request (SIGTERM)" in output
    assert not redis_client.exists(keys.RETENTION_LOCK)
    left = len(_ids(emulator))
    assert 0 < left < 6
    # Every deletion that happened is counted: the stop comes between upstream calls.
    assert f"{STRANGER}: deleted {6 - left} thread" in output
    (summary,) = [e for e in svc.audit.page(limit=20).entries if e.action == "retention.run"]
    assert summary.details["finished"] is False
    assert summary.details["threads_deleted"] == 6 - left

    rerun = _run(app)
    assert rerun.exit_code == 0, rerun.output
    assert _ids(emulator) == set()
