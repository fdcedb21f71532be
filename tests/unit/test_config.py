"""Settings: every setting the README lists, and the one-line error people see."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings, describe_errors

REQUIRED = {"BOT_TOKEN": "42:TEST", "GROQ_API_KEY": "gsk-test"}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test sees only the variables it sets, and no developer's .env."""
    for name in [
        *REQUIRED,
        "GROK_API_KEY",
        "GROQ_MODEL",
        "GROK_MODEL",
        "GROQ_REQUEST_TIMEOUT",
        "GROK_REQUEST_TIMEOUT",
        "GROQ_BASE_URL",
        "TELEGRAM_API_URL",
        "STORAGE_URL",
        "ALLOWED_USER_IDS",
        "HISTORY_MAX_TOKENS",
        "SYSTEM_PROMPT",
    ]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def make(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in {**REQUIRED, **env}.items():
        monkeypatch.setenv(name, value)
    return Settings()


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make(monkeypatch)
    assert settings.groq_model == "llama-3.3-70b-versatile"
    assert settings.groq_request_timeout == 60
    assert settings.storage_url == "memory://"
    assert settings.inbox_size == 20
    assert settings.actor_idle_timeout == 600
    assert settings.shutdown_timeout == 10
    assert settings.allowed_user_ids == frozenset()
    assert settings.telegram_api_url is None
    assert "language" in settings.system_prompt


def test_old_grok_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "42:TEST")
    monkeypatch.setenv("GROK_API_KEY", "old-key")
    monkeypatch.setenv("GROK_MODEL", "llama-3.1-8b-instant")
    monkeypatch.setenv("GROK_REQUEST_TIMEOUT", "12.5")
    settings = Settings()
    assert settings.groq_api_key.get_secret_value() == "old-key"
    assert settings.groq_model == "llama-3.1-8b-instant"
    assert settings.groq_request_timeout == 12.5


def test_secrets_never_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make(monkeypatch)
    assert "gsk-test" not in repr(settings)
    assert "42:TEST" not in str(settings)


def test_allow_list_is_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make(monkeypatch, ALLOWED_USER_IDS="1, 2,3")
    assert settings.allowed_user_ids == frozenset({1, 2, 3})


def test_empty_values_mean_default(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make(monkeypatch, GROQ_BASE_URL="", TELEGRAM_API_URL="", GROQ_MODEL="")
    assert settings.groq_base_url is None
    assert settings.groq_model == "llama-3.3-70b-versatile"


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=1:FROMFILE\nGROQ_API_KEY=k\nINBOX_SIZE=7\n")
    settings = Settings()
    assert settings.bot_token.get_secret_value() == "1:FROMFILE"
    assert settings.inbox_size == 7


def test_missing_required_names_each_variable() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings()
    line = describe_errors(caught.value)
    assert "\n" not in line
    assert "BOT_TOKEN is missing" in line
    assert "GROQ_API_KEY is missing" in line
    assert ".env.example" in line


def test_invalid_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as caught:
        make(monkeypatch, GROQ_REQUEST_TIMEOUT="soon")
    assert "GROQ_REQUEST_TIMEOUT" in describe_errors(caught.value)


def test_unknown_storage_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as caught:
        make(monkeypatch, STORAGE_URL="mongodb://localhost")
    assert "STORAGE_URL" in describe_errors(caught.value)


def test_budget_too_small_for_the_system_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as caught:
        make(monkeypatch, SYSTEM_PROMPT="x" * 4000, HISTORY_MAX_TOKENS="500")
    assert "HISTORY_MAX_TOKENS" in describe_errors(caught.value)
