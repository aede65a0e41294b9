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


def policy_overrides(user_id: str) -> str:
    return f"{PREFIX}policy:user:{user_id}"


def cached_secret(user_id: str, fingerprint: str) -> str:
    return f"{PREFIX}secret:{user_id}:{fingerprint}"


def secret_lock(user_id: str, fingerprint: str) -> str:
    return f"{PREFIX}lock:secret:{user_id}:{fingerprint}"


def user_secrets(user_id: str) -> str:
    """Set of this user's cached-secret keys, so they can all be dropped at once."""
    return f"{PREFIX}secrets-of:{user_id}"


def user_of_secrets_index(key: str) -> str:
    """The user id in a `user_secrets` key (the inverse of `user_secrets`)."""
    return key.removeprefix(f"{PREFIX}secrets-of:")


def upstream_sessions(user_id: str) -> str:
    """Sorted set of upstream session ids minted for a user, scored by expires_at."""
    return f"{PREFIX}upstream-sessions:{user_id}"


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


def provider_session_user(provider_sid: str) -> str:
    """The user id signed in under one provider session (`sid`), for sid-only logout tokens."""
    return f"{PREFIX}provider-sid-user:{provider_sid}"


def logout_token_seen(issuer: str, jti: str) -> str:
    """A back-channel logout token already acted on (replays are refused)."""
    digest = hashlib.sha256(f"{issuer}\n{jti}".encode()).hexdigest()
    return f"{PREFIX}logout-jti:{digest}"
