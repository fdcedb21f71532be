"""The ChatModel that survives Groq's retirements: every call goes to a live model.

A decorator on the ChatModel port, outermost: it picks the model that answers a request (the
chat's, or its stand-in when that one is retired, cannot see the request's images or cannot
search), and when Groq answers that a model is gone (`model_decommissioned`,
`model_not_found`) before any of the answer came, it retires that model for every replica
and makes the same call at once on the stand-in. The answer then says, in one line, which
model was retired and which answered (docs/architecture.md, "Models").
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

from bot.core.errors import ModelError, ModelErrorKind
from bot.llm.catalog import ModelCatalog
from bot.llm.port import ChatModel, Delta, HeadersSeen, ModelRequest, Reply


class LiveModel(ChatModel):
    def __init__(self, inner: ChatModel, catalog: ModelCatalog) -> None:
        self._inner = inner
        self._catalog = catalog

    def watch_limits(self, seen: HeadersSeen) -> None:
        self._inner.watch_limits(seen)

    async def complete(self, request: ModelRequest) -> Reply:
        routed = await self._route(request)
        retired = ""
        while True:
            try:
                reply = await self._inner.complete(routed)
            except ModelError as error:
                routed = await self._instead(error, routed)
                retired = retired or error.model
                continue
            if not retired:
                return reply
            return replace(reply, retired=retired, served_by=routed.settings.model)

    async def stream(self, request: ModelRequest) -> AsyncIterator[Delta]:
        routed = await self._route(request)
        retired = ""
        while True:
            started = False
            try:
                async for delta in self._inner.stream(routed):
                    started = True
                    yield delta
            except ModelError as error:
                if started:
                    raise
                routed = await self._instead(error, routed)
                retired = retired or error.model
                continue
            if retired:
                yield Delta(retired=retired, served_by=routed.settings.model)
            return

    async def _route(self, request: ModelRequest) -> ModelRequest:
        """The request on the model that should answer it now."""
        await self._catalog.refresh()
        chosen = request.settings
        wanted = chosen.model or self._catalog.configured.chat
        return request.on(
            self._catalog.choose(wanted, vision=bool(request.images), search=chosen.search)
        )

    async def _instead(self, error: ModelError, routed: ModelRequest) -> ModelRequest:
        """The request again on a stand-in, when `error` says its model is retired; else
        the error stands (as it does when no live model is left)."""
        model = routed.settings.model
        if error.kind is not ModelErrorKind.MODEL_RETIRED or not model:
            raise error
        stand_in = await self._catalog.retire(
            model, vision=bool(routed.images), search=routed.settings.search
        )
        if stand_in is None:
            raise error
        return routed.on(stand_in)

    async def aclose(self) -> None:
        await self._inner.aclose()
