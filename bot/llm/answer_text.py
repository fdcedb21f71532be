"""A model's content as it streams, split into the answer and any thinking inside it.

Some models think aloud inside the content (`<think>…</think>`, qwen's raw format, and any
model that ignores the options it was sent), and gpt-oss's browser search marks its
citations in the text (`【2†L6-L10】`). Neither may reach the chat, not even in a draft, so
a tag or marker cut between two chunks is held back until it is whole.
"""

from __future__ import annotations

import re

_OPEN, _CLOSE, _MARK = "<think>", "</think>", "【"
_MARKER = re.compile(r"【\d{1,4}†[^】\n<]{0,30}】")  # at most 37 characters
_MARKER_START = re.compile(r"【\d{0,4}(?:†[^】\n<]{0,30})?")  # what may still become one


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
        """Take answer text from `at` up to the next tag or marker; -1 when held back. A
        closing tag alone (a template that opened the thinking in the prompt) is dropped."""
        found = [p for p in (data.find(t, at) for t in (_OPEN, _CLOSE, _MARK)) if p >= 0]
        if not found:
            keep = len(data) - max(_held(data[at:], _OPEN), _held(data[at:], _CLOSE))
            answer.append(data[at:keep])
            self._pending = data[keep:]
            return -1
        nearest = min(found)
        answer.append(data[at:nearest])
        if data.startswith(_OPEN, nearest):
            self._thinking = True
            return nearest + len(_OPEN)
        if data.startswith(_CLOSE, nearest):
            return nearest + len(_CLOSE)
        whole = _MARKER.match(data, nearest)
        if whole is not None:
            return whole.end()
        start = _MARKER_START.match(data, nearest)
        if start is not None and start.end() == len(data):
            self._pending = data[nearest:]  # perhaps a marker, still arriving
            return -1
        answer.append(_MARK)  # a bracket of the text itself
        return nearest + 1

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
