"""An answer as the fake Groq sends it: one `chat.completion` body, or a stream of
`chat.completion.chunk` events in Groq's order (role and tools, reasoning, then content)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

from aiohttp import web

from tests.support.fake_groq_answers import Answer


def _split(text: str, parts: int) -> list[str]:
    """`text` in at most `parts` pieces of equal size (none for an empty text)."""
    size = max(1, -(-len(text) // parts))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _think_pieces(think: str) -> list[str]:
    """A raw "<think>...</think>" block cut mid-tag, as Groq's tokens cut it: "<thi", "nk>..."."""
    if not think:
        return []
    middle = (len(think) + 1) // 2
    cuts = [0, 4, middle, len(think) - 4, len(think)]
    return [think[a:b] for a, b in itertools.pairwise(cuts) if a < b]


class CompletionFormats:
    """A mixin of FakeGroq: how answers are written out, and how a stream is paced; the host
    supplies `_ids` (the ids of its answers)."""

    _ids: itertools.count[int]  # the host's: one count for every id it gives

    def __init__(self) -> None:
        super().__init__()
        self.chunk_delay = 0.0  # seconds between streamed chunks
        self.chunks = 4  # how many pieces a streamed answer comes in
        self.streams_cut = 0  # streams the client closed before the end

    def _completion(self, body: dict[str, Any], answer: Answer) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": answer.think + answer.text}
        if answer.reasoning is not None:
            message["reasoning"] = answer.reasoning
        if answer.executed_tools is not None:
            message["executed_tools"] = answer.executed_tools
        return {
            "id": f"chatcmpl-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [
                {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
            ],
            "usage": answer.usage(body),
        }

    async def _stream(
        self, request: web.Request, body: dict[str, Any], answer: Answer, headers: dict[str, str]
    ) -> web.StreamResponse:
        """Groq's order: the role (and tools run), the reasoning, then the content."""
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", **headers})
        await response.prepare(request)
        chunk_id = f"chatcmpl-{next(self._ids)}"

        def event(delta: dict[str, Any], finish: str | None = None, **more: Any) -> bytes:
            chunk = {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                **more,
            }
            return f"data: {json.dumps(chunk)}\n\n".encode()

        first: dict[str, Any] = {"role": "assistant", "content": ""}
        if answer.executed_tools is not None:
            first["executed_tools"] = answer.executed_tools
        deltas = [{"reasoning": p} for p in _split(answer.reasoning or "", 2)]
        deltas += [{"content": p} for p in _think_pieces(answer.think)]
        deltas += [{"content": p} for p in _split(answer.text, self.chunks) or [""]]
        try:
            await response.write(event(first))
            for delta in deltas:
                await response.write(event(delta))
                if self.chunk_delay:
                    await asyncio.sleep(self.chunk_delay)
        except ConnectionResetError:
            self.streams_cut += 1  # the client stopped reading: the answer was stopped
            return response
        usage = answer.usage(body)
        final = event({}, "stop", x_groq={"id": f"req_{chunk_id}", "usage": usage})
        await response.write(final + b"data: [DONE]\n\n")
        await response.write_eof()
        return response
