"""The users directory: filled at sign-in, searched by name or email, paged by a stable cursor."""

from __future__ import annotations

import pytest
import redis

from chatkit_bff.admin.directory import UserDirectory
from chatkit_bff.identity import Identity
from tests.admin.conftest import signed_in, user_id
from tests.support.flows import ApiCaller

pytestmark = pytest.mark.all_topologies


def _person(n: int, name: str | None = None) -> Identity:
    return Identity(
        user_id=f"u_test{n:04d}",
        issuer="https://idp.example",
        subject=str(n),
        name=name or f"Person {n:04d}",
        email=f"person{n:04d}@example.org",
    )


def _walk(admin: ApiCaller, query: str = "", limit: int = 7) -> list[str]:
    """Every page of /admin/api/users, following next_cursor to the end."""
    seen: list[str] = []
    cursor = ""
    for _ in range(100):
        page = admin.get(f"/admin/api/users?q={query}&limit={limit}&cursor={cursor}").json
        seen += [u["user_id"] for u in page["data"]]
        if not page["has_more"]:
            return seen
        cursor = page["next_cursor"]
    raise AssertionError("paging did not end")


def test_sign_in_records_the_user(admin: ApiCaller, grace: ApiCaller) -> None:
    users = admin.get("/admin/api/users").json["data"]
    assert [u["name"] for u in users] == ["Grace Hopper", "Ada Lovelace"]  # newest first
    grace_row, ada_row = users
    assert grace_row["user_id"] == user_id("grace")
    assert grace_row["email"] == "grace@example.com"
    assert grace_row["is_admin"] is False
    assert ada_row["is_admin"] is True
    assert grace_row["last_sign_in_at"] >= ada_row["last_sign_in_at"]
    assert grace_row["sign_ins"] == 1


def test_a_second_sign_in_moves_the_user_up_and_counts(admin: ApiCaller, grace: ApiCaller) -> None:
    signed_in(admin.client.application.test_client(), "ada")
    first = admin.get("/admin/api/users").json["data"][0]
    assert first["name"] == "Ada Lovelace"
    assert first["sign_ins"] == 2


def test_search_by_name_or_email_substring_any_case(
    admin: ApiCaller, grace: ApiCaller, alan: ApiCaller
) -> None:
    def names(query: str) -> list[str]:
        return [u["name"] for u in admin.get(f"/admin/api/users?q={query}").json["data"]]

    assert names("HOPPER") == ["Grace Hopper"]
    assert names("ce@exam") == ["Grace Hopper"]
    assert names("a") == ["Alan Turing", "Grace Hopper", "Ada Lovelace"]
    assert names("turing") == ["Alan Turing"]
    assert names("nobody") == []
    assert names(user_id("alan")) == ["Alan Turing"]


def test_paging_visits_everyone_once_newest_first(
    admin: ApiCaller, redis_client: redis.Redis
) -> None:
    directory = UserDirectory(redis_client, chunk_size=5)
    for n in range(40):
        directory.record_sign_in(_person(n), at=1_700_000_000 + n)
    seen = _walk(admin)
    expected = [user_id("ada")] + [f"u_test{n:04d}" for n in reversed(range(40))]
    assert seen == expected


def test_paging_is_stable_while_others_sign_in(redis_client: redis.Redis) -> None:
    directory = UserDirectory(redis_client, chunk_size=3)
    for n in range(10):
        directory.record_sign_in(_person(n), at=1_700_000_000 + n)
    first = directory.page(limit=4)
    directory.record_sign_in(_person(2), at=1_800_000_000)  # moves ahead of the cursor
    directory.record_sign_in(_person(99), at=1_800_000_001)
    rest: list[str] = []
    cursor = first.next_cursor
    while cursor:
        page = directory.page(cursor=cursor, limit=4)
        rest += [u.user_id for u in page.users]
        cursor = page.next_cursor
    assert [u.user_id for u in first.users] == [
        "u_test0009",
        "u_test0008",
        "u_test0007",
        "u_test0006",
    ]
    assert rest == ["u_test0005", "u_test0004", "u_test0003", "u_test0001", "u_test0000"]


def test_users_signed_in_in_the_same_millisecond_are_all_listed(redis_client: redis.Redis) -> None:
    directory = UserDirectory(redis_client, chunk_size=4)
    for n in range(15):
        directory.record_sign_in(_person(n), at=1_700_000_000)
    seen: list[str] = []
    cursor = None
    while True:
        page = directory.page(cursor=cursor, limit=2)
        seen += [u.user_id for u in page.users]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == [f"u_test{n:04d}" for n in range(15)]
    assert len(seen) == 15


def test_search_pages_through_a_large_directory_in_bounded_steps(redis_client: redis.Redis) -> None:
    directory = UserDirectory(redis_client, chunk_size=10, max_scanned=25)
    for n in range(100):
        name = "Needle Person" if n in (3, 50, 97) else None
        directory.record_sign_in(_person(n, name), at=1_700_000_000 + n)
    found: list[str] = []
    pages = 0
    cursor = None
    while True:
        page = directory.page("needle", cursor=cursor, limit=10)
        pages += 1
        found += [u.user_id for u in page.users]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert found == ["u_test0097", "u_test0050", "u_test0003"]
    assert pages == 4  # 100 users, at most 25 examined per page


def test_bad_paging_parameters_are_a_400(admin: ApiCaller) -> None:
    for query in ("limit=0", "limit=101", "limit=ten", "cursor=nonsense", "cursor=12:bad id"):
        response = admin.get(f"/admin/api/users?{query}")
        assert response.status_code == 400, query
        assert response.json["error"]["fields"]
