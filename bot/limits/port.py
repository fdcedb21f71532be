"""The RateLimiter port: may this user's message go on? Counted where the replicas share."""

from __future__ import annotations

from abc import ABC, abstractmethod


class RateLimiter(ABC):
    """At most `limit` admitted messages per user in any sliding `window` of seconds."""

    @abstractmethod
    async def admit(self, user_id: int) -> bool:
        """Count the message and say yes, or say no (a refused message is not counted)."""
