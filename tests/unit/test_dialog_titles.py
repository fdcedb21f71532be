"""A dialog's title: asked of the chat's model in the background, cleaned, counted in the
user's day; a failure leaves the dialog untitled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiogram import Bot

from bot.conversation.titles import TITLE_TOKENS, DialogTitles, cleaned
from bot.core.chat import ChatKey
from bot.core.errors import ModelError, ModelErrorKind
from bot.core.messages import ChatMessage
from bot.llm.port import ChatModel, Delta, ModelRequest, Reply, Usage
from bot.storage.base import StorageOptions
from bot.storage.memory import MemoryBackend

KEY = ChatKey(bot_id=1, chat_id=77)


class TitleModel(ChatModel):
    def __init__(self, reply: Reply | None) -> None:
        self.reply = reply
        self.requests: list[ModelRequest] = []

    async def complete(self, request: ModelRequest) -> Reply:
        self.requests.append(request)
        if self.reply is None:
            raise ModelError(ModelErrorKind.UNAVAILABLE, "down")
        return self.reply

    async def stream(self, request: ModelRequest) -> AsyncIterator[Delta]:
        raise AssertionError("a title is never streamed")
        yield Delta()

    async def aclose(self) -> None:
        return None


async def titled(reply: Reply | None) -> tuple[MemoryBackend, TitleModel]:
    backend = MemoryBackend(StorageOptions(bot_id=1, max_messages=10, ttl_seconds=3600))
    pair = [ChatMessage.user("do cats like dogs?", at=1.0), ChatMessage.assistant("some", at=2)]
    await backend.dialogs.replace_last(KEY, 0, pair, opens="5")
    model = TitleModel(reply)
    bot = Bot("1:x")
    titles = DialogTitles(model, backend.dialogs, backend.usage, bot, default_model="m")
    titles.after_first_answer(
        KEY, "5", user_id=9, question=pair[0], answer="some", model="openai/gpt-oss-120b"
    )
    for _ in range(100):
        if model.requests and not titles._tasks:  # noqa: SLF001 - the test's own wait
            break
        await asyncio.sleep(0.01)
    await titles.aclose()
    await bot.session.close()
    return backend, model


async def test_the_title_is_cleaned_and_its_tokens_counted() -> None:
    backend, model = await titled(
        Reply('  "Cats and dogs, friends or foes at home."\nmore', usage=Usage(40, 7))
    )
    [dialog] = await backend.dialogs.dialogs(KEY)
    assert dialog.title == "Cats and dogs, friends or foes"  # six words at most
    assert await backend.usage.tokens_today(9) == 47
    [request] = model.requests
    assert request.max_tokens == TITLE_TOKENS and request.settings.effort == "low"
    assert "do cats like dogs?" in request.messages[-1].content


async def test_a_failure_leaves_the_dialog_untitled() -> None:
    backend, _ = await titled(None)
    [dialog] = await backend.dialogs.dialogs(KEY)
    assert dialog.title == ""
    assert await backend.usage.tokens_today(9) == 0


def test_cleaning_keeps_one_line_without_quotes_or_a_final_stop() -> None:
    assert cleaned("«Планы на выходные».") == "Планы на выходные"
    assert cleaned("\n\n**Rust lifetimes**\nexplained") == "Rust lifetimes"
    assert cleaned("   ") == ""
