"""The admin console's signed-in callers, shared with the hardening tests."""

from tests.admin.conftest import admin, alan, grace

__all__ = ["admin", "alan", "grace"]
