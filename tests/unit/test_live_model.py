"""LiveModel over GroqChatModel over the fake Groq: a model retired mid-run is survived within
the call, other errors are not retried, and each family is sent only what it takes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from groq import AsyncGroq

from bot.core.chat_settings import ChatSettings
from bot.core.errors import ModelError, ModelErrorKind
from bot.core.messages import ChatMessage
from bot.llm.catalog import ANSWER_TOKENS, THINKING_TOKENS, ConfiguredModels, ModelCatalog
from bot.llm.groq import GroqChatModel, ResponseHeaders
from bot.llm.live import LiveModel
from bot.llm.port import Delta, ModelRequest, Reply, Source
from bot.storage.memory.retired import MemoryRetiredModels
from tests.support.fake_groq import DEFAULT_LIMITS, MODEL_LIMITS, FakeGroq

GPT_120, GPT_20, QWEN = "openai/gpt-oss-120b", "openai/gpt-oss-20b", "qwen/qwen3.6-27b"
HI = (ChatMessage.system("s"), ChatMessage.user("hi"))
THINKING = "PONDERING step one"
OPTIONS = ("include_reasoning", "reasoning_format", "reasoning_effort", "tools")
SEARCH = {"tools": [{"type": "browser_search"}]}


@dataclass
class Rig:
    """The bot's stack, and what it did: every response's status and each retirement."""

    live: LiveModel
    catalog: ModelCatalog
    statuses: list[tuple[str, int]] = field(default_factory=list)
    retirements: list[tuple[str, str, bool]] = field(default_factory=list)

    def noted(self, model: str, headers: Mapping[str, str], status: int) -> None:
        del headers
        self.statuses.append((model, status))


@pytest.fixture
async def rig(fake_groq: FakeGroq) -> AsyncIterator[Rig]:
    """As bot/components.py builds it: the catalog and the model on clients of their own."""
    fake_groq.thinking = lambda messages: THINKING
    configured = ConfiguredModels(GPT_120, QWEN, "whisper-large-v3-turbo")
    lister = AsyncGroq(api_key=fake_groq.api_key, base_url=fake_groq.base_url, max_retries=0)
    catalog = ModelCatalog(lister, configured, MemoryRetiredModels())
    headers = ResponseHeaders()
    http = httpx.AsyncClient(event_hooks={"response": [headers]})
    client = AsyncGroq(
        api_key=fake_groq.api_key, base_url=fake_groq.base_url, max_retries=0, http_client=http
    )
    rig = Rig(LiveModel(GroqChatModel(client, GPT_120, catalog, headers), catalog), catalog)
    rig.live.watch_limits(rig.noted)
    catalog.on_retired = lambda *call: rig.retirements.append(call)
    yield rig
    await rig.live.aclose()
    await catalog.aclose()


async def deltas_of(rig: Rig, request: ModelRequest) -> list[Delta]:
    return [delta async for delta in rig.live.stream(request)]


async def ask(rig: Rig, request: ModelRequest, streamed: bool) -> Reply:
    """One answer, whole or streamed; a stream's stand-in is named once, by its last piece."""
    if not streamed:
        return await rig.live.complete(request)
    deltas = await deltas_of(rig, request)
    assert all(not d.served_by and not d.retired for d in deltas[:-1])
    text, reasoning = "".join(d.text for d in deltas), "".join(d.reasoning for d in deltas)
    sources = tuple(s for d in deltas for s in d.sources)
    last = deltas[-1]
    return Reply(text, reasoning, sources=sources, served_by=last.served_by, retired=last.retired)


def sent_models(fake: FakeGroq) -> list[str]:
    return [str(body["model"]) for body in fake.requests]


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
@pytest.mark.parametrize(
    ("gone", "status"), [("decommissioned", 400), ("not_found", 404)], ids=["400", "404"]
)
async def test_a_model_gone_mid_run_is_answered_by_its_stand_in(
    rig: Rig, fake_groq: FakeGroq, streamed: bool, gone: str, status: int
) -> None:
    """The catalog still lists the model when Groq stops serving it: the same call goes on."""
    await rig.catalog.refresh()
    if gone == "decommissioned":
        fake_groq.retire(GPT_20)
    else:
        fake_groq.models.remove(GPT_20)  # an id Groq no longer has for this key
    request = ModelRequest(HI, ChatSettings(model=GPT_20))
    first = await ask(rig, request, streamed)
    assert (first.text, first.retired, first.served_by) == ("reply to: hi", GPT_20, GPT_120)
    assert rig.statuses == [(GPT_20, status), (GPT_120, 200)]
    assert rig.retirements == [(GPT_20, GPT_120, True)]
    second = await ask(rig, request, streamed)
    assert (second.text, second.retired, second.served_by) == ("reply to: hi", "", "")
    assert sent_models(fake_groq) == [GPT_20, GPT_120, GPT_120]  # no second 400


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_with_no_live_model_left_the_retirement_stands(
    rig: Rig, fake_groq: FakeGroq, streamed: bool
) -> None:
    """Each stand-in is tried in rank order, then the error reaches the chat."""
    await rig.catalog.refresh()
    for model in list(fake_groq.models):
        fake_groq.retire(model)
    with pytest.raises(ModelError) as caught:
        await ask(rig, ModelRequest(HI, ChatSettings(model=GPT_20)), streamed)
    assert caught.value.kind is ModelErrorKind.MODEL_RETIRED
    assert sent_models(fake_groq) == [GPT_20, GPT_120, QWEN]
    assert [status for _, status in rig.statuses] == [400, 400, 400]
    assert rig.retirements[-1] == (QWEN, "", True)


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_other_errors_are_not_retried(rig: Rig, fake_groq: FakeGroq, streamed: bool) -> None:
    fake_groq.fail_next("server_error")
    with pytest.raises(ModelError) as caught:
        await ask(rig, ModelRequest(HI, ChatSettings(model=GPT_20)), streamed)
    assert caught.value.kind is ModelErrorKind.UNAVAILABLE
    assert sent_models(fake_groq) == [GPT_20]
    assert rig.catalog.is_live(GPT_20)
    assert rig.retirements == []


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (ModelRequest(HI), {"model": GPT_120, "include_reasoning": False}),
        (
            ModelRequest(HI, ChatSettings(model=GPT_20, reasoning=True, effort="high")),
            {"model": GPT_20, "include_reasoning": True, "reasoning_effort": "high"},
        ),
        (
            ModelRequest(HI, ChatSettings(search=True)),
            {"model": GPT_120, "include_reasoning": False, "reasoning_effort": "low", **SEARCH},
        ),
        (
            ModelRequest(HI, ChatSettings(model=GPT_20, search=True, effort="medium")),
            {"model": GPT_20, "include_reasoning": False, "reasoning_effort": "medium", **SEARCH},
        ),
        (
            ModelRequest(HI, ChatSettings(model=QWEN)),
            {"model": QWEN, "reasoning_format": "hidden"},
        ),
        (  # qwen3.6: no efforts
            ModelRequest(HI, ChatSettings(model=QWEN, reasoning=True, effort="high")),
            {"model": QWEN, "reasoning_format": "parsed"},
        ),
        (  # qwen cannot search: GROQ_MODEL does
            ModelRequest(HI, ChatSettings(model=QWEN, search=True)),
            {"model": GPT_120, "include_reasoning": False, "reasoning_effort": "low", **SEARCH},
        ),
    ],
)
async def test_each_family_is_sent_only_what_it_takes(
    rig: Rig, fake_groq: FakeGroq, request_: ModelRequest, expected: dict[str, Any]
) -> None:
    """Anything else is a 400 from Groq: no call here may fail."""
    reply = await rig.live.complete(request_)
    assert reply.text.startswith("reply to: hi")
    [body] = fake_groq.requests
    model = str(body["model"])
    assert {k: body[k] for k in ("model", *OPTIONS) if k in body} == expected
    cap = MODEL_LIMITS.get(model, DEFAULT_LIMITS)[1]
    assert body["max_completion_tokens"] == min(ANSWER_TOKENS + THINKING_TOKENS, cap)
    assert rig.statuses == [(model, 200)]


async def test_a_plain_model_is_sent_no_options(rig: Rig, fake_groq: FakeGroq) -> None:
    fake_groq.models.append("acme/plain")
    request = ModelRequest(HI, ChatSettings(model="acme/plain", reasoning=True, effort="high"))
    assert (await rig.live.complete(request)).text == "reply to: hi"
    [body] = fake_groq.requests
    assert [k for k in OPTIONS if k in body] == []
    assert body["max_completion_tokens"] == ANSWER_TOKENS


async def test_browser_search_is_sent_only_for_a_search(rig: Rig, fake_groq: FakeGroq) -> None:
    await rig.live.complete(ModelRequest(HI, ChatSettings(search=True)))
    await rig.live.complete(ModelRequest(HI))
    assert [body.get("tools") for body in fake_groq.requests] == [
        [{"type": "browser_search"}],
        None,
    ]


@pytest.mark.parametrize("streamed", [False, True], ids=["complete", "stream"])
async def test_a_searched_answer_has_its_sources_and_no_markers(
    rig: Rig, fake_groq: FakeGroq, streamed: bool
) -> None:
    fake_groq.search_results = [
        {"title": "A", "url": "https://a.example/"},
        {"title": "B", "url": "https://b.example/"},
    ]
    reply = await ask(rig, ModelRequest(HI, ChatSettings(search=True)), streamed)
    assert reply.text == "reply to: hi  "  # " 【0†L1-L3】 【1†L1-L3】" gone, spaces kept
    sources = (Source("A", "https://a.example/"), Source("B", "https://b.example/"))
    assert reply.sources == sources


@pytest.mark.parametrize("reasoning", [False, True])
async def test_a_qwen_stream_keeps_its_thinking_out_of_the_text(
    rig: Rig, fake_groq: FakeGroq, reasoning: bool
) -> None:
    deltas = await deltas_of(rig, ModelRequest(HI, ChatSettings(model=QWEN, reasoning=reasoning)))
    for delta in deltas:
        assert all(t not in delta.text for t in ("<think>", "</think>", "PONDERING"))
    assert "".join(d.text for d in deltas) == "reply to: hi"
    assert "".join(d.reasoning for d in deltas) == (THINKING if reasoning else "")


async def test_raw_thinking_in_a_stream_never_reaches_the_text(
    rig: Rig, fake_groq: FakeGroq
) -> None:
    """A Qwen of no family the bot knows gets no reasoning_format, so the fake thinks raw
    in the content, "<thi" and "nk>…" in separate chunks: it is split off as reasoning."""
    fake_groq.models.append("qwen/qwen2.5-raw")
    deltas = await deltas_of(rig, ModelRequest(HI, ChatSettings(model="qwen/qwen2.5-raw")))
    assert "reasoning_format" not in fake_groq.requests[0]
    for delta in deltas:
        assert all(t not in delta.text for t in ("<", "think>", "PONDERING"))
    assert "".join(d.text for d in deltas) == "reply to: hi"
    assert "".join(d.reasoning for d in deltas) == THINKING
