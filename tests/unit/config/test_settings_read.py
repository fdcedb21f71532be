"""Settings as read: the defaults, the old GROK_ names, a .env file, lists and empty values,
secrets kept out of repr, and every good value the README lists accepted."""

from pathlib import Path

import pytest

from bot.config import Settings
from tests.unit.config.conftest import WEBHOOK, make


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make(monkeypatch)
    assert settings.groq_model == "openai/gpt-oss-120b"
    assert settings.vision_model == "qwen/qwen3.6-27b"
    assert settings.transcription_model == "whisper-large-v3-turbo"
    assert settings.fallback_model is None
    assert settings.groq_request_timeout == 60
    assert settings.storage_url == "memory://"
    assert settings.inbox_size == 20
    assert settings.actor_idle_timeout == 600
    assert settings.shutdown_timeout == 10
    assert settings.pdf_timeout == 20
    assert settings.allowed_user_ids == frozenset()
    assert settings.telegram_api_url is None
    assert settings.metrics_host == "127.0.0.1"  # metrics are not for the world by default
    assert settings.max_answer_tokens == 4096  # four Telegram messages of text
    assert settings.chat_models == frozenset()  # every chat model Groq lists
    assert settings.transcription_tokens_per_second == 75
    assert "language" in settings.system_prompt


def test_old_grok_names_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "42:TEST")
    monkeypatch.setenv("GROK_API_KEY", "old-key")
    monkeypatch.setenv("GROK_MODEL", "openai/gpt-oss-20b")
    monkeypatch.setenv("GROK_REQUEST_TIMEOUT", "12.5")
    settings = Settings()
    assert settings.groq_api_key.get_secret_value() == "old-key"
    assert settings.groq_model == "openai/gpt-oss-20b"
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
    assert settings.groq_model == "openai/gpt-oss-120b"


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=1:FROMFILE\nGROQ_API_KEY=k\nINBOX_SIZE=7\n")
    settings = Settings()
    assert settings.bot_token.get_secret_value() == "1:FROMFILE"
    assert settings.inbox_size == 7


@pytest.mark.parametrize(
    "env",
    [
        {"BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"},
        {"GROQ_API_KEY": "gsk_" + "a1B2" * 13},
        {"GROQ_MODEL": "qwen/qwen3.6-27b"},
        {"TRANSCRIPTION_MODEL": "whisper-large-v3", "VISION_MODEL": "qwen/qwen3.8-27b"},
        {"MAX_FILE_MB": "2000", "PDF_TIMEOUT": "0.5"},  # a local Bot API server: 2 GB
        {"GROQ_BASE_URL": "http://127.0.0.1:8000/openai"},
        {"TELEGRAM_API_URL": "http://telegram-bot-api:8081"},
        {"GROQ_REQUEST_TIMEOUT": "0.3", "BOT_REQUEST_TIMEOUT": "3600", "SHUTDOWN_TIMEOUT": "0"},
        {"STORAGE_URL": "redis://:p%40ss@redis:6379/0"},
        {"STORAGE_URL": "rediss://user:pw@redis.example.com/1?socket_timeout=5"},
        {"STORAGE_URL": "redis://localhost"},
        {"STORAGE_URL": "unix:///run/redis/redis.sock?db=2"},
        {**WEBHOOK},
        {**WEBHOOK, "WEBHOOK_URL": "https://bot.example.com:8443/hook"},
        {**WEBHOOK, "WEBHOOK_URL": "http://127.0.0.1:8080/hook", "WEBHOOK_HOST": "127.0.0.1"},
        {**WEBHOOK, "WEBHOOK_URL": "http://localhost:8080/hook", "WEBHOOK_HOST": "localhost"},
        {**WEBHOOK, "WEBHOOK_URL": "http://[::1]:8080/hook"},
        {**WEBHOOK, "WEBHOOK_URL": "https://h.example.com:9000/", "TELEGRAM_API_URL": "http://a"},
        {"WEBHOOK_HOST": "no-such-host.invalid"},  # unused without WEBHOOK_URL
        {"ALLOWED_USER_IDS": " 1 , 22 ,333 "},
        {"ADMIN_USER_IDS": "7", "USER_DAILY_TOKENS": "50000", "METRICS_PORT": "9100"},
        {"METRICS_PORT": "9100", "METRICS_HOST": "0.0.0.0"},
        {"METRICS_HOST": "no-such-host.invalid"},  # unused without METRICS_PORT
        {"FALLBACK_MODEL": "openai/gpt-oss-20b", "TELEGRAM_PACING": "false"},
        {"HISTORY_TTL": "60", "LEASE_TTL": "0.3", "RATE_LIMIT_MESSAGES": "0"},
        {"STREAM_REPLIES": "no", "LOG_TO_FILE": "0", "LOG_LEVEL": "debug", "LOG_FORMAT": "json"},
        {"MAX_ANSWER_TOKENS": "1", "TRANSCRIPTION_TOKENS_PER_SECOND": "0"},
        {"CHAT_MODELS": " openai/gpt-oss-120b , qwen/qwen3.6-27b "},
        {
            "CHAT_MODELS": "openai/gpt-oss-20b,qwen/qwen3.8-27b,acme/spare",
            "GROQ_MODEL": "openai/gpt-oss-20b",
            "VISION_MODEL": "qwen/qwen3.8-27b",
            "FALLBACK_MODEL": "acme/spare",
        },
    ],
    ids=repr,
)
def test_good_values_are_accepted(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    make(monkeypatch, **env)


def test_allowed_user_ids_list_no_one_when_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    assert make(monkeypatch, ALLOWED_USER_IDS="").allowed_user_ids == frozenset()


def test_chat_models_is_a_set_of_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make(
        monkeypatch, CHAT_MODELS="openai/gpt-oss-120b, qwen/qwen3.6-27b,openai/gpt-oss-120b"
    )
    assert settings.chat_models == frozenset({"openai/gpt-oss-120b", "qwen/qwen3.6-27b"})
