"""The built wheel runs on its own: installed in a fresh venv, served by gunicorn from elsewhere.

The wheel is built from a copy of the source tree (the build leaves nothing in the checkout)
and installed without its dependencies into a new venv that borrows the test venv's
third-party packages, so this runs offline; what is checked is what the wheel itself carries:
every module, the templates, the static files and the emulator's demo data.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", "test-artifacts",
    "node_modules", ".mypy_cache", ".ruff_cache", ".pytest_cache",
)  # fmt: skip


@pytest.fixture(scope="module")
def wheel_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh venv with only the wheel installed (plus borrowed dependencies)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(work / "dist"), str(source)],
        check=True, cwd=work,
    )  # fmt: skip
    [wheel] = (work / "dist").glob("chatkit_bff-*.whl")

    env_dir = work / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site_packages = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    # Third-party packages come from the test venv, listed after the venv's own site-packages.
    (site_packages / "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         str(wheel)],
        check=True, cwd=work,
    )  # fmt: skip
    return python


def test_the_wheel_carries_every_module_template_and_static_file(
    wheel_venv: Path, tmp_path: Path
) -> None:
    probe = """
import json, app, blueprints, blueprints._extensions as extensions, emulator.demo
from importlib import resources
print(json.dumps({
    "modules": [m.__file__ for m in (app, extensions, blueprints, emulator.demo)],
    "templates": sorted(p.name for p in blueprints.TEMPLATE_FOLDER.rglob("*.html")),
    "static": sorted(p.name for p in blueprints.STATIC_FOLDER.iterdir()),
    "demo_threads": len(emulator.demo.demo_threads("u", "Ada")),
    "openapi": resources.files("blueprints").joinpath("openapi.yaml").is_file(),
}))
"""
    found = json.loads(
        subprocess.run(
            [wheel_venv, "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path,
            env=_clean_env(),
        ).stdout
    )  # fmt: skip
    venv_root = str(wheel_venv.parent.parent)
    assert all(path.startswith(venv_root) for path in found["modules"]), found["modules"]
    assert found["templates"] == sorted(
        p.name for p in (ROOT / "blueprints" / "templates").rglob("*.html")
    )
    assert found["static"] == sorted(p.name for p in (ROOT / "blueprints" / "static").iterdir())
    assert found["demo_threads"] == 6
    assert found["openapi"] is True


@pytest.fixture
def served_wheel(wheel_venv: Path, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[str]:
    """`gunicorn 'app:create_app()'` from the wheel's venv, run from an empty directory."""
    settings = {key: str(value) for key, value in app_config.items() if key != "TESTING"}
    env = {**_clean_env(), **settings}
    proc = subprocess.Popen(
        [wheel_venv, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1",
         "--worker-class", "gthread", "--threads", "2", "app:create_app()"],
        cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        log: list[str] = []
        for line in proc.stderr:  # gunicorn says where it listens before any worker starts
            log.append(line)
            listening = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line)
            if listening:
                break
        else:
            pytest.fail("gunicorn did not start:\n" + "".join(log))
        yield listening.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_gunicorn_serves_the_installed_wheel_from_any_directory(served_wheel: str) -> None:
    health = requests.get(f"{served_wheel}/healthz", timeout=30)  # the worker may still boot
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}

    page = requests.get(f"{served_wheel}/login", timeout=10)
    assert page.status_code == 200
    assert "text/html" in page.headers["Content-Type"]
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    assert stylesheets
    for href in stylesheets:
        style = requests.get(f"{served_wheel}{href}", timeout=10)
        assert style.status_code == 200, href
        assert "text/css" in style.headers["Content-Type"]

    document = requests.get(f"{served_wheel}/api/openapi.json", timeout=10)
    assert document.status_code == 200
    assert document.json()["openapi"].startswith("3.1")


def _clean_env() -> dict[str, str]:
    """The environment without anything that would point Python back at the checkout."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTHON", "VIRTUAL_ENV")) and key not in ("PWD", "OLDPWD")
    }
