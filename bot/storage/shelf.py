"""What both dialog stores decide alike: a dialog's facts between writes, which earlier
dialogs go when a chat has too many, and the listing's order (bot/storage/base.py,
DialogStore). Pure: the adapters keep the data, each in its own technology."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from bot.storage.base import DialogInfo

EARLIER = "earlier"  # the id a history kept from before dialogs gets when it is put aside


@dataclass(frozen=True, slots=True)
class Facts:
    """What a dialog keeps besides its messages."""

    title: str = ""
    earlier: bool = False

    def encode(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def decode(cls, raw: bytes | str) -> Facts:
        """Unknown fields (a newer release's) are ignored."""
        value = json.loads(raw)
        return cls(title=str(value.get("title", "")), earlier=bool(value.get("earlier", False)))


def set_aside_id(current: str) -> str:
    """The id the current dialog is kept under once another takes its place."""
    return current or EARLIER


def newest_first(dialogs: Iterable[DialogInfo]) -> list[DialogInfo]:
    return sorted(dialogs, key=lambda d: (d.current, d.last_at), reverse=True)


def over_the_limit(earlier: Iterable[DialogInfo], max_dialogs: int) -> list[DialogInfo]:
    """The earlier dialogs to forget so that, with the current one, `max_dialogs` remain:
    the ones written to least recently."""
    kept = max(max_dialogs - 1, 0)
    ordered = sorted(earlier, key=lambda d: d.last_at, reverse=True)
    return ordered[kept:]
