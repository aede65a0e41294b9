"""A local emulator of the hosted ChatKit REST API, for development and tests."""

from .app import create_app
from .config import EmulatorConfig

__all__ = ["EmulatorConfig", "create_app"]
