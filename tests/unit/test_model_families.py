"""Model families (bot/llm/families.py): what a model id says of the model (its kind, how it
reasons and at which efforts, whether it sees images and searches), by its longest prefix."""

from __future__ import annotations

import pytest

from bot.llm.families import EFFORTS, Kind, Reasoning, Tool, family_of, has_vision
from tests.unit.model_helpers import GPT_120, QWEN, TURBO

NOTHING = (Reasoning.NONE, (), False, False)  # no reasoning, no efforts, blind, no search


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("openai/gpt-oss-safeguard-20b", (Kind.SAFETY, *NOTHING)),
        (GPT_120, (Kind.CHAT, Reasoning.INCLUDE, EFFORTS, False, True)),
        ("OpenAI/GPT-OSS-20B", (Kind.CHAT, Reasoning.INCLUDE, EFFORTS, False, True)),
        (QWEN, (Kind.CHAT, Reasoning.FORMAT, (), True, False)),
        ("qwen/qwen3.8-27b", (Kind.CHAT, Reasoning.FORMAT, EFFORTS, True, False)),
        ("acme/x", (Kind.CHAT, *NOTHING)),
        (TURBO, (Kind.TRANSCRIPTION, *NOTHING)),
        ("canopylabs/orpheus-v1-english", (Kind.SPEECH, *NOTHING)),
        ("meta-llama/llama-prompt-guard-2-86m", (Kind.SAFETY, *NOTHING)),
    ],
)
def test_family_of_takes_the_longest_prefix(model: str, expected: tuple[object, ...]) -> None:
    family = family_of(model)
    searches = Tool.BROWSER_SEARCH in family.tools
    assert (family.kind, family.reasoning, family.efforts, has_vision(model), searches) == expected
    assert family.searches is searches
