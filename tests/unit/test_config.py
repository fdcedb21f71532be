"""Settings: every setting the README lists, and the one-line error people see."""

from pathlib import Path

import pytest
from pydantic import AliasChoices, ValidationError

from bot.config import Settings
from bot.config_rules import describe_errors

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
    for name, value in {**REQUIRED, **env}.items():
        monkeypatch.setenv(name, value)
    return Settings()


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


WEBHOOK = {"WEBHOOK_URL": "https://bot.example.com/hook", "WEBHOOK_SECRET": "s" * 20}

# Every setting and every way it can be wrong: (variable named in the line, the environment).
# A line names an old GROK_ variable by its GROQ_ name, as the README does.
MISTAKES: list[tuple[str, dict[str, str]]] = [
    *[
        ("BOT_TOKEN", {"BOT_TOKEN": bad})
        for bad in [
            "123456",
            "abc:def",
            "1:",
            ":abc",
            "1:ab cd",
            "  ",
            "1:" + "a" * 300,
            "1:tökén",
            "1:a/b",
        ]
    ],
    *[("GROQ_API_KEY", {"GROQ_API_KEY": bad}) for bad in ["  ", "gsk 1", "k" * 1000, "ключ"]],
    *[("GROQ_API_KEY", {"GROQ_API_KEY": "", "GROK_API_KEY": bad}) for bad in ["  "]],
    *[("GROQ_MODEL", {"GROK_MODEL": bad}) for bad in ["  "]],
    *[("GROQ_MODEL", {"GROQ_MODEL": bad}) for bad in ["  ", "\t", "llama 3", "m" * 300]],
    *[
        ("GROQ_BASE_URL", {"GROQ_BASE_URL": bad})
        for bad in ["ftp://example.com", "not a url", " ", "https://api.example.com/v1?x=1"]
    ],
    *[
        ("GROQ_REQUEST_TIMEOUT", {"GROQ_REQUEST_TIMEOUT": bad})
        for bad in ["inf", "nan", "-inf", "-1", "0", "soon", "1e9"]
    ],
    *[("GROQ_REQUEST_TIMEOUT", {"GROK_REQUEST_TIMEOUT": bad}) for bad in ["nan"]],
    *[("GROQ_MAX_RETRIES", {"GROQ_MAX_RETRIES": bad}) for bad in ["-1", "6", "1.5", "x"]],
    *[
        ("BOT_REQUEST_TIMEOUT", {"BOT_REQUEST_TIMEOUT": bad})
        for bad in ["nan", "inf", "0", "-1", "1e9"]
    ],
    *[
        ("TELEGRAM_API_URL", {"TELEGRAM_API_URL": bad})
        for bad in [
            "ftp://127.0.0.1",
            "localhost:8081",
            "http://127.0.0.1:8081/?x=1",
            "http://h/#top",
        ]
    ],
    *[
        ("STORAGE_URL", {"STORAGE_URL": bad})
        for bad in [
            "mongodb://localhost",
            "memory",
            " ",
            "redis://localhost:port/0",
            "redis://h:70000/0",
            "redis://h:0/0",
            "redis://h:6379/zero",
            "redis://h/-1",
            "redis://h/0?socket_timeout=x",
        ]
    ],
    *[("HISTORY_TTL", {"HISTORY_TTL": bad}) for bad in ["59", "-1", "0", "1e99", "x", "nan"]],
    *[("REDIS_PREFIX", {"REDIS_PREFIX": bad}) for bad in [" ", "my bot", "p" * 200]],
    *[("LEASE_TTL", {"LEASE_TTL": bad}) for bad in ["inf", "nan", "0.1", "601", "-1"]],
    *[
        ("WEBHOOK_URL", {**WEBHOOK, "WEBHOOK_URL": bad})
        for bad in [
            "http://example.com/hook",
            "http://10.0.0.1/hook",
            "ftp://example.com/hook",
            "hook",
            "https://example.com:8000/hook",
        ]
    ],
    *[
        ("WEBHOOK_SECRET", {**WEBHOOK, "WEBHOOK_SECRET": bad})
        for bad in [
            "",
            "  ",
            "short",
            "with spaces in the secret",
            "s" * 257,
            "ünïcödé-secret-value",
        ]
    ],
    *[
        ("WEBHOOK_HOST", {**WEBHOOK, "WEBHOOK_HOST": bad})
        for bad in ["no-such-host.invalid", " ", "a..b"]
    ],
    *[("WEBHOOK_PORT", {"WEBHOOK_PORT": bad}) for bad in ["0", "70000", "-1", "http"]],
    *[("SYSTEM_PROMPT", {"SYSTEM_PROMPT": bad}) for bad in [" ", "\n\t "]],
    *[
        ("HISTORY_MAX_TOKENS", {"HISTORY_MAX_TOKENS": bad})
        for bad in ["63", "-1", "10000001", "many"]
    ],
    ("HISTORY_MAX_TOKENS", {"SYSTEM_PROMPT": "x" * 4000, "HISTORY_MAX_TOKENS": "500"}),
    *[("HISTORY_MAX_MESSAGES", {"HISTORY_MAX_MESSAGES": bad}) for bad in ("0", "many")],
    *[("MAX_DIALOGS", {"MAX_DIALOGS": bad}) for bad in ["0", "-1", "100001", "x"]],
    *[("STREAM_REPLIES", {"STREAM_REPLIES": bad}) for bad in ["maybe", "2"]],
    ("DIALOG_TITLES", {"DIALOG_TITLES": "sometimes"}),
    *[("STREAM_INTERVAL", {"STREAM_INTERVAL": bad}) for bad in ["0", "-1", "nan", "inf", "61"]],
    *[("INBOX_SIZE", {"INBOX_SIZE": bad}) for bad in ["0", "-1", "many", "100001"]],
    *[
        ("ACTOR_IDLE_TIMEOUT", {"ACTOR_IDLE_TIMEOUT": bad})
        for bad in ["0", "-1", "inf", "nan", "1e9"]
    ],
    *[("SHUTDOWN_TIMEOUT", {"SHUTDOWN_TIMEOUT": bad}) for bad in ["-1", "inf", "nan", "3601"]],
    *[
        ("ALLOWED_USER_IDS", {"ALLOWED_USER_IDS": bad})
        for bad in [",", " , ", "1,x", "-5", "0", "1,,2", "1,2,", "1.5", "[1, 2]", "١٢"]
    ],
    *[("RATE_LIMIT_MESSAGES", {"RATE_LIMIT_MESSAGES": bad}) for bad in ["-1", "x", "1000001"]],
    *[
        ("RATE_LIMIT_WINDOW", {"RATE_LIMIT_WINDOW": bad})
        for bad in ["0", "-1", "inf", "nan", "86401"]
    ],
    *[("FALLBACK_MODEL", {"FALLBACK_MODEL": bad}) for bad in [" ", "two words", "m" * 257]],
    *[("USER_DAILY_TOKENS", {"USER_DAILY_TOKENS": bad}) for bad in ["-1", "x", "1.5", "1e13"]],
    *[("ADMIN_USER_IDS", {"ADMIN_USER_IDS": bad}) for bad in [",", "1,x", "-5", "0", "1,,2"]],
    *[("METRICS_PORT", {"METRICS_PORT": bad}) for bad in ["-1", "65536", "http"]],
    *[
        ("METRICS_HOST", {"METRICS_PORT": "9100", "METRICS_HOST": bad})
        for bad in ["no-such-host.invalid", " ", "a..b"]
    ],
    *[("TELEGRAM_PACING", {"TELEGRAM_PACING": bad}) for bad in ["maybe", "2"]],
    *[("LOG_LEVEL", {"LOG_LEVEL": bad}) for bad in ["LOUD", " "]],
    *[("LOG_FORMAT", {"LOG_FORMAT": bad}) for bad in ["xml", " "]],
    *[("LOG_DIR", {"LOG_DIR": bad}) for bad in [" "]],
    *[("LOG_TO_FILE", {"LOG_TO_FILE": bad}) for bad in ["maybe"]],
    *[("TRANSCRIPTION_MODEL", {"TRANSCRIPTION_MODEL": bad}) for bad in ["  ", "whisper large"]],
    *[("VISION_MODEL", {"VISION_MODEL": bad}) for bad in ["\t", "m" * 300]],
    *[("MAX_FILE_MB", {"MAX_FILE_MB": bad}) for bad in ["0", "-1", "2001", "big", "1.5"]],
    *[("PDF_TIMEOUT", {"PDF_TIMEOUT": bad}) for bad in ["0", "-1", "inf", "nan", "3601", "x"]],
    *[
        ("MAX_ANSWER_TOKENS", {"MAX_ANSWER_TOKENS": bad})
        for bad in ["0", "-1", "x", "1.5", "1000001"]
    ],
    *[
        ("TRANSCRIPTION_TOKENS_PER_SECOND", {"TRANSCRIPTION_TOKENS_PER_SECOND": bad})
        for bad in ["-1", "x", "1.5", "1000001"]
    ],
    *[("CHAT_MODELS", {"CHAT_MODELS": bad}) for bad in [",", "a,,b", "two words", "m" * 257]],
    # a configured chat model outside a non-empty CHAT_MODELS
    ("GROQ_MODEL", {"CHAT_MODELS": "qwen/qwen3.6-27b"}),
    ("VISION_MODEL", {"CHAT_MODELS": "openai/gpt-oss-120b"}),
    (
        "FALLBACK_MODEL",
        {
            "CHAT_MODELS": "openai/gpt-oss-120b,qwen/qwen3.6-27b",
            "FALLBACK_MODEL": "openai/gpt-oss-20b",
        },
    ),
]


@pytest.mark.parametrize(("name", "env"), MISTAKES, ids=[repr(env) for _, env in MISTAKES])
def test_every_mistake_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, env: dict[str, str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        make(monkeypatch, **env)
    line = describe_errors(caught.value)
    assert "\n" not in line
    assert name in line
    assert "Value error" not in line  # pydantic's wording, not ours


def test_every_variable_has_a_mistake_in_the_table() -> None:
    tested = {name for _, env in MISTAKES for name in env}
    assert tested >= set(variable_names())


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


@pytest.mark.parametrize(
    ("env", "secret"),
    [
        ({"BOT_TOKEN": "xyzzy-no-colon"}, "xyzzy"),
        ({"GROQ_API_KEY": "xyzzy xyzzy"}, "xyzzy"),
        ({"STORAGE_URL": "redis://:xyzzy@redis:port/0"}, "xyzzy"),
        ({"STORAGE_URL": "redis://:ab/xyzzy@redis:6379/0"}, "xyzzy"),  # an unencoded /
        ({"STORAGE_URL": "redis://:xyzzy/ab@redis:6379/0"}, "xyzzy"),
        ({**WEBHOOK, "WEBHOOK_SECRET": "xyzzy!"}, "xyzzy"),
    ],
    ids=repr,
)
def test_the_line_never_holds_a_secret(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], secret: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        make(monkeypatch, **env)
    assert secret not in describe_errors(caught.value)


def test_allowed_user_ids_list_no_one_when_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    assert make(monkeypatch, ALLOWED_USER_IDS="").allowed_user_ids == frozenset()


def test_chat_models_is_a_set_of_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = make(
        monkeypatch, CHAT_MODELS="openai/gpt-oss-120b, qwen/qwen3.6-27b,openai/gpt-oss-120b"
    )
    assert settings.chat_models == frozenset({"openai/gpt-oss-120b", "qwen/qwen3.6-27b"})
