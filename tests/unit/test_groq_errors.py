"""The Groq adapter against the fake server: every SDK failure becomes one of our kinds."""

from collections.abc import AsyncIterator

import pytest
from groq import AsyncGroq

from bot.core.errors import ModelError, ModelErrorKind
from bot.core.messages import ChatMessage
from bot.llm.catalog import ConfiguredModels, ModelCatalog
from bot.llm.groq import GroqChatModel
from bot.llm.port import ModelRequest, Usage
from bot.storage.memory.retired import MemoryRetiredModels
from tests.support.fake_groq import FakeGroq, FaultKind

PROMPT = ModelRequest([ChatMessage.system("s"), ChatMessage.user("hi")])
MODEL = "openai/gpt-oss-20b"


def catalog_of(client: AsyncGroq) -> ModelCatalog:
    configured = ConfiguredModels(MODEL, "qwen/qwen3.6-27b", "whisper-large-v3-turbo")
    return ModelCatalog(client, configured, MemoryRetiredModels())


@pytest.fixture
async def model(fake_groq: FakeGroq) -> AsyncIterator[GroqChatModel]:
    client = AsyncGroq(
        api_key=fake_groq.api_key, base_url=fake_groq.base_url, timeout=2, max_retries=0
    )
    model = GroqChatModel(client, MODEL, catalog_of(client))
    yield model
    await model.aclose()


async def test_answer_and_request_shape(model: GroqChatModel, fake_groq: FakeGroq) -> None:
    assert (await model.complete(PROMPT)).text == "reply to: hi"
    request = fake_groq.requests[0]
    assert request["model"] == MODEL
    assert request["messages"] == [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "hi"},
    ]


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        ("timeout", ModelErrorKind.TIMEOUT),
        ("rate_limit", ModelErrorKind.RATE_LIMITED),
        ("server_error", ModelErrorKind.UNAVAILABLE),
        ("unavailable", ModelErrorKind.UNAVAILABLE),
        ("context_too_long", ModelErrorKind.CONTEXT_TOO_LONG),
        ("auth", ModelErrorKind.BAD_CREDENTIALS),
        ("bad_request", ModelErrorKind.REJECTED),
    ],
)
async def test_faults_map_to_kinds(
    model: GroqChatModel, fake_groq: FakeGroq, fault: FaultKind, kind: ModelErrorKind
) -> None:
    fake_groq.fail_next(fault)
    with pytest.raises(ModelError) as caught:
        await model.complete(PROMPT)
    assert caught.value.kind is kind
    assert fake_groq.api_key not in str(caught.value)


async def test_a_server_that_is_gone_is_unavailable(fake_groq: FakeGroq) -> None:
    client = AsyncGroq(api_key="k", base_url="http://127.0.0.1:9", timeout=1, max_retries=0)
    model = GroqChatModel(client, MODEL, catalog_of(client))
    with pytest.raises(ModelError) as caught:
        await model.complete(PROMPT)
    await model.aclose()
    assert caught.value.kind is ModelErrorKind.UNAVAILABLE


async def test_a_streamed_answer_reports_its_usage(model: GroqChatModel) -> None:
    question = "how many tokens is this question?"  # 33 characters: 8 tokens to the fake
    request = ModelRequest([ChatMessage.user(question)])
    deltas = [delta async for delta in model.stream(request)]
    assert "".join(d.text for d in deltas) == f"reply to: {question}"
    # gpt-oss thinks even when its thinking is not sent: Groq counts it in the completion
    thinking = len("step one, step two")
    assert [d.usage for d in deltas if d.usage is not None] == [Usage(8, (43 + thinking) // 4)]
