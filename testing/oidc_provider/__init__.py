"""A real OpenID Connect provider for tests, served over loopback HTTP.

Built on authlib's authorization server: authorization code flow with mandatory S256 PKCE,
client_secret_basic/post, RS256 ID tokens, userinfo, RP-Initiated Logout 1.0 and
Back-Channel Logout 1.0 tokens. Everything lives in memory.

The issuer: ``running_provider(users, clients)`` serves the app and sets the issuer to its
``http://127.0.0.1:<port>`` URL. When you serve ``create_provider(config)`` yourself, either
set ``app.config["PROVIDER"].issuer = live.url`` before the first request or leave
``config.issuer`` empty and the first request's host URL becomes the issuer.

``app.config["PROVIDER"]`` is the ``ProviderState``: register or mutate clients at any time
(``state.register_client(...)``, or append to a ``ProviderClient``'s lists), corrupt the next
ID token (``state.id_token_overrides``, ``state.sign_with_foreign_key_next``), craft and send
logout tokens (``state.make_logout_token``, ``state.send_backchannel_logout``) and inspect
``state.sessions``, ``state.issued_codes``, ``state.end_session_calls``.

The sign-in page has one button per user named "Sign in as <name>" (form field
``username`` = the user's ``sub``) and a "Cancel" button (``action=cancel``), which answers
the client with ``error=access_denied``.
"""

from .app import create_provider
from .claims import REMOVE
from .config import ProviderClient, ProviderConfig, ProviderUser
from .logout_tokens import BACKCHANNEL_LOGOUT_EVENT
from .running import RunningProvider, running_provider
from .state import ProviderState

__all__ = [
    "BACKCHANNEL_LOGOUT_EVENT",
    "REMOVE",
    "ProviderClient",
    "ProviderConfig",
    "ProviderState",
    "ProviderUser",
    "RunningProvider",
    "create_provider",
    "running_provider",
]
