"""What the fake Groq's model answers: the text a test scripts, with the thinking and the
browser search of the model's family, and the tokens it is billed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.fake_groq_messages import Messages, text_of
from tests.support.fake_groq_models import FAMILIES, family_of


def echo_last_user(messages: Messages) -> str:
    users = [text_of(m["content"]) for m in messages if m.get("role") == "user"]
    return f"reply to: {users[-1] if users else ''}"


def usage_of(body: dict[str, Any], content: str) -> dict[str, int]:
    """Tokens as the fake counts them: 4 characters a token, as the bot estimates too."""
    prompt = sum(len(str(m.get("content", ""))) // 4 for m in body["messages"])
    completion = len(content) // 4
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


@dataclass
class Answer:
    """One answer in Groq's shape: what the model thought, and what of it the client sees."""

    text: str  # the answer, with citation markers when it searched
    thinking: str = ""  # all the model thought, shown or not: it is billed either way
    reasoning: str | None = None  # the thinking in the `reasoning` field (parsed)
    think: str = ""  # the thinking raw in the content: "<think>...</think>" before the text
    executed_tools: list[dict[str, Any]] | None = None

    def usage(self, body: dict[str, Any]) -> dict[str, Any]:
        """Tokens at 4 characters each; the completion counts the thinking too."""
        usage: dict[str, Any] = usage_of(body, self.thinking + self.text)
        if self.thinking:  # a reasoning model's usage: how much of it was thinking
            usage["completion_tokens_details"] = {"reasoning_tokens": len(self.thinking) // 4}
        return usage


class ScriptedAnswers:
    """A mixin of FakeGroq: what a test makes the model say, think and find."""

    def __init__(self) -> None:
        super().__init__()
        self.responder: Callable[[Messages], str] = echo_last_user
        # a reasoning model's thinking: in `reasoning`, raw in <think>, or hidden
        self.thinking: Callable[[Messages], str] = lambda messages: "step one, step two"
        # what gpt-oss's browser_search found: {"title", "url"} each
        self.search_results: list[dict[str, str]] = []

    def _answer(self, body: dict[str, Any], text: str) -> Answer:
        """The answer as the model's family returns it: reasoning and searching included."""
        model = str(body.get("model", ""))
        messages: Messages = body.get("messages", [])
        family = family_of(model)
        answer = Answer(text)
        if family == "gpt-oss":
            answer.thinking = self.thinking(messages)
            if body.get("include_reasoning") is not False:
                answer.reasoning = answer.thinking
        elif family == "qwen3.6" and body.get("reasoning_effort") != "none":
            answer.thinking = self.thinking(messages)
            if body.get("reasoning_format") == "parsed":
                answer.reasoning = answer.thinking
            elif body.get("reasoning_format") != "hidden":  # raw, Qwen's default: in the content
                answer.think = f"<think>{answer.thinking}</think>"
        tools = {t.get("type") for t in body.get("tools") or []}
        if "browser_search" in tools and "browser_search" in FAMILIES[family].tools:
            answer.text += "".join(f" 【{i}†L1-L3】" for i in range(len(self.search_results)))
            answer.executed_tools = [self._search(messages)]
        return answer

    def _search(self, messages: Messages) -> dict[str, Any]:
        """The `executed_tools` entry of a gpt-oss browser search, from `search_results`."""
        users = [text_of(m.get("content", "")) for m in messages if m.get("role") == "user"]
        found = [(r["title"], r["url"]) for r in self.search_results]
        return {
            "index": 0,
            "type": "browser.search",
            "arguments": json.dumps({"query": (users[-1] if users else "")[:50]}),
            "output": "\n".join(f"【{i}†{title}†{url}】" for i, (title, url) in enumerate(found)),
            "search_results": {
                "results": [{"title": t, "url": u, "content": "", "score": 0.9} for t, u in found]
            },
        }
