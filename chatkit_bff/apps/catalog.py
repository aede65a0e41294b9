"""The chat apps this deployment serves, validated at start-up."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The app of today's URLs (`/`, `/threads/…`, `/api/chatkit/session`): always present.
DEFAULT_APP = "default"
SLUG = re.compile(r"[a-z0-9-]{1,40}")


@dataclass(frozen=True)
class StartPrompt:
    """A suggestion on ChatKit's start screen."""

    label: str
    prompt: str


@dataclass(frozen=True)
class ChatApp:
    slug: str
    title: str
    workflow_id: str
    workflow_version: str | None = None
    #: Origins allowed to frame `/apps/<slug>/embed` (CSP `frame-ancestors` besides 'self').
    embed_origins: tuple[str, ...] = ()
    greeting: str | None = None
    prompts: tuple[StartPrompt, ...] = ()
    #: The app's policy defaults from the apps file (a validated partial policy).
    policy: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_default(self) -> bool:
        return self.slug == DEFAULT_APP

    def start_screen(self) -> dict[str, Any] | None:
        """ChatKit's `startScreen` option, when the app sets one."""
        screen: dict[str, Any] = {}
        if self.greeting:
            screen["greeting"] = self.greeting
        if self.prompts:
            screen["prompts"] = [{"label": p.label, "prompt": p.prompt} for p in self.prompts]
        return screen or None


@dataclass(frozen=True)
class AppCatalog:
    """Apps by slug, `default` first."""

    apps: Mapping[str, ChatApp]
    source: str | None = None  # the apps file, when there is one

    def __post_init__(self) -> None:
        if DEFAULT_APP not in self.apps:
            raise ValueError("the catalog has no default app")

    @classmethod
    def single(cls, workflow_id: str, workflow_version: str | None) -> AppCatalog:
        """Without an apps file: one app, `default`, from CHATKIT_WORKFLOW_ID/_VERSION."""
        app = ChatApp(DEFAULT_APP, "Chat", workflow_id, workflow_version)
        return cls({DEFAULT_APP: app})

    @property
    def default(self) -> ChatApp:
        return self.apps[DEFAULT_APP]

    def get(self, slug: str) -> ChatApp | None:
        return self.apps.get(slug)

    def __iter__(self) -> Iterator[ChatApp]:
        return iter(self.apps.values())

    def __len__(self) -> int:
        return len(self.apps)

    def file_policies(self) -> dict[str, Mapping[str, Any]]:
        """Each app's policy defaults from the file (empty for apps that set none)."""
        return {app.slug: app.policy for app in self}
