"""A model's content as it streams, split into the answer and any thinking inside it.

Some models think aloud inside the content (`<think>…</think>`, qwen's raw format, and any
model that ignores the options it was sent), and gpt-oss's browser search marks its
citations in the text (`【2†L6-L10】`). Neither may reach the chat, not even in a draft, so
a tag or marker cut between two chunks is held back until it is whole.
"""

from __future__ import annotations

import re

_OPEN, _CLOSE, _MARK = "<think>", "</think>", "【"
_MARK_LIMIT = 40  # a citation marker is short; a longer bracketed run is text
_MARKER = re.compile(r"【\d+†[^】\n]{0,30}】")


def _held(text: str, tag: str) -> int:
    """How many characters at the end of `text` could be the start of `tag`."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ContentSplitter:
    """Feed each content piece; get back the answer's and the thinking's new text."""

    def __init__(self) -> None:
        self._pending = ""
        self._thinking = False

    def feed(self, text: str) -> tuple[str, str]:
        data, self._pending = self._pending + text, ""
        answer: list[str] = []
        thinking: list[str] = []
        at = 0
        while at < len(data):
            if self._thinking:
                end = data.find(_CLOSE, at)
                if end < 0:
                    keep = len(data) - _held(data[at:], _CLOSE)
                    thinking.append(data[at:keep])
                    self._pending = data[keep:]
                    break
                thinking.append(data[at:end])
                at, self._thinking = end + len(_CLOSE), False
                continue
            at = self._answer_part(data, at, answer)
            if at < 0:
                break
        return "".join(answer), "".join(thinking)

    def _answer_part(self, data: str, at: int, answer: list[str]) -> int:
        """Take answer text from `at` up to the next tag or marker; -1 when held back."""
        think, mark = data.find(_OPEN, at), data.find(_MARK, at)
        found = [p for p in (think, mark) if p >= 0]
        if not found:
            keep = len(data) - _held(data[at:], _OPEN)
            answer.append(data[at:keep])
            self._pending = data[keep:]
            return -1
        nearest = min(found)
        answer.append(data[at:nearest])
        if nearest == think:
            self._thinking = True
            return think + len(_OPEN)
        close = data.find("】", mark)
        if close < 0 and len(data) - mark <= _MARK_LIMIT:
            self._pending = data[mark:]  # perhaps a marker, still arriving
            return -1
        if close >= 0 and _MARKER.fullmatch(data, mark, close + 1):
            return close + 1
        answer.append(_MARK)  # a bracket of the text itself
        return mark + 1

    def flush(self) -> tuple[str, str]:
        """What was held back, once the content has ended."""
        rest, self._pending = self._pending, ""
        return ("", rest) if self._thinking else (rest, "")


def split_content(text: str) -> tuple[str, str]:
    """A whole content's answer and thinking."""
    splitter = ContentSplitter()
    answer, thinking = splitter.feed(text)
    more_answer, more_thinking = splitter.flush()
    return answer + more_answer, thinking + more_thinking
