"""Who the user is and how their sign-ins begin and end.

The OpenID Connect relying party (`oidc`) and how it authenticates at the token endpoint
(`client_auth`), back-channel logout tokens and what they end
(`logout_token`, `provider_logout`), the registry of each user's browser sign-ins (`sign_ins`),
safe post-sign-in redirects and the development demo users. May import `chat_sessions` (to
cancel a user's chat sessions when their sign-ins end) and the base; never `admin`.
"""
