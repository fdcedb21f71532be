"""STORAGE_URL is each backend's to read: the composition root picks the backend by the URL's
scheme (bot/components.py, `BACKENDS`), and a URL no backend takes, or one its backend
refuses, is one line naming the variable, never holding the password."""

import pytest

from bot.components import BACKENDS, build_backend
from bot.core.errors import ConfigurationError
from bot.storage.memory import MemoryBackend
from bot.storage.redis import RedisBackend
from tests.unit.config.conftest import make

BAD = [
    "mongodb://localhost",
    "memory://x",
    "redis://localhost:port/0",
    "redis://h:70000/0",
    "redis://h:0/0",
    "redis://h:6379/zero",
    "redis://h/-1",
    "redis://h/0?socket_timeout=x",
    "rediss://h:port",
    "unix:///run/redis.sock?db=x",
]


@pytest.mark.parametrize("url", BAD)
def test_a_url_no_backend_takes_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    settings = make(monkeypatch, STORAGE_URL=url)  # the form is right: the settings take it
    with pytest.raises(ConfigurationError) as caught:
        build_backend(settings, bot_id=1)
    line = str(caught.value)
    assert line.startswith("STORAGE_URL ")
    assert "\n" not in line


def test_an_unknown_scheme_lists_the_known_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_backend(make(monkeypatch, STORAGE_URL="mongodb://localhost"), bot_id=1)
    for backend in BACKENDS:
        for scheme in backend.schemes:
            assert f"{scheme}://" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "redis://:xyzzy@redis:port/0",
        "redis://:ab/xyzzy@redis:6379/0",  # an unencoded /
        "redis://:xyzzy/ab@redis:6379/0",
        "rediss://user:xyzzy@redis:6379/zero",
    ],
)
def test_the_line_never_holds_the_password(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        build_backend(make(monkeypatch, STORAGE_URL=url), bot_id=1)
    assert "xyzzy" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("memory://", MemoryBackend),
        ("redis://:p%40ss@redis:6379/0", RedisBackend),
        ("rediss://user:pw@redis.example.com/1?socket_timeout=5", RedisBackend),
        ("redis://localhost", RedisBackend),
        ("unix:///run/redis/redis.sock?db=2", RedisBackend),
    ],
)
async def test_each_scheme_gets_its_backend_and_nothing_is_contacted(
    monkeypatch: pytest.MonkeyPatch, url: str, backend: type
) -> None:
    built = build_backend(make(monkeypatch, STORAGE_URL=url), bot_id=1)
    try:
        assert type(built) is backend
    finally:
        await built.aclose()
