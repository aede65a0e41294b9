"""The audit trail: newest first, paged by entry id, capped in length."""

from __future__ import annotations

import pytest
import redis

from chatkit_bff.admin.audit import AuditLog
from chatkit_bff.identity import Actor
from tests.support.flows import ApiCaller

pytestmark = pytest.mark.all_topologies

ADA = Actor("u_ada", "Ada Lovelace")


def test_pages_go_from_newest_to_oldest_without_gaps(
    admin: ApiCaller, redis_client: redis.Redis
) -> None:
    log = AuditLog(redis_client, max_entries=1000)
    for n in range(12):
        log.add(ADA, "defaults.update", before={}, after={"session_seconds": n + 1})
    seen: list[int] = []
    before = ""
    while True:
        page = admin.get(f"/admin/api/audit?limit=5&before={before}").json
        seen += [e["after"]["session_seconds"] for e in page["data"]]
        if not page["has_more"]:
            assert page["next_before"] is None
            break
        before = page["next_before"]
    assert seen == list(range(12, 0, -1))


def test_bad_cursors_and_limits_are_a_400(admin: ApiCaller) -> None:
    for query in ("before=yesterday", "before=1-2-3", "limit=0", "limit=500"):
        response = admin.get(f"/admin/api/audit?{query}")
        assert response.status_code == 400, query
        assert response.json["error"]["fields"]


def test_the_stream_is_capped(redis_client: redis.Redis) -> None:
    log = AuditLog(redis_client, max_entries=10)
    for n in range(600):
        log.add(ADA, "policy.update", target_user_id="u_x", after={"session_seconds": n % 600 + 1})
    # MAXLEN ~ trims whole internal nodes, so a little more than the cap may stay.
    assert 10 <= len(log) < 300
    assert log.page(limit=1).entries[0].after == {"session_seconds": 600}
