"""Demo users for the development sign-in (refused in production by the settings)."""

from __future__ import annotations

from dataclasses import dataclass

from chatkit_bff.identity import Identity, upstream_user_id

DEV_ISSUER = "urn:chatkit-bff:development"


@dataclass(frozen=True)
class DemoUser:
    key: str
    name: str
    email: str
    is_admin: bool = False
    plan: str = "pro"

    def identity(self) -> Identity:
        return Identity(
            user_id=upstream_user_id(DEV_ISSUER, self.key),
            issuer=DEV_ISSUER,
            subject=self.key,
            name=self.name,
            email=self.email,
            email_verified=True,
            groups=("admins",) if self.is_admin else (),
            is_admin=self.is_admin,
            claims={"iss": DEV_ISSUER, "sub": self.key, "name": self.name, "plan": self.plan},
        )


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("ada", "Ada Lovelace", "ada@example.com", is_admin=True),
    DemoUser("grace", "Grace Hopper", "grace@example.com", plan="team"),
    DemoUser("alan", "Alan Turing", "alan@example.com", plan="free"),
)


def demo_user(key: str) -> DemoUser | None:
    return next((user for user in DEMO_USERS if user.key == key), None)
