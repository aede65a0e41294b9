"""The users directory: filled at sign-in, searched by name or email, paged by a stable cursor."""

from __future__ import annotations

import pytest
import redis

from chatkit_bff.admin.directory import UserDirectory
from chatkit_bff.identity import Identity
from tests.admin.conftest import user_id
from tests.support.flows import ApiCaller, signed_in

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


def test_search_by_the_start_of_a_name_word_or_email_any_case(
    admin: ApiCaller, grace: ApiCaller, alan: ApiCaller
) -> None:
    def names(query: str) -> list[str]:
        return [u["name"] for u in admin.get(f"/admin/api/users?q={query}").json["data"]]

    assert names("HOPPER") == ["Grace Hopper"]
    assert names("hop") == ["Grace Hopper"]
    assert names("grace@exam") == ["Grace Hopper"]
    assert names("ce@exam") == []  # not the start of a word or of the email
    assert names("a") == ["Ada Lovelace", "Alan Turing"]  # each once, by the word matched
    assert names("turing") == ["Alan Turing"]
    assert names("alan TUR") == ["Alan Turing"]  # every word must start one of theirs
    assert names("alan hop") == []
    assert names("nobody") == []
    assert names(user_id("alan")) == ["Alan Turing"]


def test_search_follows_renames_and_removal(redis_client: redis.Redis) -> None:
    directory = UserDirectory(redis_client)
    directory.record_sign_in(_person(1, "Mary O'Neil-Smith"), at=1_700_000_000)
    directory.record_sign_in(_person(2, "Neil Young"), at=1_700_000_001)

    def found(query: str) -> list[str]:
        return [u.user_id for u in directory.page(query).users]

    assert found("o'neil") == ["u_test0001"]
    assert found("smith") == ["u_test0001"]
    assert found("neil") == ["u_test0001", "u_test0002"]
    directory.record_sign_in(_person(1, "Mary Jones"), at=1_700_000_002)
    assert found("smith") == []
    assert found("jones") == ["u_test0001"]

    assert directory.remove("u_test0001")
    assert found("jones") == []
    assert found("person0001") == []
    assert [u.user_id for u in directory.page().users] == ["u_test0002"]
    assert directory.get("u_test0001") is None
    assert not directory.remove("u_test0001")


def test_users_listed_before_the_index_are_found_after_a_rebuild(
    redis_client: redis.Redis,
) -> None:
    directory = UserDirectory(redis_client, chunk_size=3)
    for n in range(7):
        directory.record_sign_in(_person(n), at=1_700_000_000 + n)
    redis_client.delete("bff:users:search")
    assert directory.page("person").users == []
    assert directory.rebuild_search_index() == 7
    assert len(directory.page("person").users) == 7


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
    directory = UserDirectory(redis_client, max_scanned=25)
    for n in range(100):
        directory.record_sign_in(_person(n), at=1_700_000_000 + n)
    found: list[str] = []
    pages = 0
    cursor = None
    while True:
        page = directory.page("person", cursor=cursor, limit=10)
        pages += 1
        assert len(page.users) <= 10
        found += [u.user_id for u in page.users]
        cursor = page.next_cursor
        if cursor is None:
            break
    # Everyone once (found by the name word; their emails also start with "person").
    assert found == [f"u_test{n:04d}" for n in range(100)]
    # 10 full pages, then their 200 other entries ("person 0042", emails) 25 at a time, the end.
    assert pages == 10 + 8 + 1


def test_bad_paging_parameters_are_a_400(admin: ApiCaller) -> None:
    for query in (
        "limit=0",
        "limit=101",
        "limit=ten",
        "cursor=nonsense",
        "cursor=12:bad id",
        "q=a&cursor=12:u_x",
        "q=a&cursor=t.!!",
    ):
        response = admin.get(f"/admin/api/users?{query}")
        assert response.status_code == 400, query
        assert response.json["error"]["fields"]
