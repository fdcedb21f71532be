"""Golden tests of rendering model Markdown into Telegram text + entities."""

from __future__ import annotations

from bot.delivery.rendering import Rendered, render
from bot.delivery.splitting import utf16_len


def shape(markdown: str) -> tuple[str, list[tuple[str, str]]]:
    """The text, and each entity as (type, the text it covers)."""
    rendered = render(markdown)
    units = rendered.text.encode("utf-16-le")
    covered = [
        (e.type, units[2 * e.offset : 2 * (e.offset + e.length)].decode("utf-16-le"))
        for e in rendered.entities
    ]
    return rendered.text, sorted(covered)


def test_basic_styles() -> None:
    assert shape("**bold**, *italic*, ~~gone~~, `code`") == (
        "bold, italic, gone, code",
        [("bold", "bold"), ("code", "code"), ("italic", "italic"), ("strikethrough", "gone")],
    )


def test_nested_styles() -> None:
    assert shape("**bold _and italic_ inside**") == (
        "bold and italic inside",
        [("bold", "bold and italic inside"), ("italic", "and italic")],
    )


def test_unclosed_markers_stay_as_text() -> None:
    assert shape("**never closed and snake_case_name") == (
        "**never closed and snake_case_name",
        [],
    )


def test_html_special_characters_are_kept_literally() -> None:
    text, entities = shape("if a < b && c > d, use <div> & AT&T's <b>tags</b>")
    assert text == "if a < b && c > d, use <div> & AT&T's <b>tags</b>"
    assert entities == []


def test_code_block_with_language_and_backticks_inside() -> None:
    markdown = "Run:\n\n````python\nprint('```')\nx = `y`\n````\n\nDone."
    text, entities = shape(markdown)
    assert "print('```')\nx = `y`" in text
    assert ("pre", "print('```')\nx = `y`") in entities
    pre = next(e for e in render(markdown).entities if e.type == "pre")
    assert pre.language == "python"


def test_links_headings_lists_and_quotes() -> None:
    text, entities = shape("# Title\n\n- one\n- two\n\n> quoted\n\n[site](https://example.org)")
    assert "Title" in text and "one" in text and "two" in text and "quoted" in text
    assert ("blockquote", "quoted") in entities
    assert ("text_link", "site") in entities
    assert any(kind == "bold" and "Title" in covered for kind, covered in entities)


def test_emoji_and_astral_characters_shift_offsets_in_utf16() -> None:
    rendered = render("😀😀 **bold** 🇷🇺 `x`")
    bold = next(e for e in rendered.entities if e.type == "bold")
    assert bold.offset == 5  # two emoji are four UTF-16 units, then a space
    code = next(e for e in rendered.entities if e.type == "code")
    assert code.offset + code.length == utf16_len(rendered.text)


def test_pipes_in_prose_stay_text_never_a_spoiler() -> None:
    assert shape("a || b, and ||not a spoiler|| in prose; `x || y` in code") == (
        "a || b, and ||not a spoiler|| in prose; x || y in code",
        [("code", "x || y")],
    )


def test_escaped_characters_stay_escaped() -> None:
    assert shape("Escaped \\<b> and \\`<i>\\` stay") == ("Escaped <b> and `<i>` stay", [])


def test_code_spans_close_on_a_run_of_their_own_length_only() -> None:
    text, entities = shape("x ``a` <b>`` and `` ` `` then ``a` <i>")
    assert text == "x a` <b> and ` then ``a` <i>"
    assert entities == [("code", "`"), ("code", "a` <b>")]


def test_code_blocks_in_quotes_and_list_items_are_left_alone() -> None:
    quoted = shape("> ```\n> a < b\n> ```")
    assert quoted == ("a < b", [("blockquote", "a < b"), ("pre", "a < b")])
    listed = shape("1. Step\n\n    ```js\n    if (a < b || c) {}\n    ```\n")
    assert ("pre", "if (a < b || c) {}") in listed[1]


def test_single_and_triple_tildes_stay_text() -> None:
    assert shape("about ~5 km, ~~gone~~ and ~~~three~~~") == (
        "about ~5 km, gone and ~~~three~~~",
        [("strikethrough", "gone")],
    )


def test_few_formulas_are_converted_many_are_shown_as_written() -> None:
    assert render("$\\alpha$").text == "α"
    many = " ".join(["$\\alpha$"] * 40)
    assert render(many).text == many


def test_shapes_the_converter_is_slow_on_are_shown_as_plain_text() -> None:
    for markdown in (
        "```\n```\n" * 150,  # hundreds of empty code blocks
        "> " * 20 + "deep",  # nested deeper than any answer
        "#\n" * 500,  # thousands of tiny blocks
        "*_~" * 500,  # a soup of markup
        "||" + "`a || b`\n\n\n\n\n\n" + "||",  # `||` left in code, a long run of blank lines
        "**a**" * 600,  # an entity every few characters
        "*a*" * 1_000,
        "x" * 40_000,
    ):
        assert render(markdown) == Rendered(markdown, [])


def test_a_short_answer_keeps_its_formatting() -> None:
    assert shape("# A") == ("📌 A", [("bold", "A"), ("underline", "A")])
