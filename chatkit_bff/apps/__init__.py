"""Chat apps: several workflows behind one deployment, each a separate product for its users."""

from chatkit_bff.apps.app_users import AppUser, AppUsers
from chatkit_bff.apps.catalog import DEFAULT_APP, AppCatalog, ChatApp, StartPrompt
from chatkit_bff.apps.loading import load_catalog
from chatkit_bff.apps.users import upstream_user

__all__ = [
    "DEFAULT_APP",
    "AppCatalog",
    "AppUser",
    "AppUsers",
    "ChatApp",
    "StartPrompt",
    "load_catalog",
    "upstream_user",
]
