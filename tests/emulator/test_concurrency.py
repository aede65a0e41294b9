"""Concurrent callers never lose or duplicate state, and faults are used up exactly once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .conftest import Emulator

CALLERS = 16


def test_concurrent_creates_and_seeds_are_all_kept(emulator: Emulator) -> None:
    def work(n: int) -> tuple[str, str]:
        session = emulator.api(
            "POST", "/chatkit/sessions", json={"user": f"u{n}", "workflow": {"id": "wf_1"}}
        ).json()
        thread = emulator.seed_thread(user="shared", items=[{"type": "chatkit.task"}] * 3)
        return session["id"], thread["id"]

    with ThreadPoolExecutor(CALLERS) as pool:
        results = list(pool.map(work, range(CALLERS * 2)))

    session_ids = {session for session, _ in results}
    thread_ids = {thread for _, thread in results}
    assert len(session_ids) == len(thread_ids) == CALLERS * 2
    sessions = emulator.control("GET", "/sessions")["sessions"]
    assert {session["id"] for session in sessions} == session_ids
    listed = emulator.api("GET", "/chatkit/threads", params={"limit": 100}).json()["data"]
    assert {thread["id"] for thread in listed} == thread_ids
    assert len(emulator.requests()) == CALLERS * 2 + 1


def test_concurrent_calls_consume_each_scripted_fault_once(emulator: Emulator) -> None:
    emulator.control("PUT", "/faults", {"scripted": [{"status": 503, "count": 5}]})
    with ThreadPoolExecutor(CALLERS) as pool:
        statuses = list(
            pool.map(lambda _: emulator.api("GET", "/chatkit/threads").status_code, range(20))
        )
    assert sorted(statuses) == [200] * 15 + [503] * 5
