"""The model catalog against the fake Groq of late 2026: what it lists, keeps, picks, retires."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from groq import AsyncGroq
from loguru import logger

from bot.core.errors import ModelError, ModelErrorKind
from bot.core.trimming import Budget
from bot.llm import catalog as cat
from bot.llm.catalog import ConfiguredModels, ModelCatalog
from bot.storage.base import RetiredModels
from bot.storage.memory.retired import MemoryRetiredModels
from bot.storage.redis import RedisBackend
from tests.support import fake_groq as fake_module
from tests.support.fake_groq import FakeGroq
from tests.unit.model_helpers import GPT_20, GPT_120, QWEN, TURBO, WHISPER

RETIRED_QWEN = "qwen/qwen3-32b"  # retired by Groq in 2026
RETIRED_GEMMA = "gemma2-9b-it"  # retired by Groq in 2025

GONE = "llama-3.3-70b-versatile"  # retired by Groq: neither listed nor served
DEFAULTS = ConfiguredModels(GPT_120, QWEN, TURBO)
REASONING_TOKENS = cat.ANSWER_TOKENS + cat.THINKING_TOKENS
Heard = list[tuple[str, str, bool]]  # on_retired's calls: (model, stand-in, first)
Gone = tuple[str, ...]  # models Groq retires before the catalog reads its list


class Clock:
    """A monotonic clock the test moves: TTLs pass without waiting."""

    now = 1000.0

    def __call__(self) -> float:
        return self.now


Make = Callable[..., Awaitable[ModelCatalog]]


@pytest.fixture
async def make(fake_groq: FakeGroq) -> AsyncIterator[Make]:
    """Catalogs on the fake, each with its own client: `asked` gets each request's path, and
    the models `gone` are retired by Groq before the catalog reads its list, at once."""
    made: list[ModelCatalog] = []

    async def build(
        configured: ConfiguredModels = DEFAULTS,
        *,
        retired: RetiredModels | None = None,
        clock: Clock | None = None,
        api_key: str = fake_groq.api_key,
        asked: list[str] | None = None,
        gone: Gone = (),
    ) -> ModelCatalog:
        for model in gone:
            fake_groq.retire(model)

        async def note(request: httpx.Request) -> None:
            (asked if asked is not None else []).append(request.url.path)

        http = httpx.AsyncClient(event_hooks={"request": [note]})
        client = AsyncGroq(
            api_key=api_key, base_url=fake_groq.base_url, max_retries=0, http_client=http
        )
        store = retired or MemoryRetiredModels()
        made.append(ModelCatalog(client, configured, store, clock=clock or Clock()))
        await made[-1].refresh()
        return made[-1]

    yield build
    for catalog in made:
        await catalog.aclose()


async def test_lists_chat_models_only(make: Make, fake_groq: FakeGroq) -> None:
    """No whisper, orpheus, guard or safeguard: a chat may pick none of them."""
    assert await (await make()).chat_models() == [GPT_120, GPT_20, QWEN]
    assert fake_groq.model_lists == 1


async def test_asks_again_only_after_its_ttl(make: Make, fake_groq: FakeGroq) -> None:
    clock = Clock()
    catalog = await make(clock=clock)
    assert "acme/new" not in await catalog.chat_models()
    fake_groq.models.append("acme/new")
    clock.now += cat.CATALOG_TTL - 1
    assert "acme/new" not in await catalog.chat_models()
    assert fake_groq.model_lists == 1
    clock.now += 1
    assert "acme/new" in await catalog.chat_models()
    assert fake_groq.model_lists == 2


async def test_a_catalog_that_cannot_ask_says_so_and_waits(
    make: Make, fake_groq: FakeGroq
) -> None:
    """A wrong key: unknown rather than empty, and Groq is not asked again every turn."""
    clock, asked = Clock(), list[str]()
    catalog = await make(clock=clock, api_key="wrong-key", asked=asked)
    assert await catalog.offers(GPT_120) is None
    with pytest.raises(ModelError) as caught:
        await catalog.chat_models()
    assert caught.value.kind is ModelErrorKind.BAD_CREDENTIALS
    assert catalog.choose(GPT_20) == GPT_20  # nothing known: the chat's model is tried
    clock.now += cat.FAILURE_TTL - 1
    await catalog.refresh()
    assert asked == ["/openai/v1/models"]
    clock.now += 1
    await catalog.refresh()
    assert asked == ["/openai/v1/models"] * 2
    assert fake_groq.model_lists == 0  # the fake counts only the lists it served


@pytest.mark.parametrize(
    ("wanted", "vision", "search", "expected"),
    [
        (GPT_20, False, False, GPT_20),  # live and fits: kept
        (GPT_20, False, True, GPT_20),  # gpt-oss searches
        ("acme/unlisted", False, False, GPT_120),  # not served: GROQ_MODEL
        (GPT_20, True, False, QWEN),  # images on a blind model: VISION_MODEL
        (QWEN, False, True, GPT_120),  # search on qwen: GROQ_MODEL
        (GPT_120, True, True, QWEN),  # vision kept, search dropped
        (QWEN, True, True, QWEN),
        (WHISPER, False, False, GPT_120),  # listed, but no chat model
    ],
)
async def test_choose(make: Make, wanted: str, vision: bool, search: bool, expected: str) -> None:
    catalog = await make()
    assert catalog.choose(wanted, vision=vision, search=search) == expected


@pytest.mark.parametrize(
    ("configured", "gone", "expected"),
    [
        (ConfiguredModels(GPT_20, QWEN, TURBO), (), GPT_20),
        (ConfiguredModels(GONE, QWEN, TURBO, fallback=QWEN), (), QWEN),
        (ConfiguredModels(GONE, QWEN, TURBO, RETIRED_GEMMA), (), GPT_120),  # the best...
        (ConfiguredModels(GONE, GONE, TURBO), (GPT_120,), QWEN),  # ...then qwen...
        (ConfiguredModels(GONE, GONE, TURBO), (GPT_120, QWEN), GPT_20),  # ...then gpt-oss-20b
        (ConfiguredModels(GONE, GONE, TURBO), (GPT_120, QWEN, GPT_20), RETIRED_QWEN),
    ],
)
async def test_a_gone_model_goes_to_groq_model_then_fallback_then_the_best(
    make: Make, configured: ConfiguredModels, gone: Gone, expected: str
) -> None:
    """The last: no chat model left (the safeguard is none), so the chat's own is tried."""
    catalog = await make(configured, gone=gone)
    assert catalog.choose(RETIRED_QWEN) == expected


async def test_transcription_falls_back_to_a_live_whisper(make: Make) -> None:
    catalog = await make(gone=(TURBO,))
    assert catalog.transcription_model(WHISPER) == WHISPER  # live: kept
    assert catalog.transcription_model(TURBO) == WHISPER
    assert catalog.transcription_model("distil-whisper-large-v3-en") == WHISPER


async def shared_retirement(first: ModelCatalog, second: ModelCatalog, clock: Clock) -> None:
    """One replica retires a model; the other sees it once it reads the store again."""
    heard: Heard = []
    first.on_retired = second.on_retired = lambda *call: heard.append(call)
    assert await first.retire(GPT_20) == GPT_120
    assert heard == [(GPT_20, GPT_120, True)]
    assert not first.is_live(GPT_20)
    await second.refresh()
    assert second.choose(GPT_20) == GPT_20  # its retired list is not read again yet
    clock.now += cat.RETIRED_TTL
    await second.refresh()
    assert second.choose(GPT_20) == GPT_120
    assert await second.offers(GPT_20) is False
    assert await second.retire(GPT_20) == GPT_120
    assert heard == [(GPT_20, GPT_120, True), (GPT_20, GPT_120, False)]


async def test_retire_reaches_every_catalog_sharing_the_store(
    make: Make, fake_groq: FakeGroq
) -> None:
    store, clock = MemoryRetiredModels(), Clock()
    first = await make(retired=store, clock=clock)
    second = await make(retired=store, clock=clock)
    await shared_retirement(first, second, clock)
    assert fake_groq.model_lists == 2  # one list each: retirements are not read from Groq


async def test_retire_reaches_every_replica_through_redis(
    make: Make, redis_backend: RedisBackend
) -> None:
    clock = Clock()
    first = await make(retired=redis_backend.retired_models(), clock=clock)
    second = await make(retired=redis_backend.retired_models(), clock=clock)
    await shared_retirement(first, second, clock)
    assert await redis_backend.retired_models().all() == frozenset({GPT_20})


@pytest.mark.parametrize(
    ("model", "need", "gone", "expected"),
    [
        (GPT_20, {}, (), GPT_120),
        (GPT_120, {"vision": True}, (), QWEN),
        (QWEN, {"search": True}, (), GPT_120),
        (TURBO, {}, (), WHISPER),
        (GPT_20, {}, (GPT_120, QWEN), None),  # no chat model left
    ],
)
async def test_retire_returns_the_stand_in_for_the_need(
    make: Make, model: str, need: dict[str, bool], gone: Gone, expected: str | None
) -> None:
    catalog, heard = await make(gone=gone), Heard()
    catalog.on_retired = lambda *call: heard.append(call)
    assert await catalog.retire(model, **need) == expected
    assert heard == [(model, expected or "", True)]


@pytest.fixture
async def tiny(make: Make, fake_groq: FakeGroq, monkeypatch: pytest.MonkeyPatch) -> ModelCatalog:
    """A catalog that read small limits: "acme/tiny" a 6000-token window and 2048 to answer,
    "qwen/qwen3.8-27b" 10000 to answer (for both, less than the bot would ask)."""
    monkeypatch.setitem(fake_module.MODEL_LIMITS, "acme/tiny", (6000, 2048))
    monkeypatch.setitem(fake_module.MODEL_LIMITS, "qwen/qwen3.8-27b", (131072, 10000))
    fake_groq.models += ["acme/tiny", "qwen/qwen3.8-27b"]
    return await make()


def test_completion_tokens(tiny: ModelCatalog) -> None:
    """A reasoning model has room to think too, within the cap Groq lists for it."""
    assert tiny.completion_tokens(GPT_120) == tiny.completion_tokens(QWEN) == REASONING_TOKENS
    assert tiny.completion_tokens("openai/gpt-oss-unlisted") == REASONING_TOKENS  # no cap known
    assert tiny.completion_tokens("qwen/qwen3.8-27b") == 10000
    assert tiny.completion_tokens("acme/x") == cat.ANSWER_TOKENS  # a plain model does not think
    assert tiny.completion_tokens("acme/tiny") == 2048


def test_history_budget_is_lowered_only_for_a_smaller_window(tiny: ModelCatalog) -> None:
    wide, narrow = Budget(50000, 30), Budget(3000, 30)
    assert tiny.history_budget(GPT_120, wide) == wide  # the window holds it
    assert tiny.history_budget("acme/unlisted", wide) == wide  # nothing known
    assert tiny.history_budget("acme/tiny", wide) == Budget(6000 - 2048, 30)  # room to answer
    assert tiny.history_budget("acme/tiny", narrow) == narrow  # already smaller: kept


CHAT_LIVE = f"{GPT_120}, {QWEN}, {GPT_20}"
SCOUT = "meta-llama/llama-4-scout-17b-16e-instruct"  # retired by Groq in 2026
DISTIL, WHISPERS = "distil-whisper-large-v3-en", f"{WHISPER}, {TURBO}"


@pytest.mark.parametrize(
    ("configured", "variable", "live"),
    [
        (ConfiguredModels(GONE, QWEN, TURBO), f"GROQ_MODEL={GONE}", CHAT_LIVE),
        (ConfiguredModels(GPT_120, SCOUT, TURBO), f"VISION_MODEL={SCOUT}", QWEN),
        (ConfiguredModels(GPT_120, QWEN, DISTIL), f"TRANSCRIPTION_MODEL={DISTIL}", WHISPERS),
        (ConfiguredModels(GPT_120, QWEN, TURBO, GONE), f"FALLBACK_MODEL={GONE}", CHAT_LIVE),
        (DEFAULTS, "", ""),  # all served
    ],
)
async def test_unserved_names_the_variable_and_live_replacements(
    make: Make, configured: ConfiguredModels, variable: str, live: str
) -> None:
    line = f"{variable} is not served by Groq (retired or unknown); "
    line += f"live models that could replace it: {live}"
    assert await (await make(configured)).unserved() == (line if variable else None)


async def test_unserved_is_none_when_the_list_cannot_be_read(make: Make) -> None:
    """The bot starts anyway, and the log says the models were not checked."""
    logged: list[str] = []
    sink = logger.add(logged.append, level="WARNING", format="{message}")
    catalog = await make(ConfiguredModels(GONE, QWEN, TURBO), api_key="wrong")
    unserved = await catalog.unserved()
    logger.remove(sink)
    assert unserved is None
    assert logged == ["Groq's model list could not be read; the models were not checked\n"]
