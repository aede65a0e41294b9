"""The least-privilege Redis user that README gives is enough for every kind of request,
and a user denied INFO stops start-up with one line that says what to allow."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from testing.servers import redis_server

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "acl-test-password-3e9b"

# Every kind of request, by a user and an admin; prints each answer's status.
_EVERYTHING = """
import json, sys
from app import create_app
from chatkit_bff.auth.dev_users import demo_user
from tests.support.flows import signed_in
app = create_app(json.loads(sys.argv[1]))
grace, ada = signed_in(app.test_client(), "grace"), signed_in(app.test_client(), "ada")
grace_id = demo_user("grace").identity().user_id
seen = {
    "first mint": grace.new_secret().status_code,
    "cached mint": grace.new_secret().status_code,
    "chat page": grace.get("/").status_code,
    "threads": grace.get("/api/threads").status_code,
    "my sessions": grace.get("/api/me/sessions").status_code,
    "directory search": ada.get("/admin/api/users?q=gra").status_code,
    "user policy": ada.put(f"/admin/api/users/{grace_id}/policy", {"session_seconds": 300}
                           ).status_code,
    "defaults": ada.put("/admin/api/defaults", {"max_requests_per_1_minute": 20}).status_code,
    "audit": ada.get("/admin/api/audit").status_code,
    "mint under the new policy": grace.new_secret().status_code,
    "revoke": ada.post(f"/admin/api/users/{grace_id}/revoke").status_code,
    "retention job": app.test_cli_runner().invoke(args=["retention", "run"]).exit_code,
    "erase": ada.post(f"/admin/api/users/{grace_id}/erase").status_code,
    "sign out": ada.client.post("/logout", data={"csrf_token": ada.token}).status_code,
}
print(json.dumps(seen))
app.extensions["chatkit_bff"].close()
"""


def readme_acl() -> list[str]:
    """The ACL SETUSER rules README gives, with this test's password."""
    found = re.search(r"ACL SETUSER chatkit-bff (.+)", (ROOT / "README.md").read_text())
    assert found, "README gives no ACL SETUSER line"
    return found[1].replace(">PASSWORD", f">{PASSWORD}").split()


@pytest.fixture
def server() -> Iterator[tuple[redis.Redis, int]]:
    """A Redis whose default user administers it (for the test), and its port."""
    with redis_server() as url:
        admin = redis.Redis.from_url(url)
        yield admin, int(url.rsplit(":", 1)[1].split("/")[0])
        admin.close()


def _run(app_config: dict[str, Any], port: int, script: str) -> subprocess.CompletedProcess[str]:
    # Its own process: flask-limiter keeps one storage, and its credentials, per process.
    url = f"redis://chatkit-bff:{PASSWORD}@127.0.0.1:{port}/0"
    return subprocess.run(
        [sys.executable, "-c", script, json.dumps({**app_config, "REDIS_URL": url})],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_readme_acl_serves_every_kind_of_request(
    app_config: dict[str, Any], server: tuple[redis.Redis, int]
) -> None:
    admin, port = server
    admin.execute_command("ACL", "SETUSER", "chatkit-bff", *readme_acl())
    done = _run(app_config, port, _EVERYTHING)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {
        **dict.fromkeys(seen, 200),
        "retention job": 0,
        "sign out": 302,
    }
    assert "ERROR" not in done.stderr
    assert admin.acl_log() == []  # nothing was asked that the user may not do
    # And it holds only what it needs: other keys and administration stay out of reach.
    assert admin.acl_dryrun("chatkit-bff", "GET", "other:key") != "OK"
    assert admin.acl_dryrun("chatkit-bff", "CONFIG", "SET", "appendonly", "no") != "OK"


def test_a_user_denied_info_stops_start_up_saying_to_allow_it(
    app_config: dict[str, Any], server: tuple[redis.Redis, int]
) -> None:
    admin, port = server
    admin.execute_command("ACL", "SETUSER", "chatkit-bff", *readme_acl(), "-info")
    done = _run(app_config, port, "import json, sys\nfrom app import create_app\n"
                "create_app(json.loads(sys.argv[1]))")  # fmt: skip
    assert done.returncode == 1
    last_line = done.stderr.strip().splitlines()[-1]
    assert "Redis does not answer INFO for this user" in last_line
    assert "(+info)" in last_line
