"""The models the fake Groq serves: today's lineup with each model's limits, the ids Groq
retired, what each family accepts (refused as Groq refuses it), and GET /models."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from tests.support.fake_groq_faults import error, unauthorized
from tests.support.fake_groq_messages import Messages, images_of

# Today's lineup, (context_window, max_completion_tokens) each, as GET /models reports them:
# chat models, and the speech and safety ones a client filters out.
MODEL_LIMITS: dict[str, tuple[int, int]] = {
    "openai/gpt-oss-120b": (131072, 65536),
    "openai/gpt-oss-20b": (131072, 65536),
    "qwen/qwen3.6-27b": (131072, 40960),
    "whisper-large-v3": (448, 448),
    "whisper-large-v3-turbo": (448, 448),
    "canopylabs/orpheus-v1-english": (4000, 50000),
    "canopylabs/orpheus-arabic-saudi": (4000, 50000),
    "openai/gpt-oss-safeguard-20b": (131072, 65536),
    "meta-llama/llama-prompt-guard-2-86m": (512, 512),
}
MODELS = list(MODEL_LIMITS)  # what GET /openai/v1/models lists
DEFAULT_LIMITS = (131072, 32768)  # a model a test added to `fake.models`
# Models Groq has turned off: a request naming one answers 400 model_decommissioned.
RETIRED = frozenset(
    {
        "llama-3.3-70b-versatile",  # retired
        "llama-3.1-8b-instant",  # retired
        "meta-llama/llama-4-scout-17b-16e-instruct",  # retired
        "meta-llama/llama-4-maverick-17b-128e-instruct",  # retired
        "qwen/qwen3-32b",  # retired
        "groq/compound",  # retired
        "groq/compound-mini",  # retired
        "moonshotai/kimi-k2-instruct",  # retired
        "gemma2-9b-it",  # retired
    }
)
OWNERS = {
    "openai/": "OpenAI",
    "whisper-": "OpenAI",
    "qwen/": "Alibaba Cloud",
    "canopylabs/": "Canopy Labs",
    "meta-llama/": "Meta",
}
CREATED = 1754408224  # the models list's `created`, one plausible Unix time for all
MAX_IMAGES = 5
MAX_BASE64_IMAGE = 4 * 1024 * 1024
DATA_URL_PREFIXES = tuple(f"data:image/{kind};base64," for kind in ("jpeg", "png", "webp", "gif"))


@dataclass(frozen=True)
class Capabilities:
    """What a model family accepts; the fake refuses the rest with Groq's 400s."""

    reasoning: Literal["include_reasoning", "reasoning_format"] | None  # how it is asked for
    efforts: tuple[str, ...]  # the `reasoning_effort` values it takes
    vision: bool
    tools: frozenset[str]  # the tool types it takes


FAMILIES = {
    "gpt-oss": Capabilities(
        "include_reasoning",
        ("low", "medium", "high"),
        vision=False,
        tools=frozenset({"browser_search", "code_interpreter", "function"}),
    ),
    "qwen3.6": Capabilities(
        "reasoning_format", ("none", "default"), vision=True, tools=frozenset({"function"})
    ),
    # the SDK's reference: qwen/qwen3.8-27b "additionally supports low, medium, and high"
    "qwen3.8": Capabilities(
        "reasoning_format",
        ("none", "default", "low", "medium", "high"),
        vision=True,
        tools=frozenset({"function"}),
    ),
    # the safeguard model, speech models, and whatever a test adds: plain chat, no extras
    "plain": Capabilities(None, (), vision=False, tools=frozenset()),
}


def family_of(model: str) -> str:
    """The key into FAMILIES for a model id."""
    if model.startswith("openai/gpt-oss-") and "safeguard" not in model:
        return "gpt-oss"
    if model.startswith("qwen/qwen3.8"):
        return "qwen3.8"
    if model.startswith("qwen/"):  # Groq's Qwen models think raw in the content by default
        return "qwen3.6"
    return "plain"


def model_entry(model: str) -> dict[str, Any]:
    """One model as GET /openai/v1/models describes it."""
    context, completion = MODEL_LIMITS.get(model, DEFAULT_LIMITS)
    owner = next((o for prefix, o in OWNERS.items() if model.startswith(prefix)), "Groq")
    return {
        "id": model,
        "object": "model",
        "created": CREATED,
        "owned_by": owner,
        "active": True,
        "context_window": context,
        "public_apps": None,
        "max_completion_tokens": completion,
    }


class ModelLineup:
    """A mixin of FakeGroq: the models it serves now, and the list of them; the host
    supplies `api_key`."""

    api_key: str  # the host's: the one key Groq accepts

    def __init__(self) -> None:
        super().__init__()
        self.models = list(MODELS)
        self.retired = set(RETIRED)  # ids that answer 400 model_decommissioned
        self.model_lists = 0  # GET /models served

    def retire(self, model: str) -> None:
        """Groq decommissions `model` mid-test: gone from the list, and requests get a 400."""
        self.retired.add(model)
        self.models[:] = [m for m in self.models if m != model]

    async def _models(self, request: web.Request) -> web.Response:
        refused = unauthorized(request, self.api_key)
        if refused is not None:
            return refused
        self.model_lists += 1
        return web.json_response({"object": "list", "data": [model_entry(m) for m in self.models]})

    def _check_model(self, model: str) -> web.Response | None:
        """Groq's answer to a retired id (400) or one it does not serve (404)."""
        if model in self.retired:
            message = (
                f"The model `{model}` has been decommissioned and is no longer supported. "
                "Please refer to https://console.groq.com/docs/deprecations for a "
                "recommendation on which model to use instead."
            )
            return error(400, message, "invalid_request_error", "model_decommissioned")
        if model not in self.models:
            message = f"The model `{model}` does not exist or you do not have access to it."
            return error(404, message, "invalid_request_error", "model_not_found")
        return None


def check_params(body: dict[str, Any], model: str) -> web.Response | None:
    """What Groq refuses about reasoning, tools and the completion cap for this model."""
    caps = FAMILIES[family_of(model)]
    include, fmt = body.get("include_reasoning"), body.get("reasoning_format")
    effort, asked = body.get("reasoning_effort"), body.get("max_completion_tokens")
    tools = [t.get("type") for t in body.get("tools") or [] if t.get("type") not in caps.tools]
    cap = MODEL_LIMITS.get(model, DEFAULT_LIMITS)[1]
    if include is not None and fmt is not None:
        message = "`include_reasoning` and `reasoning_format` are mutually exclusive"
    elif include is not None and caps.reasoning != "include_reasoning":
        message = "include_reasoning is not supported with this model"
    elif fmt is not None and caps.reasoning != "reasoning_format":
        message = "reasoning_format is not supported with this model"
    elif effort is not None and not caps.efforts:
        message = "reasoning_effort is not supported with this model"
    elif effort is not None and effort not in caps.efforts:
        message = f"`reasoning_effort` must be one of {', '.join(caps.efforts)}"
    elif tools:
        message = f"tool type {tools[0]} is not supported with this model"
    elif isinstance(asked, int) and asked > cap:
        message = (
            f"`max_completion_tokens` must be less than or equal to `{cap}`, the maximum value "
            "for `max_completion_tokens` is less than the `context_window` for this model"
        )
    else:
        return None
    return error(400, message, "invalid_request_error", None)


def check_images(body: dict[str, Any], vision: bool) -> web.Response | None:
    """What Groq refuses about images: a blind model, too many, not a data URL, over 4 MB."""
    messages: Messages = body.get("messages", [])
    images = images_of(messages)
    if not images:
        return None
    if not vision:
        first = next(i for i, m in enumerate(messages) if images_of([m]))
        message = f"messages[{first}].content must be a string"
        return error(400, message, "invalid_request_error", None)
    if len(images) > MAX_IMAGES:
        message = f"Too many images provided. This model supports up to {MAX_IMAGES} images"
        return error(400, message, "invalid_request_error", None)
    for url in images:
        if not url.startswith(DATA_URL_PREFIXES):
            return error(400, "invalid image data", "invalid_request_error", None)
        data = url.split(",", 1)[1]
        if len(data) > MAX_BASE64_IMAGE:
            return error(400, "Request Entity Too Large", "invalid_request_error", None)
        base64.b64decode(data, validate=True)
    return None
