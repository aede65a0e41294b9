"""ChatKit checks: the API key is accepted, the workflow exists, how fast the API answers."""

from __future__ import annotations

import time

from chatkit_bff.settings import Settings
from chatkit_bff.upstream import (
    AuthenticationError,
    ChatKitClient,
    ChatSessionWorkflowParam,
    ClientConfig,
    NotFoundError,
    PermissionDeniedError,
    SessionCreateParams,
    UpstreamError,
)

from .report import Check

#: The ChatKit `user` of the doctor's own calls: never a real user's id (those start `u_`).
PROBE_USER = "chatkit-bff-setup-doctor"
SLOW_SECONDS = 2.0


def probe_client(settings: Settings) -> ChatKitClient:
    """One attempt per call, short timeouts: the doctor reports, it does not insist."""
    return ChatKitClient(
        ClientConfig(
            api_key=settings.openai_api_key,
            base_url=settings.chatkit_api_base,
            connect_timeout=min(settings.connect_timeout, 5.0),
            read_timeout=min(settings.read_timeout, 10.0),
            max_retries=0,
        )
    )


def check_chatkit(settings: Settings, client: ChatKitClient) -> list[Check]:
    where = "the emulator" if settings.uses_emulator else settings.chatkit_api_base
    started = time.monotonic()
    try:
        client.list_threads(user=PROBE_USER, limit=1)
    except (AuthenticationError, PermissionDeniedError) as error:
        return [
            Check(
                "chatkit",
                "API key",
                "fail",
                f"{where} refused OPENAI_API_KEY ({error.code or error.status})",
                "Set OPENAI_API_KEY to a key of the OpenAI project that owns the workflow.",
            )
        ]
    except UpstreamError as error:
        return [
            Check(
                "chatkit",
                "API reachable",
                "fail",
                f"{where} did not answer a cheap call: {error}",
                "Check CHATKIT_API_BASE and that this host may reach it (proxy, firewall).",
            )
        ]
    latency = time.monotonic() - started
    checks = [
        Check("chatkit", "API key", "ok", f"accepted by {where}"),
        Check(
            "chatkit",
            "latency",
            "warn" if latency > SLOW_SECONDS else "ok",
            f"{latency * 1000:.0f} ms for one authenticated call",
            "The API answers slowly from here; check the network path."
            if latency > SLOW_SECONDS
            else None,
        ),
    ]
    return [*checks, _check_workflow(settings, client)]


def _check_workflow(settings: Settings, client: ChatKitClient) -> Check:
    workflow: ChatSessionWorkflowParam = {"id": settings.workflow_id}
    if settings.workflow_version:
        workflow["version"] = settings.workflow_version
    named = settings.workflow_id + (
        f" v{settings.workflow_version}" if settings.workflow_version else ""
    )
    params: SessionCreateParams = {
        "user": PROBE_USER,
        "workflow": workflow,
        "expires_after": {"anchor": "created_at", "seconds": 60},
    }
    try:
        session = client.create_session(params)
    except NotFoundError:
        return Check(
            "chatkit",
            "workflow",
            "fail",
            f"workflow {named} is unknown to this API key's project",
            "Set CHATKIT_WORKFLOW_ID (and CHATKIT_WORKFLOW_VERSION) to a published workflow "
            "of this project (Agent Builder shows its wf_ id).",
        )
    except UpstreamError as error:
        return Check(
            "chatkit",
            "workflow",
            "fail",
            f"a session for workflow {named} could not be created: {error}",
            "Check CHATKIT_WORKFLOW_ID and CHATKIT_WORKFLOW_VERSION.",
        )
    try:
        client.cancel_session(session["id"])
    except UpstreamError as error:
        return Check(
            "chatkit",
            "workflow",
            "warn",
            f"workflow {named} accepted, but the probe session was not cancelled: {error}",
            "None needed: it expires within 60 s.",
        )
    return Check("chatkit", "workflow", "ok", f"{named} accepted (probe session cancelled)")
