"""Every Redis key the BFF writes, in one place, laid out so that a Redis Cluster accepts it.

Rules (a cluster refuses a command, MULTI or script whose keys live in two hash slots):

- Every key that belongs to one user carries the user's hash tag, `bff:{<user id>}:…`, so all of
  a user's keys live in one slot; a transaction or multi-key command never spans two users.
- Structures shared by all users are single keys. The ones written together in one transaction
  (the policy defaults, the chat apps' defaults, the set of users with overrides, the audit
  stream) share the `{bff}` tag. The users directory's sorted sets are written at sign-in next
  to the user's record, so always in plain pipelines, never in one transaction with it.
- Nothing lists keys with KEYS; counts come from counters or sorted sets, and the rare sweeps
  (dropping everyone's cached secrets, erasing a user) SCAN every primary.

`migrate-keys` (chatkit_bff/redis_migration.py) moves data from the layout before this one.
"""

from __future__ import annotations

import hashlib

PREFIX = "bff:"
#: The slot of the shared structures that are written together (defaults, overrides set, audit).
SHARED = PREFIX + "{bff}:"

# -- Shared by all users, one key each -------------------------------------------------------

#: String (JSON): the admin-set global policy defaults. Read by every session call.
POLICY_DEFAULTS = SHARED + "policy:defaults"
#: Set of user ids that have policy overrides, so a defaults change can check them all.
USERS_WITH_OVERRIDES = SHARED + "policy:overridden-users"
#: Stream: the admin audit trail, capped (MAXLEN ~), newest read first.
AUDIT_STREAM = SHARED + "audit"
#: Sorted set: user id -> last sign-in (ms). The users directory lists and counts from it.
USERS_INDEX = PREFIX + "users"
#: Sorted set, scores 0: `<case-folded name word or email>\x00<user id>`, the directory's
#: prefix search (ZRANGEBYLEX).
USERS_SEARCH_INDEX = PREFIX + "users:search"
#: Sorted set: one member per mint in the last 24 h, scored by time (the dashboard's count).
MINT_LOG = PREFIX + "mints"
#: String: the retention job's checkpoint (the last thread it kept).
RETENTION_CURSOR = PREFIX + "retention:cursor"
#: Lock: one retention run at a time, across processes.
RETENTION_LOCK = PREFIX + "retention:lock"

# -- Patterns for the sweeps that SCAN every primary (never KEYS) ----------------------------

#: Every user's cached secrets (`cached_secret`): counted for the dashboard.
CACHED_SECRET_PATTERN = PREFIX + "{*}:secret:*"
#: Every user's secret index (`user_secrets`): walked to drop everyone's cached secrets.
USER_SECRETS_PATTERN = PREFIX + "{*}:secrets"
#: Every user's overrides (`policy_overrides`): walked when an erased admin's name is removed.
POLICY_OVERRIDES_PATTERN = PREFIX + "{*}:policy"
#: Every chat app's admin-set defaults (`policy_app_defaults`): walked likewise.
POLICY_APP_DEFAULTS_PATTERN = SHARED + "policy:app:*"
#: Thread-owner memos (`thread_owner`): erasure drops the ones whose value is the user.
THREAD_OWNER_PATTERN = PREFIX + "thread-owner:*"
#: Provider-session memos (`provider_session_user`): erasure drops the user's.
PROVIDER_SESSION_USER_PATTERN = PREFIX + "provider-sid-user:*"


def policy_app_defaults(app_slug: str) -> str:
    """String (JSON): one chat app's defaults as admins set them (absent: the apps file's)."""
    return f"{SHARED}policy:app:{app_slug}"


def user_tag(user_id: str) -> str:
    """The hash tag of one user's slot: the (opaque, brace-free) user id itself, in braces."""
    if "{" in user_id or "}" in user_id or not user_id:
        # Never the case for our `u_…` ids; a digest keeps any other id a valid tag.
        user_id = "h_" + hashlib.sha256(user_id.encode()).hexdigest()[:32]
    return "{" + user_id + "}"


def _user(user_id: str, rest: str) -> str:
    return f"{PREFIX}{user_tag(user_id)}:{rest}"


# -- One user's keys, all in the user's slot -------------------------------------------------


def policy_overrides(user_id: str) -> str:
    """String (JSON): the user's policy overrides, with who set them and when."""
    return _user(user_id, "policy")


def cached_secret(user_id: str, app_slug: str, fingerprint: str) -> str:
    """String (sealed): the user's ChatKit client secret in one chat app, under one policy
    fingerprint."""
    return _user(user_id, f"secret:{app_slug}:{fingerprint}")


def secret_lock(user_id: str, app_slug: str, fingerprint: str) -> str:
    """Lock: held while one process mints the secret, so concurrent misses make one create."""
    return _user(user_id, f"secret-lock:{app_slug}:{fingerprint}")


def mint_calls(user_id: str, app_slug: str, per_minute: int) -> str:
    """List: when the user's accepted chat session calls in one chat app were made (Redis
    time, newest first), under a limit of `per_minute`; a new limit starts a new list."""
    return _user(user_id, f"mint-calls:{app_slug}:{per_minute}")


def user_secrets(user_id: str) -> str:
    """Set of this user's cached-secret keys, so they can all be dropped in one transaction."""
    return _user(user_id, "secrets")


def upstream_sessions(user_id: str) -> str:
    """Sorted set of the user's live upstream chat session ids, scored by expires_at."""
    return _user(user_id, "chat-sessions")


def maybe_created_sessions(user_id: str) -> str:
    """Sorted set of client request ids of creates whose answer never came, scored by the time
    any session they made would have expired."""
    return _user(user_id, "maybe-created")


def sessions_ended_at(user_id: str) -> str:
    """String: when the user's chat sessions were last ended (sign-out, revoke), unix seconds."""
    return _user(user_id, "sessions-ended-at")


def user_mints(user_id: str) -> str:
    """Sorted set: the user's recent mints (JSON), scored by time, for the admin's user page."""
    return _user(user_id, "mints")


def user_record(user_id: str) -> str:
    """Hash: the user's directory entry (name, email, admin flag, sign-in times and count)."""
    return _user(user_id, "profile")


def app_users_of(user_id: str) -> str:
    """Hash of one user's upstream ids in the chat apps: app slug -> upstream user id."""
    return _user(user_id, "app-users")


def sign_ins_of_user(user_id: str) -> str:
    """Set of the sign-in ids a user holds (revoke, sign-out everywhere)."""
    return _user(user_id, "sign-ins")


def sign_in_records(user_id: str) -> str:
    """Hash of a user's sign-ins shown on "my sessions": opaque handle -> device, times."""
    return _user(user_id, "sign-in-records")


def sign_ins_of_provider_session(user_id: str, provider_sid: str) -> str:
    """Set of the user's sign-in ids under one provider session (`sid`), for back-channel logout."""
    return _user(user_id, f"sign-ins-of-sid:{provider_sid}")


# -- Sign-ins (the server-side browser sessions) ---------------------------------------------

#: Separates the user id from the random part in a signed-in sign-in id.
SIGN_IN_ID_SEPARATOR = "."


def sign_in(sign_in_id: str) -> str:
    """String (JSON): one sign-in's data; the cookie holds `sign_in_id`.

    A sign-in id issued at sign-in is `<user id>.<random>`, so the data lives in the user's
    slot and ending all of a user's sign-ins is one transaction. An anonymous sign-in (before
    sign-in: the OIDC state) is just `<random>`, in a slot of its own.
    """
    user_id, separator, random_part = sign_in_id.rpartition(SIGN_IN_ID_SEPARATOR)
    if separator and user_id:
        return _user(user_id, f"sign-in:{random_part}")
    return f"{PREFIX}sign-in:{sign_in_id}"


# -- Other single keys, each in a slot of its own --------------------------------------------


def thread_owner(thread_id: str) -> str:
    """String: a short-lived memo of a thread's owner (upstream user id)."""
    return f"{PREFIX}thread-owner:{thread_id}"


def app_user(upstream_user_id: str) -> str:
    """Whose upstream `user` this is in which chat app: `{"user_id", "app"}` (JSON).

    One key per upstream id, read and written with single-key commands only: the retention job
    looks owners up one by one, and the key belongs to no user's hash slot.
    """
    return f"{PREFIX}app-user:{upstream_user_id}"


def provider_session_user(provider_sid: str) -> str:
    """String: the user id signed in under one provider session, for sid-only logout tokens."""
    return f"{PREFIX}provider-sid-user:{provider_sid}"


def logout_token_seen(issuer: str, jti: str) -> str:
    """String: a back-channel logout token already acted on (replays are refused)."""
    digest = hashlib.sha256(f"{issuer}\n{jti}".encode()).hexdigest()
    return f"{PREFIX}logout-jti:{digest}"
