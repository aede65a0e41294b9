"""Typed shapes of the hosted ChatKit API objects, named as the API names them.

The literal kinds inside thread items and a thread's status type are the values the API
reference lists; a value the API adds later is passed through as a string (see `shapes`).
"""

from __future__ import annotations

from typing import Generic, Literal, Required, TypeAlias, TypedDict, TypeVar

StateVariableValue: TypeAlias = str | int | float | bool

# --- ChatSession (create and cancel responses) -------------------------------------------

ChatSessionStatus: TypeAlias = Literal["active", "expired", "cancelled"]


class ChatSessionWorkflowTracing(TypedDict):
    enabled: bool


class ChatSessionWorkflow(TypedDict):
    id: str
    version: str | None
    state_variables: dict[str, StateVariableValue] | None
    tracing: ChatSessionWorkflowTracing


class ChatSessionAutomaticThreadTitling(TypedDict):
    enabled: bool


class ChatSessionFileUpload(TypedDict):
    enabled: bool
    max_file_size: int | None
    max_files: int | None


class ChatSessionHistory(TypedDict):
    enabled: bool
    recent_threads: int | None


class ChatSessionChatKitConfiguration(TypedDict):
    automatic_thread_titling: ChatSessionAutomaticThreadTitling
    file_upload: ChatSessionFileUpload
    history: ChatSessionHistory


class ChatSessionRateLimits(TypedDict):
    max_requests_per_1_minute: int


class ChatSession(TypedDict):
    """A ChatKit session; `client_secret` is a credential and must never be logged."""

    id: str
    object: Literal["chatkit.session"]
    client_secret: str
    expires_at: int
    workflow: ChatSessionWorkflow
    user: str
    rate_limits: ChatSessionRateLimits
    max_requests_per_1_minute: int
    status: ChatSessionStatus
    chatkit_configuration: ChatSessionChatKitConfiguration


# --- Create-session request body ------------------------------------------------------------


class ChatSessionWorkflowTracingParam(TypedDict, total=False):
    enabled: bool


class ChatSessionWorkflowParam(TypedDict, total=False):
    id: Required[str]
    version: str
    state_variables: dict[str, StateVariableValue]
    tracing: ChatSessionWorkflowTracingParam


class ChatSessionAutomaticThreadTitlingParam(TypedDict, total=False):
    enabled: bool


class ChatSessionFileUploadParam(TypedDict, total=False):
    enabled: bool
    max_file_size: int
    max_files: int


class ChatSessionHistoryParam(TypedDict, total=False):
    enabled: bool
    recent_threads: int


class ChatSessionChatKitConfigurationParam(TypedDict, total=False):
    automatic_thread_titling: ChatSessionAutomaticThreadTitlingParam
    file_upload: ChatSessionFileUploadParam
    history: ChatSessionHistoryParam


class ChatSessionExpiresAfterParam(TypedDict):
    anchor: Literal["created_at"]
    seconds: int


class ChatSessionRateLimitsParam(TypedDict, total=False):
    max_requests_per_1_minute: int


class SessionCreateParams(TypedDict, total=False):
    """Body of `POST /chatkit/sessions`."""

    user: Required[str]
    workflow: Required[ChatSessionWorkflowParam]
    chatkit_configuration: ChatSessionChatKitConfigurationParam
    expires_after: ChatSessionExpiresAfterParam
    rate_limits: ChatSessionRateLimitsParam


# --- ChatKitThread ------------------------------------------------------------------------


class ChatKitThreadStatusActive(TypedDict):
    type: Literal["active"]


class ChatKitThreadStatusLocked(TypedDict):
    type: Literal["locked"]
    reason: str | None


class ChatKitThreadStatusClosed(TypedDict):
    type: Literal["closed"]
    reason: str | None


ChatKitThreadStatus: TypeAlias = (
    ChatKitThreadStatusActive | ChatKitThreadStatusLocked | ChatKitThreadStatusClosed
)


class ChatKitThread(TypedDict):
    id: str
    object: Literal["chatkit.thread"]
    created_at: int
    title: str | None
    status: ChatKitThreadStatus
    user: str


class ThreadDeleted(TypedDict):
    id: str
    object: Literal["chatkit.thread.deleted"]
    deleted: bool


# --- Thread items ---------------------------------------------------------------------------


class UserMessageInputText(TypedDict):
    type: Literal["input_text"]
    text: str


class UserMessageQuotedText(TypedDict):
    type: Literal["quoted_text"]
    text: str


UserMessageContent: TypeAlias = UserMessageInputText | UserMessageQuotedText


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


Annotation: TypeAlias = AnnotationFile | AnnotationURL


class ResponseOutputText(TypedDict):
    type: Literal["output_text"]
    text: str
    annotations: list[Annotation]


class ThreadItemBase(TypedDict):
    """Fields every thread item carries."""

    id: str
    object: Literal["chatkit.thread_item"]
    created_at: int
    thread_id: str


class UserMessageItem(ThreadItemBase):
    type: Literal["chatkit.user_message"]
    content: list[UserMessageContent]
    attachments: list[ChatKitAttachment]
    inference_options: InferenceOptions | None


class AssistantMessageItem(ThreadItemBase):
    type: Literal["chatkit.assistant_message"]
    content: list[ResponseOutputText]


class WidgetItem(ThreadItemBase):
    type: Literal["chatkit.widget"]
    widget: str  # a serialized widget tree (JSON text), not an object


class ClientToolCallItem(ThreadItemBase):
    type: Literal["chatkit.client_tool_call"]
    call_id: str
    name: str
    arguments: str
    output: str | None
    status: Literal["in_progress", "completed"]


class TaskItem(ThreadItemBase):
    type: Literal["chatkit.task"]
    task_type: Literal["custom", "thought"]
    heading: str | None
    summary: str | None


class TaskGroupTask(TypedDict):
    type: Literal["custom", "thought"]
    heading: str | None
    summary: str | None


class TaskGroupItem(ThreadItemBase):
    type: Literal["chatkit.task_group"]
    tasks: list[TaskGroupTask]


ThreadItem: TypeAlias = (
    UserMessageItem
    | AssistantMessageItem
    | WidgetItem
    | ClientToolCallItem
    | TaskItem
    | TaskGroupItem
)

# --- Cursor pages ---------------------------------------------------------------------------

PageEntry = TypeVar("PageEntry")


class ListPage(TypedDict, Generic[PageEntry]):
    """A cursor page: pass `after=last_id` with the same `order` for the next one."""

    object: Literal["list"]
    data: list[PageEntry]
    first_id: str | None
    last_id: str | None
    has_more: bool


ThreadListPage: TypeAlias = ListPage[ChatKitThread]
ThreadItemListPage: TypeAlias = ListPage[ThreadItem]
