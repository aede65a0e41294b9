"""Every Redis key the BFF writes, in one place, under one prefix."""

from __future__ import annotations

import hashlib

PREFIX = "bff:"

POLICY_DEFAULTS = PREFIX + "policy:defaults"
SIGN_IN_PREFIX = PREFIX + "session:"
AUDIT_STREAM = PREFIX + "audit"
USERS_INDEX = PREFIX + "users"
#: Prefix index of the directory: `<case-folded name word or email>\x00<user id>`, scores 0.
USERS_SEARCH_INDEX = PREFIX + "users:search"
MINT_LOG = PREFIX + "mints"
USERS_WITH_OVERRIDES = PREFIX + "policy:overridden-users"
CACHED_SECRET_PATTERN = PREFIX + "secret:*"
USER_SECRETS_PATTERN = PREFIX + "secrets-of:*"
# The retention job's checkpoint (the last thread it kept) and its one-run-at-a-time lock.
RETENTION_CURSOR = PREFIX + "retention:cursor"
RETENTION_LOCK = PREFIX + "retention:lock"
THREAD_OWNER_PATTERN = PREFIX + "thread-owner:*"
PROVIDER_SESSION_USER_PATTERN = PREFIX + "provider-sid-user:*"
POLICY_OVERRIDES_PATTERN = PREFIX + "policy:user:*"


def policy_app_defaults(app_slug: str) -> str:
    """One chat app's defaults as admins set them (absent: the apps file's values)."""
    return f"{PREFIX}policy:app:{app_slug}"


def policy_overrides(user_id: str) -> str:
    return f"{PREFIX}policy:user:{user_id}"


def cached_secret(user_id: str, app_slug: str, fingerprint: str) -> str:
    """One user's secret in one chat app, under one policy fingerprint."""
    return f"{PREFIX}secret:{user_id}:{app_slug}:{fingerprint}"


def secret_lock(user_id: str, app_slug: str, fingerprint: str) -> str:
    return f"{PREFIX}lock:secret:{user_id}:{app_slug}:{fingerprint}"


def user_secrets(user_id: str) -> str:
    """Set of this user's cached-secret keys, so they can all be dropped at once."""
    return f"{PREFIX}secrets-of:{user_id}"


def user_of_secrets_index(key: str) -> str:
    """The user id in a `user_secrets` key (the inverse of `user_secrets`)."""
    return key.removeprefix(f"{PREFIX}secrets-of:")


def upstream_sessions(user_id: str) -> str:
    """Sorted set of upstream session ids minted for a user, scored by expires_at."""
    return f"{PREFIX}upstream-sessions:{user_id}"


def maybe_created_sessions(user_id: str) -> str:
    """Sorted set of client request ids of creates whose answer never came, scored by the time
    any session they made would have expired."""
    return f"{PREFIX}maybe-created:{user_id}"


def sessions_ended_at(user_id: str) -> str:
    """When the user's chat sessions were last ended (sign-out, revoke), in unix seconds."""
    return f"{PREFIX}sessions-ended-at:{user_id}"


def user_mints(user_id: str) -> str:
    return f"{PREFIX}mints:{user_id}"


def sign_ins_of_user(user_id: str) -> str:
    """Set of server-side session ids (cookie sessions) a user holds."""
    return f"{PREFIX}sessions-of:{user_id}"


def sign_in_records(user_id: str) -> str:
    """Hash of a user's sign-ins shown on "my sessions": opaque handle -> device, times."""
    return f"{PREFIX}sign-in-records:{user_id}"


def sign_ins_of_provider_session(issuer_sid: str) -> str:
    """Set of server-side session ids tied to one provider session (`sid` claim)."""
    return f"{PREFIX}sessions-of-sid:{issuer_sid}"


def user_record(user_id: str) -> str:
    return f"{PREFIX}user:{user_id}"


def thread_owner(thread_id: str) -> str:
    return f"{PREFIX}thread-owner:{thread_id}"


def app_user(upstream_user_id: str) -> str:
    """Whose upstream `user` this is in which chat app: `{"user_id", "app"}` (JSON).

    One key per upstream id, read and written with single-key commands only: the retention job
    looks owners up one by one, and the key belongs to no user's hash slot.
    """
    return f"{PREFIX}app-user:{upstream_user_id}"


def app_users_of(user_id: str) -> str:
    """Hash of one user's upstream ids in the chat apps: app slug -> upstream user id."""
    return f"{PREFIX}app-users-of:{user_id}"


def provider_session_user(provider_sid: str) -> str:
    """The user id signed in under one provider session (`sid`), for sid-only logout tokens."""
    return f"{PREFIX}provider-sid-user:{provider_sid}"


def logout_token_seen(issuer: str, jti: str) -> str:
    """A back-channel logout token already acted on (replays are refused)."""
    digest = hashlib.sha256(f"{issuer}\n{jti}".encode()).hexdigest()
    return f"{PREFIX}logout-jti:{digest}"
