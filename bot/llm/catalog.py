"""The models Groq serves now, what each can do, and which one answers a request.

Groq adds and retires models every month, so the list is never hard-coded: it is asked
(`GET /openai/v1/models`, with each model's context window and completion limit) and kept
for a while; what a model can do comes from its family (bot/llm/families.py). A model Groq
stops serving mid-run is retired here, for every replica (bot/storage/base.py), and requests
go to a live one of the same kind (docs/architecture.md, "Models").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import groq
from groq import AsyncGroq
from loguru import logger

from bot.core.errors import ModelError, StorageUnavailable
from bot.core.trimming import Budget
from bot.llm.families import Kind, Reasoning, family_of
from bot.llm.groq_errors import map_error
from bot.storage.base import RetiredModels

CATALOG_TTL = 600.0  # seconds a fetched list is trusted
FAILURE_TTL = 30.0  # seconds a failed fetch is remembered: Groq down is not asked every turn
RETIRED_TTL = 30.0  # seconds before another replica's retirements are read again
ANSWER_TOKENS = 4096  # MAX_ANSWER_TOKENS' default: four Telegram messages of text
THINKING_TOKENS = 8192  # the room a reasoning model has to think before it answers


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What Groq's list says of one model; 0 where it says nothing."""

    id: str
    context_window: int = 0
    max_completion_tokens: int = 0


@dataclass(frozen=True, slots=True)
class ConfiguredModels:
    """The operator's choices (the settings of the same names): a retired one's stand-ins,
    the models chats may pick, and the room for an answer."""

    chat: str  # GROQ_MODEL
    vision: str  # VISION_MODEL
    transcription: str  # TRANSCRIPTION_MODEL
    fallback: str | None = None  # FALLBACK_MODEL
    allowed: frozenset[str] = frozenset()  # CHAT_MODELS: empty, every chat model Groq lists
    answer_tokens: int = ANSWER_TOKENS  # MAX_ANSWER_TOKENS

    def allows(self, model: str) -> bool:
        """Whether CHAT_MODELS lets a chat's answer come from `model`."""
        return not self.allowed or model in self.allowed

    def by_variable(self) -> dict[str, tuple[str, Kind]]:
        named = {
            "GROQ_MODEL": (self.chat, Kind.CHAT),
            "VISION_MODEL": (self.vision, Kind.CHAT),
            "TRANSCRIPTION_MODEL": (self.transcription, Kind.TRANSCRIPTION),
        }
        if self.fallback:
            named["FALLBACK_MODEL"] = (self.fallback, Kind.CHAT)
        return named


class ModelCatalog:
    """Groq's live models, refreshed at most every `ttl` s; retirements shared by replicas."""

    def __init__(
        self,
        client: AsyncGroq,
        configured: ConfiguredModels,
        retired: RetiredModels,
        *,
        ttl: float = CATALOG_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.configured = configured
        self._retired_store = retired
        self._ttl = ttl
        self._clock = clock
        self._listed: dict[str, ModelInfo] | None = None  # None: never read
        self._fetched_at = -float("inf")
        self._failure: tuple[float, ModelError] | None = None
        self._retired: set[str] = set()
        self._retired_read_at = -float("inf")
        self._lock = asyncio.Lock()
        # (model, its stand-in or "", first to retire it): metrics and the admins' message
        self.on_retired: Callable[[str, str, bool], None] = lambda *_: None

    async def chat_models(self) -> list[str]:
        """The chat models a chat may pick (no tool system, speech or safety model; only those
        of CHAT_MODELS when set), sorted; `ModelError` when Groq cannot be asked and nothing
        is kept."""
        await self._refresh()
        if self._listed is None:
            assert self._failure is not None
            raise self._failure[1]
        chat = (m for m in self._live() if family_of(m).kind is Kind.CHAT)
        return sorted(m for m in chat if self.configured.allows(m))

    async def offers(self, model: str) -> bool | None:
        """Whether a chat may use the model now: CHAT_MODELS allows it and Groq serves it;
        None when Groq's list cannot be told (Groq down)."""
        await self._refresh()
        if model in self._retired or not self.configured.allows(model):
            return False
        return None if self._listed is None else model in self._listed

    async def refresh(self) -> None:
        """Bring the list and the retirements up to date if they are old; never raises."""
        await self._refresh()

    async def _refresh(self) -> None:
        async with self._lock:
            now = self._clock()
            if now - self._retired_read_at >= RETIRED_TTL:
                await self._read_retired(now)
            failed_lately = self._failure is not None and now - self._failure[0] < FAILURE_TTL
            if now - self._fetched_at < self._ttl or failed_lately:
                return
            try:
                listed = await self._client.models.list()
            except groq.GroqError as error:
                self._failure = (now, map_error(error))
                if self._listed is not None:  # an old list beats none
                    logger.warning("model list not refreshed: {}", self._failure[1])
                return
            self._listed = {m.id: _info(m) for m in listed.data if _active(m)}
            self._fetched_at, self._failure = now, None

    async def _read_retired(self, now: float) -> None:
        try:
            self._retired |= await self._retired_store.all()
        except StorageUnavailable as error:
            logger.warning("retired models not read: {}", error)
        self._retired_read_at = now

    async def retire(
        self, model: str, *, vision: bool = False, search: bool = False
    ) -> str | None:
        """Stop using `model` here and on every replica; its live stand-in for a request
        that needs `vision` or `search`, if there is one. `on_retired` hears of it with
        whether this replica was the first (which tells the admins)."""
        self._retired.add(model)
        try:
            first = await self._retired_store.add(model)
        except StorageUnavailable as error:
            logger.warning("model {} retired here only: {}", model, error)
            first = True
        if family_of(model).kind is Kind.TRANSCRIPTION:
            stand_in = self.transcription_model(model)
        else:
            stand_in = self.choose(model, vision=vision, search=search)
        found = stand_in if stand_in != model else None
        logger.error("model {} retired by Groq; {} answers instead", model, found or "no model")
        self.on_retired(model, found or "", first)
        return found

    def is_live(self, model: str) -> bool:
        """Not retired, and listed (when the list could be read)."""
        return model not in self._retired and (self._listed is None or model in self._listed)

    def choose(self, wanted: str, *, vision: bool = False, search: bool = False) -> str:
        """`wanted` if it is live and can do what the request needs; else its stand-in: the
        operator's model for that need, the fallback, then the best live one. Images are a
        must (a blind model refuses them); search is dropped when no live model searches."""
        for needs_search in (search, False) if search else (False,):
            if self._fits(wanted, vision, needs_search):
                return wanted
            stand_in = self._stand_in(vision, needs_search, Kind.CHAT)
            if stand_in is not None:
                return stand_in
        return wanted

    def transcription_model(self, wanted: str) -> str:
        """`wanted` while it is live, else the best live transcription model."""
        if self.is_live(wanted):
            return wanted
        return self._stand_in(False, False, Kind.TRANSCRIPTION) or wanted

    def _fits(self, model: str, vision: bool, search: bool) -> bool:
        family = family_of(model)
        return (
            self.is_live(model)
            and family.kind in (Kind.CHAT, Kind.SYSTEM)
            and self.configured.allows(model)
            and (family.vision or not vision)
            and (family.searches or not search)
        )

    def _stand_in(self, vision: bool, search: bool, kind: Kind) -> str | None:
        configured = self.configured
        if kind is Kind.TRANSCRIPTION:
            first: list[str] = [configured.transcription]
        else:
            first = [configured.vision] if vision else []
            first += [configured.chat, *([configured.fallback] if configured.fallback else [])]
        for model in [*first, *self._ranked(kind, search)]:
            family = family_of(model)
            if kind is Kind.TRANSCRIPTION and family.kind is kind and self.is_live(model):
                return model
            if kind is not Kind.TRANSCRIPTION and self._fits(model, vision, search):
                return model
        return None

    def _ranked(self, kind: Kind, search: bool) -> list[str]:
        """The live models of a kind, best first; tool systems only for search turns."""
        kinds = {kind, Kind.SYSTEM} if search else {kind}
        live = [m for m in self._live() if family_of(m).kind in kinds]
        if kind is not Kind.TRANSCRIPTION:
            live = [m for m in live if self.configured.allows(m)]
        return sorted(live, key=lambda m: (family_of(m).rank, -self._info(m).context_window, m))

    def _live(self) -> Iterable[str]:
        return (m for m in self._listed or {} if m not in self._retired)

    def _info(self, model: str) -> ModelInfo:
        return (self._listed or {}).get(model) or ModelInfo(model)

    def completion_tokens(self, model: str) -> int:
        """`max_completion_tokens` for a call: an answer's room, and a reasoning model's room
        to think before it, within what Groq allows the model."""
        wanted = self.configured.answer_tokens
        if family_of(model).reasoning is not Reasoning.NONE:
            wanted += THINKING_TOKENS
        info = self._info(model)
        limits = [n for n in (info.max_completion_tokens, info.context_window // 2) if n]
        return min([wanted, *limits])

    def history_budget(self, model: str, configured: Budget) -> Budget:
        """HISTORY_MAX_TOKENS, or less where the model's context would not hold it beside the
        answer's room (at most half the window)."""
        window = self._info(model).context_window
        if not window:
            return configured
        room = window - self.completion_tokens(model)
        return Budget(min(configured.max_tokens, room), configured.max_messages)

    async def unserved(self) -> str | None:
        """At start: one line naming the first configured model Groq does not serve, and
        the live ones that could replace it; None when all are served or the list cannot be
        read (then a warning is logged and the bot starts anyway)."""
        await self._refresh()
        if self._listed is None:
            logger.warning("Groq's model list could not be read; the models were not checked")
            return None
        for variable, (model, kind) in self.configured.by_variable().items():
            if model not in self._listed:
                vision = variable == "VISION_MODEL"
                live = [m for m in self._ranked(kind, False) if self._fits_start(m, vision)]
                return (
                    f"{variable}={model} is not served by Groq (retired or unknown); "
                    f"live models that could replace it: {', '.join(live) or 'none'}"
                )
        return None

    def _fits_start(self, model: str, vision: bool) -> bool:
        return family_of(model).vision or not vision

    async def aclose(self) -> None:
        await self._client.close()


def _active(model: object) -> bool:
    return getattr(model, "active", True) is not False


def _info(model: object) -> ModelInfo:
    """Groq's list has `context_window` and `max_completion_tokens` beyond OpenAI's fields."""

    def number(name: str) -> int:
        value = getattr(model, name, None)
        return value if isinstance(value, int) and value > 0 else 0

    return ModelInfo(
        str(getattr(model, "id", "")), number("context_window"), number("max_completion_tokens")
    )
