"""Settings refused: every way each setting can be wrong ends in one line naming the
variable, in our words, and never holding a secret."""

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.config_rules import describe_errors
from tests.unit.config.conftest import WEBHOOK, make, variable_names


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


def test_budget_too_small_for_the_system_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as caught:
        make(monkeypatch, SYSTEM_PROMPT="x" * 4000, HISTORY_MAX_TOKENS="500")
    assert "HISTORY_MAX_TOKENS" in describe_errors(caught.value)


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
        # Only the form here: each backend's own URLs, tests/unit/config/test_storage_url.py.
        for bad in ["memory", " ", "redis:// h", "://h", "redis:/h"]
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
    ("env", "secret"),
    [
        ({"BOT_TOKEN": "xyzzy-no-colon"}, "xyzzy"),
        ({"GROQ_API_KEY": "xyzzy xyzzy"}, "xyzzy"),
        ({"STORAGE_URL": "redis://:xyzzy @redis:6379/0"}, "xyzzy"),
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
