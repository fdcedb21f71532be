"""A STORAGE_URL for Redis, checked before the client is built: what redis-py would refuse
only at the first command, or take silently, refused at start in words without the URL
(it may hold the password)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from redis.connection import parse_url

SCHEMES = ("redis", "rediss", "unix")


def check_url(url: str) -> None:
    """ValueError with the reason, never the URL."""
    if urlsplit(url).scheme not in SCHEMES:
        raise ValueError("must be a redis://, rediss:// or unix:// URL")
    try:
        port = urlsplit(url).port
    except ValueError:
        port = 0
    if port == 0:  # redis-py would take port 0 for "the default"
        raise ValueError("has a bad port (1-65535; a password's / # ? @ must be %-encoded)")
    path = urlsplit(url).path.strip("/")
    if not url.startswith("unix://") and path and not re.fullmatch("[0-9]+", path):
        raise ValueError("has a bad database number: redis://host:6379/<0, 1, ...>")
    try:
        parse_url(url)  # type: ignore[no-untyped-call]
    except ValueError as error:  # "Invalid value for '<option>' in connection URL."
        raise ValueError(f"is not a valid Redis URL: {error}") from None
