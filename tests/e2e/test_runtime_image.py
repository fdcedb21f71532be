"""The runtime the Docker image builds, rebuilt here without Docker.

The same steps as the Dockerfile's build stage: only the files it copies, `uv sync --locked
--no-dev`. A bot module that needs a dev-only package, a uv.lock out of step with
pyproject.toml or a folder the image forgets to copy fails here, not in production.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
UV = shutil.which("uv")


def image_env() -> dict[str, str]:
    """A plain environment, as in a container: no PYTHONPATH to the checkout, no settings."""
    return {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}


def build_stage_sources() -> list[str]:
    """What the Dockerfile COPYs from the build context (COPY --from takes from elsewhere)."""
    sources: list[str] = []
    for line in DOCKERFILE.read_text().splitlines():
        words = line.split()
        if words[:1] != ["COPY"] or any(w.startswith("--from") for w in words):
            continue
        sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


def image_variables() -> set[str]:
    """The names the Dockerfile's ENV lines set."""
    names: set[str] = set()
    for line in DOCKERFILE.read_text().splitlines():
        if line.startswith("ENV "):
            names |= set(re.findall(r"([A-Z_][A-Z0-9_]*)=", line))
    return names


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/app as the image has it: the copied files and a .venv of the locked, non-dev set."""
    if UV is None:
        pytest.skip("uv is not on PATH (.ci/run installs it)")
    app = tmp_path_factory.mktemp("app")
    for source in build_stage_sources():
        if (ROOT / source).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")  # as .dockerignore has it
            shutil.copytree(ROOT / source, app / source, ignore=ignore)
        else:
            shutil.copy2(ROOT / source, app / source)
    env = {
        **image_env(),
        # the user's uv cache makes this quick, and offline once the lock's wheels are in it
        **{k: v for k, v in os.environ.items() if k in {"UV_CACHE_DIR", "XDG_CACHE_HOME"}},
        "UV_PROJECT_ENVIRONMENT": str(app / ".venv"),
        "UV_PYTHON": sys.executable,
        "UV_PYTHON_DOWNLOADS": "never",
    }
    synced = subprocess.run(
        [UV, "sync", "--locked", "--no-dev"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert synced.returncode == 0, synced.stderr[-3000:]
    return app


def run_python(app: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(app / ".venv" / "bin" / "python"), *args],
        cwd=app,
        env=image_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_image_copies_the_code_and_the_lock() -> None:
    assert {"pyproject.toml", "uv.lock", "bot"} <= set(build_stage_sources())


def test_the_image_runtime_names_the_missing_settings_in_one_line(runtime: Path) -> None:
    done = run_python(runtime, "-m", "bot")
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr[-3000:]
    assert len(lines) == 1, lines
    assert "BOT_TOKEN is missing" in lines[0] and "GROQ_API_KEY is missing" in lines[0]
    assert "Traceback" not in done.stderr


def test_the_image_runtime_imports_the_whole_bot(runtime: Path) -> None:
    """What `python -m bot` imports once the settings are good, with only runtime packages."""
    done = run_python(runtime, "-c", "import bot.app, bot.webhook")
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_env_example_leaves_the_image_settings_alone() -> None:
    """`docker run --env-file .env` would override what the image sets (LOG_TO_FILE=false)."""
    example = (ROOT / ".env.example").read_text().splitlines()
    set_there = {line.split("=", 1)[0] for line in example if re.match(r"[A-Z_]+=", line)}
    assert not set_there & image_variables()
