"""The answers the streaming tests have the fake Groq stream: one message long, and three.

Shared by the tests of the stream's shape, of its failures and of the typing indicator."""

from __future__ import annotations

ANSWER = "**Streaming** works: " + " ".join(f"word{n}" for n in range(60)) + " `done`"
# About 10 000 characters in paragraphs: three Telegram messages.
LONG = "**A long answer** follows.\n\n" + "\n\n".join(
    " ".join(f"word{p}x{n}" for n in range(80)) for p in range(14)
)
