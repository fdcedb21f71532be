"""Rendering stays linear in the answer's length, whatever the model writes (issue #22).

Rendering runs on the event loop at every preview update and again at delivery, so an answer
that makes it superlinear freezes every chat. The check is relative, never an absolute time:
an answer of n characters may cost at most `RATIO` times what a plain answer of the same
length costs (what a preview update does with it: render and split), both measured here, now,
as this thread's CPU time, so other processes on the machine barely count. `RATIO` is set so
that on the development machine (2 cores, Python 3.11) the bound is about 5 ms per 1,000
characters; the densest Markdown found there costs about 13 times the plain text, while a
superlinear shape costs hundreds or thousands of times it at 10,000 characters (the old
code-span regex: 142 ms for one letter and 400 backticks, against a bound of 5 ms), so it
fails however the machine is loaded, and a slow moment is measured again before it counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.delivery.rendering import render
from bot.delivery.splitting import visible_parts

RATIO = 28  # plain prose costs about 180 µs per 1,000 characters here: 28 × that ≈ 5 ms
RUNS = 3  # the best of three runs: a pause of the machine is not the renderer's
ATTEMPTS = 3  # a shape over the bound is measured again, with its baseline, before it fails
MAX_CHARS = 10_000

# What Markdown is made of, and what the converter treats specially; hostile shapes repeat one.
TOKENS = [
    "`", "``", "```", "~~~", "<", "<b>", "*", "**", "_", "__", "~", "~~", "\n", "\n\n", " ",
    "\t", "a", "word ", "1", "> ", ">", "- ", "+ ", "1. ", "#", "# ", "|", "||", "$", "$$",
    "\\(", "\\)", "\\[", "\\", "[", "](", ")", "{", "}", "\\frac{", "!", "=", "-",
]  # fmt: skip
SOUP = st.text(alphabet=st.sampled_from("`<*_~\n\n a>-|$\\[](){}#"), max_size=MAX_CHARS)
MOTIF = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=5).map("".join)


@st.composite
def hostile(draw: st.DrawFn) -> str:
    """Runs of a few tokens repeated, as a model would when asked to (or when looping)."""
    pieces = draw(st.lists(st.tuples(MOTIF, st.integers(1, MAX_CHARS)), min_size=1, max_size=4))
    text = "".join((motif * (length // len(motif) + 1))[:length] for motif, length in pieces)
    return text[:MAX_CHARS]


def preview_work(markdown: str) -> None:
    """What a preview update does with the answer so far (bot/delivery/streaming.py)."""
    rendered = render(markdown)
    visible_parts(rendered.text, rendered.entities)


def plain(length: int) -> str:
    """Prose of exactly `length` characters: words, lines and paragraphs, no markup."""
    line = "the quick brown fox jumps over the lazy dog and then it rests a while\n"
    paragraph = line * 5 + "\n"
    return (paragraph * (length // len(paragraph) + 1))[:length]


def best_time(work: Callable[[str], None], markdown: str) -> float:
    best = float("inf")
    for _ in range(RUNS):
        start = time.thread_time()
        work(markdown)
        best = min(best, time.thread_time() - start)
    return best


def assert_linear(markdown: str) -> None:
    baseline_text = plain(max(len(markdown), 1_000))  # a floor: tiny texts cost their overhead
    for _ in range(ATTEMPTS):
        spent = best_time(preview_work, markdown)
        bound = RATIO * best_time(preview_work, baseline_text)
        if spent <= bound:
            return
    raise AssertionError(
        f"{len(markdown)} characters took {spent * 1000:.1f} ms, over {bound * 1000:.1f} ms "
        f"({RATIO} x plain text of that length); starts {markdown[:60]!r}"
    )


@settings(max_examples=60, deadline=None)
@given(st.one_of(SOUP, hostile()))
@example("a" + "`" * 400)  # the old code-span regex: about N^3/6 steps
@example("a" + "`" * 3_000)
@example("`" * 10_000)
@example("".join("`" * n + "x" for n in range(1, 140)))  # runs of every length, none closed
@example("||a\n" + "> " * 30 + "x||")  # the converter's spoiler edges: exponential
@example("||a" + "\n" * 5_000 + "x||")
@example("\\(" * 5_000)  # the converter's LaTeX regex: quadratic in unclosed openers
@example("\\[" * 5_000)
@example("$$" * 5_000)  # empty display math: its walker rescans them all, quadratic
@example("```\n```\n" * 1_250)  # empty code blocks: the same
@example("~~~\n" * 2_500)
@example("$\\alpha$ " * 1_100)  # a LaTeX conversion per formula, each costly
@example("\\(" + "\\frac{" * 1_600 + "\\)")  # nested braces: superlinear in the depth
@example("> " * 5_000)  # nested containers
@example("1. " * 3_333)
@example(" >-" * 3_333)
@example("_~" * 5_000)
@example("<" * 10_000)
@example("#\n" * 5_000)
def test_rendering_is_linear_in_the_answer(markdown: str) -> None:
    assert_linear(markdown)
