"""Every kind of bad setting stops the real `python -m bot`: one line naming it, exit 2.

One row per kind of mistake (the unit tests of bot/config.py go through every setting), each
its own process in its own empty directory, spread over the suite's workers (a module fixture
running every row was run again by each worker that took one); each process exits before
aiogram is imported.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.process_helpers import clean_env

VALID = {
    "BOT_TOKEN": "42:TEST-token_1",
    "GROQ_API_KEY": "gsk-test",
    # Should a row not be refused, the bot fails fast on a closed port instead of the internet.
    "TELEGRAM_API_URL": "http://127.0.0.1:9",
    "GROQ_BASE_URL": "http://127.0.0.1:9",
    "LOG_TO_FILE": "false",
}
WEBHOOK = {"WEBHOOK_URL": "https://bot.example.com/hook", "WEBHOOK_SECRET": "s" * 20}
ENV_FILE = "empty.env"  # in the process's working directory; LOG_DIR below goes through it


@dataclass(frozen=True)
class Mistake:
    kind: str
    names: str  # the variable (or file) the one line must name
    env: dict[str, str]
    env_file: bytes = b""  # what the env file holds
    env_file_arg: str = ENV_FILE  # what --env-file names


MISTAKES = [
    Mistake("missing", "BOT_TOKEN", {"BOT_TOKEN": ""}),
    Mistake("malformed token", "BOT_TOKEN", {"BOT_TOKEN": "123456"}),
    Mistake("secret too long", "GROQ_API_KEY", {"GROQ_API_KEY": "k" * 1000}),
    Mistake("whitespace only", "GROQ_MODEL", {"GROQ_MODEL": "   "}),
    Mistake("blank text", "SYSTEM_PROMPT", {"SYSTEM_PROMPT": " \t "}),
    Mistake("wrong type", "INBOX_SIZE", {"INBOX_SIZE": "many"}),
    Mistake("file limit zero", "MAX_FILE_MB", {"MAX_FILE_MB": "0"}),
    Mistake("no time for a PDF", "PDF_TIMEOUT", {"PDF_TIMEOUT": "0"}),
    Mistake("negative", "GROQ_MAX_RETRIES", {"GROQ_MAX_RETRIES": "-1"}),
    Mistake("zero", "HISTORY_MAX_MESSAGES", {"HISTORY_MAX_MESSAGES": "0"}),
    Mistake("infinite", "GROQ_REQUEST_TIMEOUT", {"GROQ_REQUEST_TIMEOUT": "inf"}),
    Mistake("not a number", "STREAM_INTERVAL", {"STREAM_INTERVAL": "nan"}),
    Mistake("out of range", "WEBHOOK_PORT", {"WEBHOOK_PORT": "70000"}),
    Mistake("not a boolean", "STREAM_REPLIES", {"STREAM_REPLIES": "maybe"}),
    Mistake("not a choice", "LOG_LEVEL", {"LOG_LEVEL": "LOUD"}),
    Mistake("bad admin ids", "ADMIN_USER_IDS", {"ADMIN_USER_IDS": "1,me"}),
    Mistake("negative quota", "USER_DAILY_TOKENS", {"USER_DAILY_TOKENS": "-5"}),
    Mistake("no room for an answer", "MAX_ANSWER_TOKENS", {"MAX_ANSWER_TOKENS": "0"}),
    Mistake("model outside CHAT_MODELS", "GROQ_MODEL", {"CHAT_MODELS": "qwen/qwen3.6-27b"}),
    Mistake("metrics port out of range", "METRICS_PORT", {"METRICS_PORT": "70000"}),
    Mistake(
        "unresolvable metrics host",
        "METRICS_HOST",
        {"METRICS_PORT": "9100", "METRICS_HOST": "no-such-host.invalid"},
    ),
    Mistake("bad URL scheme", "TELEGRAM_API_URL", {"TELEGRAM_API_URL": "ftp://127.0.0.1/"}),
    Mistake("unknown storage", "STORAGE_URL", {"STORAGE_URL": "mongodb://localhost"}),
    Mistake("bad storage port", "STORAGE_URL", {"STORAGE_URL": "redis://localhost:port/0"}),
    Mistake("bad storage db", "STORAGE_URL", {"STORAGE_URL": "redis://localhost:6379/zero"}),
    Mistake("http webhook", "WEBHOOK_URL", {**WEBHOOK, "WEBHOOK_URL": "http://example.com/h"}),
    Mistake("secret missing", "WEBHOOK_SECRET", {**WEBHOOK, "WEBHOOK_SECRET": ""}),
    Mistake(
        "unresolvable host", "WEBHOOK_HOST", {**WEBHOOK, "WEBHOOK_HOST": "no-such-host.invalid"}
    ),
    Mistake("empty id list", "ALLOWED_USER_IDS", {"ALLOWED_USER_IDS": ","}),
    Mistake("non-integer id", "ALLOWED_USER_IDS", {"ALLOWED_USER_IDS": "12,abc"}),
    Mistake(
        "too small for the prompt",
        "HISTORY_MAX_TOKENS",
        {"SYSTEM_PROMPT": "x" * 4000, "HISTORY_MAX_TOKENS": "500"},
    ),
    Mistake(
        "log dir not creatable",
        "LOG_DIR",
        {"LOG_TO_FILE": "true", "LOG_DIR": f"{ENV_FILE}/logs"},  # under a regular file
    ),
    Mistake("env file not UTF-8", ENV_FILE, {}, env_file=b"SYSTEM_PROMPT=caf\xe9\n"),
    Mistake("env file missing", "no-such.env", {}, env_file_arg="no-such.env"),
]


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stderr: str


def run_bot(cwd: Path, mistake: Mistake) -> Outcome:
    (cwd / ENV_FILE).write_bytes(mistake.env_file)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "--env-file", mistake.env_file_arg],
            cwd=cwd,
            env=clean_env(**{**VALID, **mistake.env}),
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired as expired:  # a setting was let through: the bot ran
        return Outcome(-1, str(expired.stderr))
    return Outcome(done.returncode, done.stderr)


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.kind for m in MISTAKES])
def test_a_bad_setting_stops_the_bot_with_one_line_naming_it(
    mistake: Mistake, tmp_path: Path
) -> None:
    outcome = run_bot(tmp_path, mistake)
    lines = outcome.stderr.strip().splitlines()
    assert outcome.returncode == 2, outcome.stderr[-2000:]
    assert "Traceback" not in outcome.stderr
    assert len(lines) == 1, lines
    assert lines[0].startswith("configuration error: ")
    assert mistake.names in lines[0]
