"""Every environment variable the app or its gunicorn settings read is documented in README."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
# settings.py's helpers that take (env, NAME, ...).
_NAMED_READERS = {"_number", "_flag", "_whole", "_count"}


def _names_read(path: Path) -> set[str]:
    """Names passed to `env.get(...)`, `os.environ.get(...)` or a (env, NAME) helper."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func, arguments = node.func, node.args
        if isinstance(func, ast.Attribute) and func.attr == "get":
            target = ast.unparse(func.value)
            name = arguments[0] if target in ("env", "os.environ") else None
        elif isinstance(func, ast.Name) and func.id in _NAMED_READERS and len(arguments) > 1:
            name = arguments[1]
        else:
            continue
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            names.add(name.value)
    return names


def _configuration_table() -> set[str]:
    section = README.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = (line.split("|")[1] for line in section.splitlines() if line.startswith("| `"))
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}


def test_the_configuration_table_names_every_setting() -> None:
    read = _names_read(ROOT / "chatkit_bff" / "settings.py")
    assert len(read) > 30  # the scan found the settings (it would pass vacuously otherwise)
    assert read - _configuration_table() == set()


@pytest.mark.parametrize(
    "path", ["deploy/gunicorn.conf.py", "chatkit_bff/observability/gunicorn_hooks.py"]
)
def test_readme_names_every_variable_of_the_gunicorn_settings(path: str) -> None:
    read = _names_read(ROOT / path)
    assert read
    assert {name for name in read if f"`{name}`" not in README} == set()
