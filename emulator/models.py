"""Wire shapes of the hosted ChatKit API, named as the upstream reference names them."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

StateVariableValue = str | int | float | bool
ChatSessionStatus = Literal["active", "expired", "cancelled"]
TaskType = Literal["custom", "thought"]


class Tracing(TypedDict):
    enabled: bool


class ChatKitWorkflow(TypedDict):
    id: str
    version: str | None
    state_variables: dict[str, StateVariableValue] | None
    tracing: Tracing


class ChatSessionRateLimits(TypedDict):
    max_requests_per_1_minute: int


class ChatSessionAutomaticThreadTitling(TypedDict):
    enabled: bool


class ChatSessionFileUpload(TypedDict):
    enabled: bool
    max_file_size: int
    max_files: int


class ChatSessionHistory(TypedDict):
    enabled: bool
    recent_threads: int | None


class ChatSessionChatKitConfiguration(TypedDict):
    automatic_thread_titling: ChatSessionAutomaticThreadTitling
    file_upload: ChatSessionFileUpload
    history: ChatSessionHistory


class ChatSession(TypedDict):
    id: str
    object: Literal["chatkit.session"]
    client_secret: str
    expires_at: int
    workflow: ChatKitWorkflow
    user: str
    rate_limits: ChatSessionRateLimits
    max_requests_per_1_minute: int
    status: ChatSessionStatus
    chatkit_configuration: ChatSessionChatKitConfiguration


class ThreadStatus(TypedDict):
    """``{"type": "active"}`` or ``{"type": "locked"|"closed", "reason": str|None}``."""

    type: Literal["active", "locked", "closed"]
    reason: NotRequired[str | None]


class ChatKitThread(TypedDict):
    id: str
    object: Literal["chatkit.thread"]
    created_at: int
    title: str | None
    status: ThreadStatus
    user: str


class ThreadDeleteResponse(TypedDict):
    id: str
    object: Literal["chatkit.thread.deleted"]
    deleted: bool


class UserMessageContent(TypedDict):
    type: Literal["input_text", "quoted_text"]
    text: str


class ChatKitAttachment(TypedDict):
    id: str
    type: Literal["image", "file"]
    name: str
    mime_type: str
    preview_url: str | None


class InferenceOptionsToolChoice(TypedDict):
    id: str


class InferenceOptions(TypedDict):
    model: str | None
    tool_choice: InferenceOptionsToolChoice | None


class AnnotationFileSource(TypedDict):
    type: Literal["file"]
    filename: str


class AnnotationFile(TypedDict):
    type: Literal["file"]
    source: AnnotationFileSource


class AnnotationURLSource(TypedDict):
    type: Literal["url"]
    url: str


class AnnotationURL(TypedDict):
    type: Literal["url"]
    source: AnnotationURLSource


class ChatKitResponseOutputText(TypedDict):
    type: Literal["output_text"]
    text: str
    annotations: list[AnnotationFile | AnnotationURL]


class ChatKitTaskGroupTask(TypedDict):
    type: TaskType
    heading: str | None
    summary: str | None


class _ThreadItemFields(TypedDict):
    id: str
    object: Literal["chatkit.thread_item"]
    created_at: int
    thread_id: str


class ChatKitThreadUserMessageItem(_ThreadItemFields):
    type: Literal["chatkit.user_message"]
    content: list[UserMessageContent]
    attachments: list[ChatKitAttachment]
    inference_options: InferenceOptions | None


class ChatKitThreadAssistantMessageItem(_ThreadItemFields):
    type: Literal["chatkit.assistant_message"]
    content: list[ChatKitResponseOutputText]


class ChatKitWidgetItem(_ThreadItemFields):
    type: Literal["chatkit.widget"]
    widget: str


class ChatKitClientToolCall(_ThreadItemFields):
    type: Literal["chatkit.client_tool_call"]
    call_id: str
    name: str
    arguments: str
    output: str | None
    status: Literal["in_progress", "completed"]


class ChatKitTask(_ThreadItemFields):
    type: Literal["chatkit.task"]
    task_type: TaskType
    heading: str | None
    summary: str | None


class ChatKitTaskGroup(_ThreadItemFields):
    type: Literal["chatkit.task_group"]
    tasks: list[ChatKitTaskGroupTask]


ThreadItem = (
    ChatKitThreadUserMessageItem
    | ChatKitThreadAssistantMessageItem
    | ChatKitWidgetItem
    | ChatKitClientToolCall
    | ChatKitTask
    | ChatKitTaskGroup
)


class ListPage(TypedDict):
    object: Literal["list"]
    data: list[ChatKitThread] | list[ThreadItem]
    first_id: str | None
    last_id: str | None
    has_more: bool
