"""Voice notes, photos (and albums) and files, end to end through the real polling loop,
against the fake Telegram (getFile, file downloads) and the fake Groq (Whisper, vision)."""

from __future__ import annotations

import pytest

from bot.texts import EN
from tests.e2e.conftest import StartBot
from tests.e2e.media_helpers import USER, last_user_text, send_document, send_photo, send_voice
from tests.support.fake_groq import FakeGroq, images_of, text_of
from tests.support.media_files import blank_pdf, image, pdf_with_text

VISION = "qwen/qwen3.6-27b"  # the default VISION_MODEL


async def test_a_voice_note_is_heard_shown_and_answered(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    fake_groq.transcriber = lambda audio: " what is the weather " if audio else ""
    send_voice(bot, b"OggS fake opus")
    heard, answer = await bot.replies(USER, 2)
    assert heard == "🎤 I heard: what is the weather"
    assert answer == "reply to: what is the weather"
    quote = bot.telegram.sent_to(USER)[0].entities
    assert quote == [{"type": "expandable_blockquote", "offset": 0, "length": len(heard) + 1}]
    [sent] = fake_groq.transcriptions
    assert (sent.file_name, sent.model, sent.language) == (
        "voice.ogg",
        "whisper-large-v3-turbo",
        "en",
    )
    assert sent.audio == b"OggS fake opus"
    await bot.settled(USER)

    bot.telegram.send_text(USER, "and tomorrow?")
    await bot.replies(USER, 3)
    history = [text_of(m["content"]) for m in fake_groq.requests[-1]["messages"][1:]]
    assert history == ["what is the weather", answer, "and tomorrow?"]


async def test_a_photo_with_a_caption_and_a_follow_up_reach_the_vision_model(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    send_photo(bot, image("red"), caption="what colour is it?")
    assert await bot.replies(USER, 1) == ["reply to: what colour is it? [1 image(s)]"]
    first = fake_groq.requests[0]
    assert first["model"] == VISION  # GROQ_MODEL (gpt-oss) has no vision
    [url] = images_of(first["messages"])
    assert url.startswith("data:image/png;base64,")
    await bot.settled(USER)

    bot.telegram.send_text(USER, "are you sure?")
    await bot.replies(USER, 2)
    follow_up = fake_groq.requests[1]
    assert follow_up["model"] == VISION
    assert images_of(follow_up["messages"]) == [url]  # the history kept a reference to it
    assert last_user_text(follow_up) == "are you sure?"
    assert len(bot.telegram.downloads) == 1  # the second look came from the cache
    await bot.settled(USER)

    bot.telegram.send_text(USER, "/retry")  # the answer to the follow-up, anew: same image
    await bot.replies(USER, 3)
    assert images_of(fake_groq.requests[2]["messages"]) == [url]


async def test_a_text_file_and_a_pdf_are_read_into_the_question(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    send_document(bot, b"the secret is 42\n", "notes.txt", "text/plain", caption="the secret?")
    await bot.replies(USER, 1)
    question = last_user_text(fake_groq.requests[0])
    assert question == "File notes.txt:\n```txt\nthe secret is 42\n\n```\n\nthe secret?"
    send_document(
        bot, pdf_with_text("Quarterly report", "Revenue grew"), "q3.pdf", "application/pdf"
    )
    await bot.replies(USER, 2)
    question = last_user_text(fake_groq.requests[1])
    assert "File q3.pdf:\n```pdf\nQuarterly report\nRevenue grew\n```" in question
    assert question.endswith(EN.read_file)  # no caption: a short instruction instead


async def test_an_unsupported_file_gets_a_polite_reply_and_no_model_call(
    start_bot: StartBot, fake_groq: FakeGroq, storage: str
) -> None:
    bot = await start_bot(STORAGE_URL=storage)
    send_document(bot, b"PK\x03\x04", "backup.zip", "application/zip", caption="unpack it")
    assert await bot.replies(USER, 1) == [EN.unsupported_file]
    assert fake_groq.requests == []
    assert bot.telegram.downloads == []  # known by its name: never downloaded
    await bot.settled(USER)
    bot.telegram.send_text(USER, "hi")
    await bot.replies(USER, 2)
    assert len(fake_groq.requests[-1]["messages"]) == 2  # nothing was committed


async def test_a_voice_note_between_two_texts_is_answered_between_them(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    fake_groq.transcriber = lambda audio: "second"
    bot.telegram.send_text(USER, "first")
    send_voice(bot, b"OggS")
    bot.telegram.send_text(USER, "third")
    await bot.replies(USER, 4)
    await bot.settled(USER)
    answers = [m.text for m in bot.telegram.sent_to(USER)]
    assert answers == [
        "reply to: first",
        "🎤 I heard: second",
        "reply to: second",
        "reply to: third",
    ]


async def test_an_album_is_one_turn_of_at_most_five_images(
    start_bot: StartBot, fake_groq: FakeGroq
) -> None:
    bot = await start_bot()
    colours = ["red", "green", "blue"]
    for n, colour in enumerate(colours):
        send_photo(bot, image(colour), media_group_id="a1", caption="compare" if n == 0 else None)
    bot.telegram.send_text(USER, "after the album")
    await bot.replies(USER, 2)
    assert [m.text for m in bot.telegram.sent_to(USER)] == [
        "reply to: compare [3 image(s)]",
        "reply to: after the album",
    ]
    assert len(images_of(fake_groq.requests[0]["messages"])) == 3
    await bot.settled(USER)

    for n in range(7):
        send_photo(bot, image("white", (8 + n, 8)), media_group_id="a2")
    assert (await bot.replies(USER, 4))[2:] == [
        EN.too_many_images(5, 7),
        f"reply to: {EN.describe_image} [5 image(s)]",
    ]
    assert len(images_of(fake_groq.requests[-1]["messages"])) == 5  # older: placeholders


async def test_a_long_file_is_cut_with_a_note(start_bot: StartBot, fake_groq: FakeGroq) -> None:
    bot = await start_bot(HISTORY_MAX_TOKENS="1000")
    send_document(bot, b"word " * 2000, "long.md", "text/markdown")
    replies = await bot.replies(USER, 2)
    assert replies[0] == EN.file_cut("long.md", 20)  # 500 tokens of ~2500: the first fifth
    assert len(last_user_text(fake_groq.requests[0])) < 2100


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("over MAX_FILE_MB", EN.file_too_big(1)),
        ("getFile refuses", EN.file_too_big(1)),
        ("download fails", EN.download_failed),
        ("corrupt pdf", EN.unreadable_file),
        ("scanned pdf", EN.no_text_layer),
        ("corrupt image", EN.unreadable_file),
        ("binary as text", EN.unsupported_file),
        ("empty transcript", EN.empty_transcript),
        ("whisper rate limited", EN.model_rate_limited),
    ],
)
async def test_bad_input_gets_a_clear_message_and_nothing_committed(
    start_bot: StartBot, fake_groq: FakeGroq, case: str, expected: str
) -> None:
    bot = await start_bot(MAX_FILE_MB="1")
    if case == "over MAX_FILE_MB":
        send_document(bot, b"x", "big.txt", "text/plain", size=2 * 1024 * 1024)
    elif case == "getFile refuses":  # Telegram said no size in the message; getFile knows
        stored = bot.telegram.add_file(b"x", "documents/huge.txt", size=30 * 1024 * 1024)
        document = {"file_id": stored.file_id, "file_unique_id": "u", "file_name": "huge.txt"}
        bot.telegram.send_media(USER, "document", document)
    elif case == "download fails":
        send_document(bot, b"text", "a.txt", "text/plain")
        bot.telegram.broken_downloads.add("documents/a.txt")
    elif case == "corrupt pdf":
        send_document(bot, b"%PDF-1.4 garbage", "broken.pdf", "application/pdf")
    elif case == "scanned pdf":
        send_document(bot, blank_pdf(), "scan.pdf", "application/pdf")
    elif case == "corrupt image":
        send_photo(bot, image("red")[:40], caption="what is it?")
    elif case == "binary as text":
        send_document(bot, b"\x7fELF\x00\x00", "run.sh", "text/x-sh")
    elif case == "empty transcript":
        fake_groq.transcriber = lambda audio: "  "
        send_voice(bot, b"OggS silence")
    else:
        fake_groq.transcription_faults += ["rate_limit", "rate_limit"]  # the SDK retries once
        send_voice(bot, b"OggS")
    assert await bot.replies(USER, 1) == [expected]
    assert fake_groq.requests == []
    await bot.settled(USER)
    bot.telegram.send_text(USER, "hi")
    await bot.replies(USER, 2)
    assert len(fake_groq.requests[-1]["messages"]) == 2  # system + "hi": nothing committed


async def test_with_redis_a_voice_turn_survives_a_crash_during_its_download(
    start_bot: StartBot, fake_groq: FakeGroq, redis_url: str
) -> None:
    env = {"STORAGE_URL": redis_url, "SHUTDOWN_TIMEOUT": "0", "LEASE_TTL": "0.5"}
    doomed = await start_bot(**env)
    fake_groq.transcriber = lambda audio: "still here?"
    doomed.telegram.hold("getFile")  # the turn is in the durable inbox, its download pending
    send_voice(doomed, b"OggS")
    await doomed.telegram.wait_until(lambda: any(m == "getFile" for m, _ in doomed.telegram.calls))
    await doomed.stop()  # no time to finish: its turn stays unanswered in Redis
    doomed.telegram.let_go()
    assert fake_groq.transcriptions == []

    survivor = await start_bot(**env)
    assert await survivor.replies(USER, 2) == ["🎤 I heard: still here?", "reply to: still here?"]
    await survivor.settled(USER)
    assert len(survivor.telegram.sent_to(USER)) == 2  # answered once
