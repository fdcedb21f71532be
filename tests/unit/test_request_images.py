"""The prompt builder with images: which images a request carries, their budget, the model."""

from __future__ import annotations

import base64

import pytest

from bot.core.chat import ChatKey
from bot.core.chat_settings import ChatSettings
from bot.core.messages import ChatMessage
from bot.core.tokens import IMAGE_TOKENS, message_tokens
from bot.core.trimming import Budget, trim_history
from bot.llm.port import ModelRequest
from bot.media.files import Unreadable
from bot.media.images import ImageCache, Images, encode
from bot.media.request_images import PLACEHOLDER, PromptBuilder, limit_images
from tests.support.media_files import image, noisy_jpeg

SYSTEM = ChatMessage.system("sys")
KEY = ChatKey(1, 5)
BIG = Budget(100_000, 100)


class FakeImages(Images):
    """Data URLs without downloads; ids in `gone` can no longer be fetched."""

    def __init__(self, gone: frozenset[str] = frozenset()) -> None:
        self.fetched: list[str] = []
        self._gone = gone

    async def data_url(self, file_id: str, size: int | None = None) -> str:
        if file_id in self._gone:
            from bot.core.outcomes import Ending, Outcome

            raise Unreadable(Outcome(Ending.DOWNLOAD_FAILED))
        self.fetched.append(file_id)
        return f"data:image/png;base64,{file_id}"


def photo_turns(count: int, per_message: int = 1) -> list[ChatMessage]:
    dialog: list[ChatMessage] = []
    for n in range(count):
        ids = tuple(f"p{n}.{k}" for k in range(per_message))
        dialog += [ChatMessage.user(f"q{n}", ids), ChatMessage.assistant(f"a{n}")]
    return [*dialog, ChatMessage.user("and now?")]


def test_images_count_against_the_token_budget() -> None:
    plain, shown = ChatMessage.user("look"), ChatMessage.user("look", ("a", "b"))
    assert message_tokens(shown) == message_tokens(plain) + 2 * IMAGE_TOKENS
    dialog = [shown, ChatMessage.assistant("ok"), ChatMessage.user("more?")]
    assert trim_history(SYSTEM, dialog, Budget(IMAGE_TOKENS, 10))[1:] == [dialog[-1]]
    assert trim_history(SYSTEM, dialog, BIG)[1:] == dialog


def test_a_long_question_with_images_keeps_them_when_shortened() -> None:
    question = ChatMessage.user("x" * 100_000, ("a",))
    [_, kept] = trim_history(SYSTEM, [question], Budget(IMAGE_TOKENS + 100, 10))
    assert kept.images == ("a",)
    assert message_tokens(kept) <= IMAGE_TOKENS + 100


def test_only_the_newest_five_images_are_shown_older_become_placeholders() -> None:
    limited = limit_images(photo_turns(7), BIG)
    users = [m for m in limited if m.role.value == "user"]
    assert [m.images for m in users[:2]] == [(), ()]
    assert all(PLACEHOLDER in m.content for m in users[:2])
    assert [len(m.images) for m in users[2:7]] == [1] * 5


def test_images_take_at_most_half_the_budget_but_the_newest_are_always_shown() -> None:
    budget = Budget(4 * IMAGE_TOKENS, 100)  # room for two images
    limited = limit_images(
        [*photo_turns(3)[:-1], ChatMessage.user("these?", ("x", "y", "z"))], budget
    )
    assert limited[-1].images == ("x", "y", "z")  # the question's own, over the allowance
    assert all(not m.images for m in limited[:-1])


async def test_a_text_dialog_is_trimmed_as_before_with_no_model_override() -> None:
    builder = PromptBuilder(FakeImages())
    dialog = [ChatMessage.user("hi")]
    request = await builder.request(SYSTEM, dialog, BIG, ModelRequest((), chat=KEY))
    assert list(request.messages) == [SYSTEM, *dialog]
    assert (request.settings.model, dict(request.images)) == ("", {})


async def test_the_images_shown_are_fetched_and_the_model_left_to_the_router() -> None:
    dialog = photo_turns(2)
    builder = PromptBuilder(FakeImages())
    wanted = ModelRequest((), ChatSettings(model="openai/gpt-oss-120b"), chat=KEY)
    request = await builder.request(SYSTEM, dialog, BIG, wanted)
    assert set(request.images) == {"p0.0", "p1.0"}
    assert request.settings.model == "openai/gpt-oss-120b"  # bot/llm/live.py sends it to eyes


async def test_images_past_the_allowance_are_not_fetched_and_lost_ones_are_placeholders() -> None:
    images = FakeImages(gone=frozenset({"p2.0"}))
    builder = PromptBuilder(images)
    budget = Budget(2 * IMAGE_TOKENS + 200, 100)  # one image message besides the question
    request = await builder.request(SYSTEM, photo_turns(3), budget, ModelRequest((), chat=KEY))
    assert images.fetched == []  # p0, p1 trimmed; p2 is gone
    assert PLACEHOLDER in request.messages[1].content
    assert not request.settings.model and not request.images  # nothing left to see


def test_a_big_image_is_downscaled_under_the_limit() -> None:
    raw = noisy_jpeg(200)
    url = encode(raw, limit=20_000)
    assert url.startswith("data:image/jpeg;base64,")
    assert len(url.split(",", 1)[1]) <= 20_000
    small = image("blue")
    assert encode(small) == "data:image/png;base64," + base64.b64encode(small).decode()


def test_what_is_not_an_image_is_unreadable() -> None:
    with pytest.raises(Unreadable):
        encode(b"GIF89a broken")


def test_the_cache_is_bounded_by_size() -> None:
    cache = ImageCache(max_bytes=10)
    cache.put("a", "12345")
    cache.put("b", "12345")
    assert cache.get("a") == "12345"  # used: b is now the oldest
    cache.put("c", "123")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("12345", None, "123")
