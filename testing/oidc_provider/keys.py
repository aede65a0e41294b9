"""The provider's RS256 signing key and a look-alike key it never publishes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

ALGORITHM = "RS256"


def _new_rsa_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "alg": ALGORITHM, "use": "sig"})


@dataclass
class SigningKeys:
    """Signs tokens with the published key, or with a foreign key carrying the same kid."""

    kid: str = field(default_factory=lambda: f"test-{secrets.token_hex(4)}")

    @cached_property
    def signing(self) -> RSAKey:
        return _new_rsa_key(self.kid)

    @cached_property
    def foreign(self) -> RSAKey:
        # Same kid as the real key, so only a real signature check tells them apart.
        return _new_rsa_key(self.kid)

    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [self.signing.as_dict(private=False)]}

    def public_key_set(self) -> KeySet:
        return KeySet.import_key_set(self.public_jwks())  # type: ignore[arg-type]

    def sign(
        self, claims: dict[str, Any], *, foreign: bool = False, typ: str | None = "JWT"
    ) -> str:
        """Sign ``claims`` as a compact JWS; ``typ=None`` leaves the typ header out."""
        header: dict[str, Any] = {"alg": ALGORITHM, "kid": self.kid}
        if typ is not None:
            header["typ"] = typ
        key = self.foreign if foreign else self.signing
        return jwt.encode(header, claims, key, algorithms=[ALGORITHM], default_type=None)
