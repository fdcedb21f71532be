"""The shapes a setting may take, and the one line that names every bad one.

Kept apart from `Settings` (bot/config.py) so that the list of settings reads as a table.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import AfterValidator, HttpUrl, SecretStr, ValidationError


def secret_shaped(pattern: str, rule: str) -> AfterValidator:
    """A secret checked against its shape; the message states the rule, never the value."""
    compiled = re.compile(pattern)

    def check(value: SecretStr) -> SecretStr:
        if not compiled.fullmatch(value.get_secret_value()):
            raise ValueError(f"must be {rule}")
        return value

    return AfterValidator(check)


Textual = TypeVar("Textual", str, Path)


def text_value(limit: int, *, spaces: bool) -> AfterValidator:
    """A value of only spaces is a mistake, never "the default" (that is an empty one)."""

    def check(value: Textual) -> Textual:
        text = str(value)
        if not text.strip():
            raise ValueError("must not be blank")
        if not spaces and any(char.isspace() for char in text):
            raise ValueError("must not contain spaces")
        if len(text) > limit:
            raise ValueError(f"must be at most {limit} characters")
        return value

    return AfterValidator(check)


def plain_base(url: HttpUrl) -> HttpUrl:
    """An API base URL gets paths appended: a query or fragment would end up in the middle."""
    if url.query or url.fragment:
        raise ValueError("must have no ?query or #fragment")
    return url


# aiogram's rule (aiogram/utils/token.py: digits, ':', the rest), without importing aiogram;
# the rest as @BotFather issues it, which keeps the /bot<token>/ path of every request sound.
BotToken = Annotated[
    SecretStr, secret_shaped(r"[0-9]{1,20}:[A-Za-z0-9_-]{1,200}", "<bot id>:<secret>")
]
ApiKey = Annotated[SecretStr, secret_shaped(r"[!-~]{1,256}", "1-256 ASCII characters, no spaces")]
WebhookSecret = Annotated[
    SecretStr, secret_shaped(r"[A-Za-z0-9_-]{16,256}", "16 to 256 of A-Z, a-z, 0-9, _ and -")
]
ApiUrl = Annotated[HttpUrl, AfterValidator(plain_base)]


def is_loopback(host: str) -> bool:
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    return host == "localhost"


def check_listen_host(host: str) -> None:
    """A host a server can listen on: an address, or a name that resolves to one."""
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError):
        raise ValueError("does not resolve to an address to listen on") from None


def describe_errors(error: ValidationError) -> str:
    """One line naming each bad variable, for people who have no use for a traceback."""
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        if item["type"] == "missing":
            reason = "is missing"
        elif item["type"] == "value_error":  # our own words, without pydantic's "Value error, "
            reason = str(item.get("ctx", {}).get("error", item["msg"]))
        else:
            reason = item["msg"]
        problems.append(" ".join(part for part in (name, reason) if part))
    line = "configuration error: " + "; ".join(problems) + " (see .env.example)"
    return " ".join(line.split())  # one line, whatever a message holds
