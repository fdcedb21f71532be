"""For the tests of Settings: each test sees only the variables it sets and no developer's
.env, and builds Settings from the required variables plus its own."""

from pathlib import Path

import pytest
from pydantic import AliasChoices

from bot.config import Settings

REQUIRED = {"BOT_TOKEN": "42:TEST", "GROQ_API_KEY": "gsk-test"}


def variable_names() -> list[str]:
    """Every name Settings reads, aliases included."""
    names: list[str] = []
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names += [str(choice) for choice in alias.choices]
        elif isinstance(alias, str):
            names.append(alias)
    return names


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test sees only the variables it sets, and no developer's .env."""
    for name in variable_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def make(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    """Settings from the required variables and the test's own `env`."""
    for name, value in {**REQUIRED, **env}.items():
        monkeypatch.setenv(name, value)
    return Settings()


# A valid webhook's two variables: tests of the webhook settings change one of them.
WEBHOOK = {"WEBHOOK_URL": "https://bot.example.com/hook", "WEBHOOK_SECRET": "s" * 20}
