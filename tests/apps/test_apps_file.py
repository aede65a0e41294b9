"""The apps file: parsed at start-up, and a bad file stops start-up with one line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatkit_bff.apps import DEFAULT_APP, upstream_user
from chatkit_bff.auth.dev_users import demo_user
from chatkit_bff.settings import ConfigError, load_settings

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "k3y-0123456789abcdefghijklmnopqrstuvwxyzABCDEF",
    "OPENAI_API_KEY": "sk-live",
    "OIDC_ISSUER": "https://login.example.com",
    "OIDC_CLIENT_ID": "bff",
}

GOOD = """
[apps.support]
title = "Support"
workflow_id = "wf_support"
workflow_version = "3"
embed_origins = ["https://www.example.com", "https://help.example.com:8443"]
greeting = "How can we help?"
prompts = [{ label = "Track my order", prompt = "Where is my order?" }]
[apps.support.policy]
session_seconds = 300
file_upload = { enabled = true }

[apps.sales]
workflow_id = "wf_sales"
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "apps.toml"
    path.write_text(text)
    return str(path)


def problems_of(config: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    return caught.value.problems


def test_without_a_file_there_is_one_default_app_from_the_workflow_variables() -> None:
    settings = load_settings(
        {**PRODUCTION, "CHATKIT_WORKFLOW_ID": "wf_main", "CHATKIT_WORKFLOW_VERSION": "7"}
    )
    assert [app.slug for app in settings.apps] == [DEFAULT_APP]
    assert (settings.apps.default.workflow_id, settings.apps.default.workflow_version) == (
        "wf_main",
        "7",
    )


def test_the_file_adds_apps_beside_the_default_one(tmp_path: Path) -> None:
    settings = load_settings(
        {**PRODUCTION, "CHATKIT_WORKFLOW_ID": "wf_main", "CHATKIT_APPS_FILE": write(tmp_path, GOOD)}
    )
    assert [app.slug for app in settings.apps] == [DEFAULT_APP, "support", "sales"]
    support = settings.apps.get("support")
    assert support is not None
    assert support.title == "Support"
    assert (support.workflow_id, support.workflow_version) == ("wf_support", "3")
    assert support.embed_origins == ("https://www.example.com", "https://help.example.com:8443")
    assert support.start_screen() == {
        "greeting": "How can we help?",
        "prompts": [{"label": "Track my order", "prompt": "Where is my order?"}],
    }
    assert support.policy == {"session_seconds": 300, "file_upload": {"enabled": True}}
    sales = settings.apps.get("sales")
    assert sales is not None
    assert (sales.title, sales.embed_origins, sales.start_screen()) == ("sales", (), None)


def test_the_file_may_define_the_default_app_itself(tmp_path: Path) -> None:
    path = write(tmp_path, '[apps.default]\nworkflow_id = "wf_file"\n' + GOOD)
    settings = load_settings({**PRODUCTION, "CHATKIT_APPS_FILE": path})
    assert settings.apps.default.workflow_id == "wf_file"
    assert settings.workflow_id == "wf_file"


def test_a_bad_file_stops_start_up_with_one_line_per_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
colour = "blue"
[apps.Support_Desk]
workflow_id = "wf_x"
[apps.billing]
title = "Billing"
theme = "dark"
embed_origins = ["http://www.example.com", "https://www.example.com/help", "*.example.com"]
prompts = [{ label = "Hi" }]
[apps.billing.policy]
session_seconds = 6000
colour = "red"
""",
    )
    problems = problems_of({**PRODUCTION, "CHATKIT_WORKFLOW_ID": "wf", "CHATKIT_APPS_FILE": path})
    where = f"CHATKIT_APPS_FILE ({path}): "
    assert all(problem.startswith(where) for problem in problems)
    said = [problem.removeprefix(where) for problem in problems]
    expected = [
        "colour is not a known key",
        "apps.'Support_Desk' has a bad slug",
        "apps.billing.theme is not a known key",
        "apps.billing.workflow_id is required",
        "apps.billing.embed_origins has a bad origin 'http://www.example.com': use https",
        "apps.billing.embed_origins has a bad origin 'https://www.example.com/help'",
        "apps.billing.embed_origins has a bad origin '*.example.com'",
        "apps.billing.prompts[0] needs a non-empty label and prompt",
        "apps.billing.policy.colour is not a policy field",
        "apps.billing.policy.session_seconds must be at most 600",
    ]
    for start in expected:
        assert sum(line.startswith(start) for line in said) == 1, (start, said)
    assert len(said) == len(expected)


def test_a_missing_or_unparsable_file_is_one_line(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.toml")
    config = {**PRODUCTION, "CHATKIT_WORKFLOW_ID": "wf", "CHATKIT_APPS_FILE": missing}
    assert problems_of(config) == [
        f"CHATKIT_APPS_FILE ({missing}) cannot be read: No such file or directory"
    ]
    broken = write(tmp_path, "[apps.support\nworkflow_id = 1")
    (line,) = problems_of({**PRODUCTION, "CHATKIT_WORKFLOW_ID": "wf", "CHATKIT_APPS_FILE": broken})
    assert line.startswith(f"CHATKIT_APPS_FILE ({broken}) is not valid TOML")


def test_production_needs_a_default_app_from_the_file_or_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    (line,) = problems_of({**PRODUCTION, "CHATKIT_APPS_FILE": path})
    assert "apps.default is missing" in line


def test_development_allows_http_origins(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[apps.x]\nworkflow_id = "wf"\nembed_origins = ["http://localhost:3000"]'
    )
    settings = load_settings({"APP_ENV": "development", "CHATKIT_APPS_FILE": path})
    app = settings.apps.get("x")
    assert app is not None
    assert app.embed_origins == ("http://localhost:3000",)


def test_the_default_app_keeps_todays_upstream_user_and_others_derive_their_own(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, GOOD)
    apps = load_settings({"APP_ENV": "development", "CHATKIT_APPS_FILE": path}).apps
    grace, alan = demo_user("grace"), demo_user("alan")
    assert grace is not None
    assert alan is not None
    ids = {upstream_user(grace.identity(), app) for app in apps}
    assert upstream_user(grace.identity(), apps.default) == grace.identity().user_id
    assert len(ids) == 3  # one per app
    assert all(len(i) <= 512 and "grace" not in i for i in ids)
    support = apps.get("support")
    assert support is not None
    assert upstream_user(alan.identity(), support) not in ids
    assert upstream_user(grace.identity(), support) == upstream_user(grace.identity(), support)


def test_the_example_apps_file_in_deploy_is_valid() -> None:
    example = Path(__file__).resolve().parents[2] / "deploy" / "apps.example.toml"
    settings = load_settings(
        {**PRODUCTION, "CHATKIT_WORKFLOW_ID": "wf", "CHATKIT_APPS_FILE": str(example)}
    )
    assert [app.slug for app in settings.apps] == [DEFAULT_APP, "support", "sales"]
