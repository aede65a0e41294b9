"""The web layer: thin Flask blueprints, the glue they share, and the pages' templates and files.

Templates and static files live inside this package so that an installed wheel carries them.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE_FOLDER = Path(__file__).resolve().parent / "templates"
STATIC_FOLDER = Path(__file__).resolve().parent / "static"
