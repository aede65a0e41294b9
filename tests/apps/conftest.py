"""Two chat apps beside the default one, from an apps file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chatkit_bff.apps import ChatApp
from chatkit_bff.auth.dev_users import demo_user
from chatkit_bff.identity import Identity

SUPPORT_WORKFLOW = "wf_support_agent"
SALES_WORKFLOW = "wf_sales_agent"


def apps_toml(embed_origins: list[str]) -> str:
    origins = ", ".join(f'"{origin}"' for origin in embed_origins)
    return f"""
[apps.support]
title = "Support"
workflow_id = "{SUPPORT_WORKFLOW}"
workflow_version = "3"
embed_origins = [{origins}]
greeting = "How can we help?"
prompts = [{{ label = "Track my order", prompt = "Where is my order?" }}]
[apps.support.policy]
session_seconds = 300
file_upload = {{ enabled = true, max_files = 3 }}

[apps.sales]
title = "Sales"
workflow_id = "{SALES_WORKFLOW}"
"""


@pytest.fixture
def embed_origins() -> list[str]:
    return ["https://www.example.com"]


@pytest.fixture
def apps_file(tmp_path: Path, embed_origins: list[str]) -> str:
    path = tmp_path / "apps.toml"
    path.write_text(apps_toml(embed_origins))
    return str(path)


@pytest.fixture
def app_config(app_config: dict[str, Any], apps_file: str) -> dict[str, Any]:
    return {**app_config, "CHATKIT_APPS_FILE": apps_file}


def identity(key: str) -> Identity:
    user = demo_user(key)
    assert user is not None
    return user.identity()


def chat_app(app: Any, slug: str) -> ChatApp:
    found: ChatApp | None = app.config["SETTINGS"].apps.get(slug)
    assert found is not None
    return found
