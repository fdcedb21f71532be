"""The durable inbox: accepted turns written down until answered, so a crash loses none.

A turn is appended to its chat's stream before the handler returns and deleted once the turn
is over; whichever replica holds the chat's lease reads the stream in order (`after`). The
entry id is the Telegram message id, so a message Telegram delivers twice is taken once. A set
names the chats whose streams may hold turns, so a replica finds the chats a dead one left
behind without scanning the keyspace. Recording a turn can take the chat's lease in the same
step (leases.py `claim`), so the replica that accepts a turn for an idle chat becomes its
holder without a second round trip.

Beside the stream, a hash per chat counts each entry's starts that never wrote the turn's end
(turns.py counts them with the turn's load, and clears them with its end): a turn that kills
its process is not started forever. An entry this release cannot read is returned in its
place as `UnreadableEntry`, so it stops no other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import cast

from redis.asyncio import Redis

from bot.core.chat import ChatKey
from bot.core.fsm import ConversationStates
from bot.core.turn import Turn
from bot.storage.inbox import DurableInbox, Entry, LeaseClaim, Recorded, UnreadableEntry
from bot.storage.redis.client import unavailable_on_error
from bot.storage.redis.keys import RedisKeys

# The chat's FSM state, as aiogram's RedisStorage writes it: only the two scripts below write
# it, each in the step that finds what the chat's inbox holds (docs/architecture.md).
AWAITING = cast(str, ConversationStates.awaiting_reply.state)
IDLE = cast(str, ConversationStates.idle.state)

# A turn accepted, in one atomic step: append it under its message id (a redelivered or older
# id is refused by XADD: report 0, a duplicate, and touch nothing), keep the stream alive, list
# the chat, count what waits. Past the limit the turn is crossed off again at once (its id stays
# taken, so a redelivery is still a duplicate) and no lease is taken for it. Otherwise the
# chat's FSM state (KEYS[3], as aiogram's RedisStorage writes it) becomes awaiting_reply and,
# with a lease key (KEYS[4]), the lease is taken if free (SET NX PX): whoever records a turn for
# a chat nobody holds becomes its holder. Returns {waiting, 1 if the lease was taken else 0}.
_RECORD = """
    local added = redis.pcall('XADD', KEYS[1], ARGV[1], 'turn', ARGV[2])
    if type(added) == 'table' and added.err then
        if string.find(added.err, 'equal or smaller', 1, true) then return {0, 0} end
        return added
    end
    redis.call('EXPIRE', KEYS[1], ARGV[3])
    redis.call('SADD', KEYS[2], ARGV[4])
    local waiting = redis.call('XLEN', KEYS[1])
    if waiting > tonumber(ARGV[5]) then
        redis.call('XDEL', KEYS[1], ARGV[1])
        return {waiting, 0}
    end
    redis.call('SET', KEYS[3], ARGV[6], 'EX', ARGV[3])
    if KEYS[4] and redis.call('SET', KEYS[4], ARGV[7], 'NX', 'PX', ARGV[8]) then
        return {waiting, 1}
    end
    return {waiting, 0}
"""

# The holder's one look at the inbox: cross off what it was offered already (answered or
# dropped; normally crossed off one by one), read what waits after it, and when nothing does,
# unlist the inbox, forget its turns' attempts (KEYS[4]), let the lease go and set the chat's
# state (KEYS[5]) idle, all in one atomic step. A turn recorded meanwhile is
# either read here or finds the lease free and takes the chat up itself. Fenced like a turn's
# end (bot/storage/redis/fence.py): once the lease is not this holder's, nothing is crossed off
# and nil is returned, since the new holder may be answering what this one was offered.
_PULL = """
    if redis.call('GET', KEYS[3]) ~= ARGV[3] then return false end
    redis.call('XTRIM', KEYS[1], 'MINID', ARGV[1])
    local waiting = redis.call('XRANGE', KEYS[1], ARGV[1], '+')
    if #waiting == 0 then
        redis.call('SREM', KEYS[2], ARGV[2])
        redis.call('DEL', KEYS[3], KEYS[4])
        redis.call('SET', KEYS[5], ARGV[4], 'EX', ARGV[5])
    end
    return waiting
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _read(key: ChatKey, entry: bytes | str, fields: Mapping[bytes, bytes]) -> Entry:
    """The entry as a turn, or as `UnreadableEntry` when this release cannot read it: not JSON, a
    field missing or of another shape, a newer schema, or a turn of another chat or message."""
    name = _text(entry)
    message_id = int(name.split("-", 1)[0])
    raw = fields.get(b"turn", b"")
    try:
        turn = Turn.decode(raw)
        if turn.chat_id != key.chat_id or turn.message_id != message_id:
            raise ValueError("the entry names another chat or message")
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        return UnreadableEntry(name, message_id, type(error).__name__, _language(raw))
    return turn


def _language(raw: bytes) -> str | None:
    """The user's language, if an unreadable entry still says it (a newer release's does)."""
    try:
        fields = json.loads(raw)
    except ValueError:
        return None
    code = fields.get("language_code") if isinstance(fields, dict) else None
    return code if isinstance(code, str) else None


def _pairs(fields: list[bytes]) -> dict[bytes, bytes]:
    """An entry's fields as a script returns them: [b"turn", encoded]."""
    return dict(zip(fields[::2], fields[1::2], strict=False))


def entry_id(entry: Entry) -> str:
    """The turn's id in its chat's stream: its message id, so a redelivery is refused."""
    return entry.entry if isinstance(entry, UnreadableEntry) else f"{entry.message_id}-1"


class RedisInbox(DurableInbox):
    def __init__(self, redis: Redis, keys: RedisKeys, *, ttl_seconds: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl_seconds
        self._record = redis.register_script(_RECORD)
        self._pull = redis.register_script(_PULL)

    async def record(
        self, key: ChatKey, turn: Turn, *, limit: int, claim: LeaseClaim | None = None
    ) -> Recorded:
        """Write the turn down unless more than `limit` would wait, and set the chat's state
        to awaiting_reply; with a claim, take the chat's lease in the same round trip if it is
        free and the turn was taken. The state's TTL is the inbox's: both are HISTORY_TTL."""
        keys = [self._keys.inbox(key), self._keys.inboxes, self._keys.chat_fsm(key, "state")]
        args: list[str | int] = [entry_id(turn), turn.encode(), self._ttl, key.scope, limit]
        args.append(AWAITING)
        if claim is not None:
            keys.append(claim.key)
            args += [claim.token, claim.ttl_ms]
        with unavailable_on_error():
            waiting, leased = await self._record(keys=keys, args=args)
        return Recorded(int(waiting), bool(leased))

    async def done(self, key: ChatKey, entries: Sequence[Entry]) -> None:
        """These entries are over (answered, failed with a notice, or dropped)."""
        if entries:
            ids = [entry_id(entry) for entry in entries]
            with unavailable_on_error():
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.xdel(self._keys.inbox(key), *ids)
                    pipe.hdel(self._keys.attempts(key), *ids)
                    await pipe.execute()

    async def after(self, key: ChatKey, message_id: int) -> list[Entry]:
        """The chat's entries not done with a message id above `message_id`, oldest first."""
        with unavailable_on_error():
            entries = await self._redis.xrange(self._keys.inbox(key), min=f"{message_id + 1}-0")
        read = cast(list[tuple[bytes, dict[bytes, bytes]]], entries or [])
        return [_read(key, entry, fields) for entry, fields in read]

    async def pull(self, key: ChatKey, offered: int, lease_token: str) -> list[Entry] | None:
        """The entries after message `offered`, oldest first; with none, the chat is unlisted,
        its lease (held with `lease_token`) released and its state idle, in the same round
        trip. None, having changed nothing, when the lease is not `lease_token`'s any more."""
        with unavailable_on_error():
            entries = await self._pull(
                keys=[
                    self._keys.inbox(key),
                    self._keys.inboxes,
                    self._keys.lease(key),
                    self._keys.attempts(key),
                    self._keys.chat_fsm(key, "state"),
                ],
                args=[f"{offered + 1}-0", key.scope, lease_token, IDLE, self._ttl],
            )
        if entries is None:
            return None
        return [_read(key, entry, _pairs(fields)) for entry, fields in entries]

    async def chats(self) -> list[ChatKey]:
        """The chats that may have turns left (a superset: `pull` prunes it)."""
        with unavailable_on_error():
            members = await self._redis.smembers(self._keys.inboxes)
        return [ChatKey.from_scope(self._keys.bot_id, _text(m)) for m in members]
