"""The layering every newcomer relies on: web -> services -> features -> base, no way back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "chatkit_bff"

BASE = {
    "settings",
    "csp",
    "csp_sources",
    "errors",
    "identity",
    "redis_keys",
    "redis_connection",
    "redis_requirements",
    "redis_failures",
    "redis_durable",
    "redis_migration",
    "upstream",
    "observability",
    "json_input",
    "query_params",
    "access_log",
}
# What each part of chatkit_bff may import besides itself and the base.
ALLOWED: dict[str, set[str]] = {
    **{name: set() for name in BASE},
    "__init__": set(),
    "policy": set(),
    # The chat apps of the apps file, validated with the settings (their policy values too).
    "apps": {"policy"},
    "rendering": set(),
    "threads": {"policy", "rendering"},
    "chat_sessions": {"apps", "policy"},
    "auth": {"chat_sessions", "policy"},
    "admin": {"apps", "auth", "chat_sessions", "policy", "threads"},
    "retention": {"admin", "apps", "policy"},
    "doctor": {"auth"},
    "services": {"*"},
}
BASE_MAY_IMPORT = {
    "settings": {"csp_sources", "apps", "redis_connection"},
    "csp": {"settings"},
    "redis_durable": {"errors", "redis_connection"},
    "redis_requirements": {"redis_connection"},
    "redis_failures": {"redis_requirements"},
    "redis_migration": {"redis_keys"},
    "upstream": {"observability"},  # its calls feed the metrics and carry the request id
    "json_input": {"errors"},
    "query_params": {"errors"},
    "identity": {"json_input"},
}
NEVER_IN_PRODUCT = ("emulator", "tests", "testing", "bench", "blueprints", "app")


def _imports(path: Path) -> set[str]:
    """Absolute module names imported by a file (relative imports resolved)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]
                prefix = ".".join([*base, node.module] if node.module else base)
            else:
                prefix = node.module or ""
            names.add(prefix)
            names.update(f"{prefix}.{alias.name}" for alias in node.names)
    return names


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "chatkit_bff" and len(parts) > 1 else None


PRODUCT_FILES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", PRODUCT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_product_code_imports_only_downwards(path: Path) -> None:
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    assert own in ALLOWED, f"declare the new part {own!r} and what it may import in ALLOWED"
    allowed = ALLOWED[own] | BASE | {own} | BASE_MAY_IMPORT.get(own, set())
    if own in BASE:
        allowed = {own} | BASE_MAY_IMPORT.get(own, set())
    for name in _imports(path):
        assert name.split(".")[0] not in NEVER_IN_PRODUCT, f"{path.name} imports {name}"
        part = _part(name)
        if part is None or part not in ALLOWED or "*" in ALLOWED[own]:
            continue
        assert part in allowed, f"{path.relative_to(ROOT)} imports {name} against the layering"


@pytest.mark.parametrize("path", sorted((ROOT / "blueprints").glob("*.py")), ids=lambda p: p.name)
def test_blueprints_do_not_import_each_other(path: Path) -> None:
    blueprints = {p.stem for p in (ROOT / "blueprints").glob("[!_]*.py")}
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "blueprints" and len(parts) > 1:
            assert parts[1] not in blueprints, f"{path.name} imports the blueprint {name}"


@pytest.mark.parametrize("path", sorted((ROOT / "bench").glob("*.py")), ids=lambda p: p.name)
def test_benchmarks_do_not_import_the_tests(path: Path) -> None:
    assert not any(name.split(".")[0] == "tests" for name in _imports(path))
