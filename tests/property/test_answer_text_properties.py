"""Hypothesis proofs that a streamed content splits as the whole one does: however Groq cuts
it into chunks, no thinking and no citation marker ever reaches the answer, not even a draft."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.llm.groq import ContentSplitter, split_content

# Answer text has neither "<" nor "【" (they would start a tag or a marker); ">", "/", "】",
# "†" and digits stay, to look like the ends of tags and markers.
ANSWER = st.text(alphabet=st.sampled_from("ab c\nЖ😀>/】†L-19"), max_size=12)
# Thinking may hold anything but its own end: partial tags, "<think>" again, markers.
THINKING = st.text(alphabet=st.sampled_from("ab <>/thinkc【】†1\n"), max_size=16).filter(
    lambda t: "</think>" not in t
)
# gpt-oss browser search's citations, as "【12†L3-L9】"
MARKER = st.builds(
    lambda n, where: f"【{n}†{where}】",
    st.integers(0, 999),
    st.text(alphabet=st.sampled_from("L0123456789-:ab "), max_size=12),
)
PIECE = st.one_of(
    ANSWER.map(lambda t: ("answer", t)),
    THINKING.map(lambda t: ("thinking", t)),
    MARKER.map(lambda t: ("marker", t)),
)


@st.composite
def content(draw: st.DrawFn) -> tuple[str, str, str]:
    """(the whole content, the answer in it, the thinking in it)."""
    text, answer, thinking = "", "", ""
    for kind, piece in draw(st.lists(PIECE, max_size=8)):
        if kind == "thinking":
            text, thinking = text + f"<think>{piece}</think>", thinking + piece
        else:
            text += piece
            answer += piece if kind == "answer" else ""
    return text, answer, thinking


@st.composite
def chunked(draw: st.DrawFn, text: str) -> list[str]:
    """`text` cut at any points, as a stream's deltas (an empty one included)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=10)))
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def fed(chunks: list[str]) -> tuple[list[str], list[str]]:
    """What a stream's drafts show: each feed's answer and thinking, then the flush's."""
    splitter = ContentSplitter()
    answers, thoughts = [], []
    for chunk in [*chunks, None]:
        answer, thinking = splitter.feed(chunk) if chunk is not None else splitter.flush()
        answers.append(answer)
        thoughts.append(thinking)
    return answers, thoughts


@given(st.data())
def test_any_chunking_splits_as_the_whole_content(data: st.DataObject) -> None:
    text, answer, thinking = data.draw(content())
    answers, thoughts = fed(data.draw(chunked(text)))
    assert split_content(text) == (answer, thinking)
    assert ("".join(answers), "".join(thoughts)) == (answer, thinking)


@given(st.data())
def test_no_draft_shows_a_tag_or_a_marker(data: st.DataObject) -> None:
    """Each piece shown, and the text so far, are free of them (a draft shows the prefix)."""
    text, _, _ = data.draw(content())
    answers, _ = fed(data.draw(chunked(text)))
    for end in range(1, len(answers) + 1):
        shown = "".join(answers[:end])
        assert "<think>" not in shown and "</think>" not in shown
        assert "【" not in shown


@given(st.data())
def test_plain_text_passes_through_at_once(data: st.DataObject) -> None:
    """No "<" and no "【": nothing can be a tag or a marker, so nothing is held back."""
    text = data.draw(st.text().filter(lambda t: "<" not in t and "【" not in t))
    chunks = data.draw(chunked(text))
    answers, thoughts = fed(chunks)
    assert answers == [*chunks, ""]
    assert "".join(thoughts) == ""


def test_a_bracket_that_is_no_marker_is_kept() -> None:
    assert split_content("see 【the note】 here") == ("see 【the note】 here", "")
    assert split_content("open 【 at the end") == ("open 【 at the end", "")
    assert split_content("【1†x\ny】") == ("【1†x\ny】", "")  # a marker has no line break
    splitter = ContentSplitter()
    assert splitter.feed("a 【") == ("a ", "")  # perhaps a marker: held
    assert splitter.feed("no") == ("【no", "")  # a marker starts with digits: text at once
    assert splitter.feed("te】 b") == ("te】 b", "")


def test_a_think_block_after_an_open_bracket_is_still_thinking() -> None:
    assert split_content("a【<think>t</think>b") == ("a【b", "t")
    assert split_content("【1†L<think>x</think>") == ("【1†L", "x")


def test_a_long_marker_cut_between_chunks_is_text_as_it_is_whole() -> None:
    text = "ans " + "【" + "1" * 9 + "†" + "x" * 30 + "】" + " end"
    splitter = ContentSplitter()
    cut = [splitter.feed(text[:45]), splitter.feed(text[45:]), splitter.flush()]
    assert "".join(a for a, _ in cut) == split_content(text)[0] == text


def test_a_closing_tag_alone_never_shows() -> None:
    assert split_content("hm</think>answer") == ("hmanswer", "")
    splitter = ContentSplitter()
    assert splitter.feed("hm</thi") == ("hm", "")
    assert splitter.feed("nk>answer") == ("answer", "")


def test_a_marker_cut_between_chunks_is_dropped() -> None:
    splitter = ContentSplitter()
    assert splitter.feed("x 【12†L") == ("x ", "")
    assert splitter.feed("3-L9】 y") == (" y", "")
    assert splitter.flush() == ("", "")


def test_a_partial_tag_at_the_end_of_the_stream_is_answer_text() -> None:
    splitter = ContentSplitter()
    assert splitter.feed("x<thi") == ("x", "")
    assert splitter.flush() == ("<thi", "")


def test_a_tag_cut_between_chunks_is_still_a_tag() -> None:
    splitter = ContentSplitter()
    assert [splitter.feed(c) for c in ("<thi", "nk>hm</", "think>ok")] == [
        ("", ""),
        ("", "hm"),
        ("ok", ""),
    ]


def test_thinking_left_open_is_thinking() -> None:
    splitter = ContentSplitter()
    assert splitter.feed("<think>still going</thi") == ("", "still going")
    assert splitter.flush() == ("", "</thi")
