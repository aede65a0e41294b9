"""Why a Redis connection failed, in words an operator can act on (TLS above all).

redis-py reports a refused TLS certificate, a missing client certificate and a plain
connection to a TLS-only server all as `ConnectionError`. The cause it wraps tells them apart;
the words name the `REDIS_URL` option to change. Nothing here holds a password: only error
class names and the TLS library's own reasons are repeated. A server too old for a command is
named too.
"""

from __future__ import annotations

import ssl
import traceback

import redis
from redis.sentinel import MasterNotFoundError

from chatkit_bff.redis_requirements import NEEDED


def _causes(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(found) < 8:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


# Words of OpenSSL's refusals under VERIFY_X509_STRICT (Python 3.13+ sets it by default): a
# certificate that breaks one of RFC 5280's rules, not one signed by an unknown CA.
_STRICT_X509_WORDS = (
    "Key Identifier",
    "marked critical",
    "key usage",
    "Subject Alt",
    "Path length",
    "name is empty",
    "name empty",
)


def _over_tls(cause: BaseException) -> bool:
    """Whether `cause` was raised while reading or writing a TLS socket."""
    return any(
        frame.filename == ssl.__file__ for frame in traceback.extract_tb(cause.__traceback__)
    )


def _hint(cause: BaseException) -> str | None:
    if isinstance(cause, MasterNotFoundError):
        # redis-py lists, after the service name, each sentinel it could not ask and why.
        message = str(cause)
        unreached = " - " in message
        if unreached and "SSLConnection" in message:
            return (
                "sentinels did not answer over TLS: check their addresses in REDIS_URL; "
                "sentinels on plain TCP in front of TLS data nodes take sentinel_ssl=false"
            )
        if unreached:
            return (
                "sentinels did not answer: check their addresses in REDIS_URL and the service "
                "name (redis+sentinel://…/service_name/db)"
            )
        return (
            "the sentinels name no primary for this service: check the service name in "
            "REDIS_URL (redis+sentinel://…/service_name/db) and that they monitor it"
        )
    if isinstance(cause, ssl.SSLCertVerificationError):
        reason = cause.verify_message or "certificate verify failed"
        if any(words in reason for words in _STRICT_X509_WORDS):
            return (
                f"its TLS certificate breaks a rule of RFC 5280 ({reason}), which Python 3.13 "
                "and newer enforce: reissue it as RFC 5280 asks, or add "
                "ssl_exclude_verify_flags=VERIFY_X509_STRICT to REDIS_URL"
            )
        return (
            f"its TLS certificate was refused ({reason}): name the CA that signed it with "
            "ssl_ca_certs=/path in REDIS_URL, and connect to a host name the certificate names"
        )
    if isinstance(cause, ssl.SSLEOFError | ssl.SSLZeroReturnError) or (
        isinstance(cause, ssl.SSLError) and "CERTIFICATE_REQUIRED" in str(cause)
    ):
        return (
            "it closed the TLS connection: if it requires a client certificate, give "
            "ssl_certfile=/path and ssl_keyfile=/path in REDIS_URL"
        )
    if isinstance(cause, ssl.SSLError) and "WRONG_VERSION_NUMBER" in str(cause):
        return "it does not speak TLS on that port: use redis://, not rediss://"
    if isinstance(cause, ssl.SSLError):
        return f"the TLS connection failed ({cause.reason or cause.__class__.__name__})"
    if isinstance(cause, ConnectionResetError) and _over_tls(cause):
        # TLS 1.3 refuses a missing client certificate after the handshake, so the client
        # may see only a reset.
        return (
            "it reset the TLS connection: if it requires a client certificate, give "
            "ssl_certfile=/path and ssl_keyfile=/path in REDIS_URL"
        )
    if isinstance(cause, ConnectionResetError):
        return (
            "it reset the connection (a Redis that requires TLS does so to a plain one: "
            "use rediss://)"
        )
    if isinstance(cause, TimeoutError) and "handshake" in str(cause):
        return "the TLS handshake timed out (a Redis without TLS on that port does not answer: use redis://)"
    if isinstance(cause, redis.exceptions.ResponseError) and "unknown command" in str(cause):
        # Not its words: Redis repeats the command's arguments (keys, ids) in them.
        return f"it does not know a command this app uses: it needs Redis {NEEDED} or newer"
    return None


def redis_failure_reason(error: BaseException) -> str:
    """The error's class name, and what to change when the cause is recognised."""
    for cause in _causes(error):
        hint = _hint(cause)
        if hint is not None:
            return f"{type(error).__name__}: {hint}"
    return type(error).__name__
