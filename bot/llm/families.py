"""What each family of Groq's models can do: the only place that matches model names.

Groq lists which models it serves (`GET /openai/v1/models`, read by bot/llm/catalog.py) but
not what they can do, so that knowledge lives here, one row per family, as Groq's model pages
describe them in late 2026. A model of no known family is taken for a plain chat model: no
reasoning options, no images, no tools. docs/architecture.md, "Models", tells how to add one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    CHAT = "chat"  # answers a dialog: GROQ_MODEL, VISION_MODEL, FALLBACK_MODEL, /model
    SYSTEM = "system"  # a tool system (compound): answers, but bills tools beyond tokens
    TRANSCRIPTION = "transcription"  # speech to text: TRANSCRIPTION_MODEL
    SPEECH = "speech"  # text to speech: never used by the bot
    SAFETY = "safety"  # classifiers: never used by the bot


class Reasoning(StrEnum):
    """How a reasoning model is asked to keep its thinking apart from the answer."""

    NONE = "none"  # not a reasoning model
    INCLUDE = "include"  # `include_reasoning`: true shows it in `reasoning`, false drops it
    FORMAT = "format"  # `reasoning_format`: "parsed" or "hidden" (raw `<think>` by default)


class Tool(StrEnum):
    BROWSER_SEARCH = "browser_search"  # searches the web itself; sources in `executed_tools`
    CODE_INTERPRETER = "code_interpreter"
    WEB_SEARCH = "web_search"  # built into a system: searches without being asked to


EFFORTS = ("low", "medium", "high")  # what /settings offers, for models that take them


@dataclass(frozen=True, slots=True)
class Family:
    """A model family's abilities; `rank` orders the families as a replacement, best first."""

    prefix: str
    kind: Kind = Kind.CHAT
    reasoning: Reasoning = Reasoning.NONE
    efforts: tuple[str, ...] = ()  # the `reasoning_effort` values of EFFORTS it takes
    vision: bool = False
    tools: frozenset[Tool] = frozenset()
    rank: int = 100

    @property
    def searches(self) -> bool:
        """It can answer a turn with web search on."""
        return bool(self.tools & {Tool.BROWSER_SEARCH, Tool.WEB_SEARCH})


_GPT_OSS_TOOLS = frozenset({Tool.BROWSER_SEARCH, Tool.CODE_INTERPRETER})
_SYSTEM_TOOLS = frozenset({Tool.WEB_SEARCH})  # a stand-in only while Groq still lists one

# The longest matching prefix wins, so a variant can differ from its family.
FAMILIES = (
    Family("openai/gpt-oss-safeguard", Kind.SAFETY),
    Family(
        "openai/gpt-oss-120b",
        reasoning=Reasoning.INCLUDE,
        efforts=EFFORTS,
        tools=_GPT_OSS_TOOLS,
        rank=10,
    ),  # fmt: skip
    Family(
        "openai/gpt-oss-",
        reasoning=Reasoning.INCLUDE,
        efforts=EFFORTS,
        tools=_GPT_OSS_TOOLS,
        rank=30,
    ),  # fmt: skip
    Family("qwen/qwen3.8", reasoning=Reasoning.FORMAT, efforts=EFFORTS, vision=True, rank=15),
    Family("qwen/qwen3.6", reasoning=Reasoning.FORMAT, vision=True, rank=20),
    Family("qwen/qwen3", reasoning=Reasoning.FORMAT, rank=40),
    Family("meta-llama/llama-4", vision=True, rank=50),
    Family("meta-llama/llama-guard", Kind.SAFETY),
    Family("meta-llama/llama-prompt-guard", Kind.SAFETY),
    Family("groq/compound", Kind.SYSTEM, tools=_SYSTEM_TOOLS, rank=90),  # retired in 2026
    Family("whisper", Kind.TRANSCRIPTION),
    Family("distil-whisper", Kind.TRANSCRIPTION),
    Family("canopylabs/orpheus", Kind.SPEECH),
    Family("playai-tts", Kind.SPEECH),
)
UNKNOWN = Family("")  # a plain chat model

# Groq's limit on images in one request (its vision docs): the same for every vision model.
MAX_IMAGES_PER_REQUEST = 5


def family_of(model: str) -> Family:
    """The family whose prefix is the longest that `model` starts with."""
    name = model.lower()
    found = [f for f in FAMILIES if name.startswith(f.prefix)]
    return max(found, key=lambda f: len(f.prefix)) if found else UNKNOWN


def has_vision(model: str) -> bool:
    """True when `model` takes `image_url` parts."""
    return family_of(model).vision
