"""The tokens of running turns, until their end writes them with the turn (bot/storage/base.py,
TurnStorage); the day's counts themselves are the UsageStore's."""

from __future__ import annotations


class Tally:
    """Tokens the model calls of running turns used, until their turn's end records them."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[int, int], int] = {}

    def add(self, chat_id: int, user_id: int, tokens: int) -> None:
        key = (chat_id, user_id)
        self._tokens[key] = self._tokens.get(key, 0) + tokens

    def take(self, chat_id: int, user_id: int) -> int:
        return self._tokens.pop((chat_id, user_id), 0)
