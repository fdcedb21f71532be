"""The turn runner end to end in one process: a scripted model, memory storage and the real
reply sender over a recording Bot session. What the user reads and what the history keeps
are checked together, since the pair is committed only after its answer was delivered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from aiogram.methods import EditMessageText, SendMessage, SendMessageDraft
from groq import AsyncGroq, DefaultAsyncHttpxClient

from bot.chat_settings.model import ChatSettingsStore
from bot.conversation.scope import CancelScope
from bot.core.chat_settings import ChatSettings
from bot.core.errors import ModelError, ModelErrorKind
from bot.core.messages import ChatMessage
from bot.core.outcomes import Ending
from bot.llm.catalog import ConfiguredModels, ModelCatalog
from bot.llm.port import Delta
from bot.storage.memory import MemoryBackend
from bot.storage.memory.retired import MemoryRetiredModels
from bot.texts import EN
from tests.support.recording_bot import RecordingBot, forbidden
from tests.unit.runner_helpers import GROUP, PRIVATE, SYSTEM, ScriptedModel, run, runner


@pytest.fixture
async def catalog() -> AsyncIterator[ModelCatalog]:
    """A catalog whose Groq is a MockTransport: a chat that picks no model asks it nothing."""
    requests: list[httpx.Request] = []

    def groq(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(500)

    transport = httpx.MockTransport(groq)
    client = AsyncGroq(api_key="k", http_client=DefaultAsyncHttpxClient(transport=transport))
    configured = ConfiguredModels("openai/gpt-oss-20b", "qwen/qwen3.6-27b", "whisper-large-v3")
    yield ModelCatalog(client, configured, MemoryRetiredModels())
    await client.close()
    assert requests == []


def sent_texts(bot: RecordingBot) -> list[str]:
    return [m.text for m in bot.session.answered(SendMessage)]


async def test_a_plain_answer_is_sent_and_then_committed(
    bot: RecordingBot, backend: MemoryBackend
) -> None:
    """The user reads the answer; the history then holds the pair."""
    model = ScriptedModel(Delta("Paris."))
    outcome = await run(runner(bot, backend, model), "Capital of France?")
    assert outcome.ending is Ending.ANSWERED
    assert sent_texts(bot) == ["Paris."]
    assert bot.session.answered(SendMessage)[0].reply_parameters is None  # alone: no quote
    assert model.requests[0].messages == [SYSTEM, ChatMessage.user("Capital of France?")]
    assert await backend.dialogs.load(PRIVATE) == [
        ChatMessage.user("Capital of France?"),
        ChatMessage.assistant("Paris."),
    ]


async def test_a_model_error_is_told_and_nothing_is_committed(
    bot: RecordingBot, backend: MemoryBackend
) -> None:
    """The outcome table's text, quoting the question; the turn counts as an error."""
    model = ScriptedModel(error=ModelError(ModelErrorKind.UNAVAILABLE, "HTTP 503"))
    outcome = await run(runner(bot, backend, model), "hello?")
    assert outcome.ending is Ending.MODEL_FAILED
    assert outcome.model_error is ModelErrorKind.UNAVAILABLE
    [notice] = bot.session.answered(SendMessage)
    assert notice.text == EN.model_unavailable
    assert notice.reply_parameters is not None and notice.reply_parameters.message_id == 3
    assert await backend.dialogs.load(PRIVATE) == []
    assert (await backend.usage.today()).errors == 1


async def test_an_answer_that_could_not_be_delivered_is_not_committed(
    bot: RecordingBot, backend: MemoryBackend
) -> None:
    """The user blocked the bot: nobody to tell, and no pair the user never read."""
    bot.session.fail_next(SendMessage, forbidden())
    outcome = await run(runner(bot, backend, ScriptedModel(Delta("Paris."))), "capital?")
    assert outcome.ending is Ending.BLOCKED
    assert [m.text for m in bot.session.calls(SendMessage)] == ["Paris."]
    assert await backend.dialogs.load(PRIVATE) == []


async def test_a_failure_mid_answer_leaves_only_its_notice_in_a_group(
    bot: RecordingBot, backend: MemoryBackend
) -> None:
    """The half answer's preview message is edited into the notice, not left beside it."""
    model = ScriptedModel(Delta("Half an"), error=ModelError(ModelErrorKind.TIMEOUT, "slow"))
    await run(runner(bot, backend, model, stream=True), "question", GROUP)
    [preview] = bot.session.answered(SendMessage)
    assert preview.text == "Half an"
    [edit] = bot.session.answered(EditMessageText)
    assert (edit.text, edit.chat_id) == (EN.model_timeout, GROUP.chat_id)
    assert await backend.dialogs.load(GROUP) == []


async def test_a_stop_delivers_the_text_so_far_marked_stopped(
    bot: RecordingBot, backend: MemoryBackend
) -> None:
    """The stop button ends the generation, not the turn: what came is kept, and said so."""
    model = ScriptedModel(Delta("The first half"), hang=True)
    stop = CancelScope()
    running = asyncio.create_task(run(runner(bot, backend, model, stream=True), "go", stop=stop))
    await model.waiting.wait()
    assert stop.cancel()
    outcome = await running
    assert outcome.ending is Ending.STOPPED
    assert [d.text for d in bot.session.calls(SendMessageDraft)] == ["The first half"]
    [answer] = bot.session.answered(SendMessage)
    assert answer.text == "The first half\n\n⏹ stopped"
    assert [(e.type, e.offset, e.length) for e in answer.entities or []] == [("italic", 18, 7)]
    history = await backend.dialogs.load(PRIVATE)
    assert history[-1] == ChatMessage.assistant("The first half")  # the mark is not stored


@pytest.mark.parametrize(
    ("delta", "note"),
    [
        (
            Delta(retired="qwen/qwen3-32b", served_by="openai/gpt-oss-120b"),
            "(Groq has retired qwen/qwen3-32b; openai/gpt-oss-120b answered instead "
            "and will from now on)",
        ),
        (
            Delta(served_by="openai/gpt-oss-20b"),
            "(answered by openai/gpt-oss-20b: the main model is busy)",
        ),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
async def test_another_model_answering_adds_one_line(
    bot: RecordingBot, backend: MemoryBackend, delta: Delta, note: str, stream: bool
) -> None:
    """A retired model, or the fallback standing in: the answer says which, once."""
    model = ScriptedModel(Delta("Hi."), delta)
    await run(runner(bot, backend, model, stream=stream), "hello")
    assert sent_texts(bot) == [f"Hi.\n\n{note}"]
    assert (await backend.dialogs.load(PRIVATE))[-1] == ChatMessage.assistant("Hi.")


@pytest.mark.parametrize("shown", [True, False])
@pytest.mark.parametrize("stream", [False, True])
async def test_reasoning_is_shown_only_when_the_chat_asks(
    bot: RecordingBot,
    backend: MemoryBackend,
    catalog: ModelCatalog,
    shown: bool,
    stream: bool,
) -> None:
    """The chat's setting, read from its FSM data: the thinking goes first, collapsed, and
    never into the answer or the history."""
    await ChatSettingsStore(backend.fsm_storage).save(PRIVATE, ChatSettings(reasoning=shown))
    model = ScriptedModel(Delta(reasoning="Step one. "), Delta(reasoning="Step two."), Delta("42"))
    await run(runner(bot, backend, model, stream=stream, catalog=catalog), "answer?")
    assert model.requests[0].settings.reasoning is shown
    thinking = f"{EN.reasoning_title}\nStep one. Step two."
    assert sent_texts(bot) == ([thinking, "42"] if shown else ["42"])
    if shown:
        [quote] = bot.session.answered(SendMessage)[0].entities or []
        assert quote.type == "expandable_blockquote"
        title_units = len(EN.reasoning_title.encode("utf-16-le")) // 2
        assert (quote.offset, quote.length) == (title_units + 1, 19)
    assert (await backend.dialogs.load(PRIVATE))[-1] == ChatMessage.assistant("42")
