"""The in-memory DialogStore: the default, for one process that may forget on restart."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from bot.core.chat import ChatKey
from bot.core.expiring import ExpiringMap
from bot.core.messages import ChatMessage
from bot.storage.base import DialogInfo, DialogStore
from bot.storage.shelf import Facts, newest_first, over_the_limit, set_aside_id


@dataclass(slots=True)
class _Shelf:
    """A chat's dialogs but the current one's messages: which is current, and their facts."""

    current: str = ""
    facts: dict[str, Facts] = field(default_factory=dict)


class MemoryDialogStore(DialogStore):
    """Returns copies, so no caller can change a stored dialog behind the store's back.

    A dialog left alone for `ttl_seconds` is forgotten, as in Redis; every write prunes a few
    of the dialogs gone quiet, so memory follows the active chats, not every chat ever seen.
    """

    def __init__(
        self,
        *,
        max_messages: int,
        ttl_seconds: float,
        max_dialogs: int = 50,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        self._max_messages = max_messages
        self._max_dialogs = max_dialogs
        self._dialogs: ExpiringMap[ChatKey, list[ChatMessage]] = ExpiringMap(
            ttl_seconds, clock=clock
        )
        self._earlier: ExpiringMap[tuple[ChatKey, str], list[ChatMessage]] = ExpiringMap(
            ttl_seconds, clock=clock
        )
        self._shelves: ExpiringMap[ChatKey, _Shelf] = ExpiringMap(ttl_seconds, clock=clock)

    @property
    def size(self) -> int:
        """Dialogs held in memory, quiet ones not pruned yet included."""
        return len(self._dialogs) + len(self._earlier)

    async def load(self, key: ChatKey) -> list[ChatMessage]:
        return list(self._dialogs.get(key) or [])

    async def replace_last(
        self, key: ChatKey, count: int, messages: Sequence[ChatMessage], *, opens: str = ""
    ) -> None:
        kept = [] if opens else self._dialogs.get(key) or []
        del kept[len(kept) - min(count, len(kept)) :]
        kept.extend(messages)
        del kept[: -self._max_messages]
        self._dialogs.set(key, kept)
        shelf = self._shelves.get(key)
        if opens:
            shelf = shelf or _Shelf()
            shelf.facts.pop(shelf.current, None)
            shelf.current = opens
            shelf.facts[opens] = Facts()
        if shelf is not None:
            self._keep(key, shelf)  # the shelf lives as long as its newest dialog

    async def begin(self, key: ChatKey) -> None:
        shelf = self._shelf(key)
        self._set_aside(key, shelf)
        self._keep(key, shelf)

    async def dialogs(self, key: ChatKey) -> list[DialogInfo]:
        shelf = self._shelf(key)
        found = []
        current = self._dialogs.get(key)
        if current:
            found.append(_info(shelf, shelf.current, current, current=True))
        for dialog_id in list(shelf.facts):
            messages = self._earlier.get((key, dialog_id))
            if messages:
                found.append(_info(shelf, dialog_id, messages, current=False))
            elif dialog_id != shelf.current:  # gone quiet for too long
                del shelf.facts[dialog_id]
        return newest_first(found)

    async def resume(self, key: ChatKey, dialog_id: str) -> DialogInfo | None:
        shelf = self._shelf(key)
        messages = self._earlier.pop((key, dialog_id))
        if not messages:
            return None
        self._set_aside(key, shelf)
        self._dialogs.set(key, messages)
        shelf.current = dialog_id
        self._keep(key, shelf)
        return _info(shelf, dialog_id, messages, current=True)

    async def rename(self, key: ChatKey, dialog_id: str, title: str) -> bool:
        if all(d.id != dialog_id for d in await self.dialogs(key)):
            return False
        shelf = self._shelf(key)
        shelf.facts[dialog_id] = replace(shelf.facts.get(dialog_id, Facts()), title=title)
        self._keep(key, shelf)
        return True

    async def delete(self, key: ChatKey, dialog_id: str) -> bool:
        shelf = self._shelf(key)
        if dialog_id == shelf.current:
            found = self._dialogs.pop(key) is not None
            shelf.current = ""
        else:
            found = self._earlier.pop((key, dialog_id)) is not None
        shelf.facts.pop(dialog_id, None)
        self._keep(key, shelf)
        return found

    def _keep(self, key: ChatKey, shelf: _Shelf) -> None:
        """Store the shelf, or forget it once it holds nothing: an idle user costs no more."""
        if shelf.current or shelf.facts:
            self._shelves.set(key, shelf)
        else:
            self._shelves.pop(key)

    def _shelf(self, key: ChatKey) -> _Shelf:
        return self._shelves.get(key) or _Shelf()

    def _set_aside(self, key: ChatKey, shelf: _Shelf) -> None:
        """The current dialog joins the earlier ones (if it has messages); the oldest go."""
        messages = self._dialogs.pop(key)
        if messages:  # unnamed: a history from before dialogs were kept
            aside = set_aside_id(shelf.current)
            facts = shelf.facts.pop(shelf.current, None) or Facts(earlier=not shelf.current)
            shelf.facts[aside] = facts
            self._earlier.set((key, aside), messages)
        else:
            shelf.facts.pop(shelf.current, None)
        shelf.current = ""
        earlier = []
        for dialog_id in shelf.facts:
            kept = self._earlier.get((key, dialog_id))
            if kept:
                earlier.append(_info(shelf, dialog_id, kept, current=False))
        for gone in over_the_limit(earlier, self._max_dialogs):
            self._earlier.pop((key, gone.id))
            del shelf.facts[gone.id]


def _info(
    shelf: _Shelf, dialog_id: str, messages: list[ChatMessage], *, current: bool
) -> DialogInfo:
    facts = shelf.facts.get(dialog_id, Facts(earlier=not dialog_id))
    return DialogInfo(
        id=dialog_id,
        title=facts.title,
        last_at=messages[-1].at,
        messages=len(messages),
        current=current,
        earlier=facts.earlier,
    )
