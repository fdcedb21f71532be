"""The parts of `python -m bench.message_path` that need no bot: which file a frame is, the
order of first entries, what a station is, the message's forms, the report (the bench itself
runs the bot and is never part of `just test`)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from bench.message_path import form_of, report
from bench.path_recorder import PathHook, PathRecorder, arguments, module_of
from bot.core.messages import ChatMessage
from bot.core.turn import Turn
from bot.storage.base import Commit

MARK = "path-mark"


def test_a_file_is_named_from_the_package_s_parent_and_any_other_is_none(tmp_path: Path) -> None:
    package = tmp_path / "bot"
    assert module_of(str(package / "delivery" / "sender.py"), package) == "bot/delivery/sender.py"
    assert module_of(str(tmp_path / "bench" / "x.py"), package) is None
    assert module_of("<string>", package) is None  # a dataclass's generated __init__


def test_files_are_listed_in_the_order_of_their_first_entry() -> None:
    recorder = PathRecorder()
    for module in ("bot/a.py", "bot/b.py", "bot/a.py", "bot/c.py", "bot/b.py"):
        recorder.enter(module, None, None)
    assert recorder.order == ["bot/a.py", "bot/b.py", "bot/c.py"]
    assert recorder.calls == 5


def test_a_station_takes_the_message_and_hands_it_to_another_file() -> None:
    recorder = PathRecorder()
    recorder.enter("bot/clock.py", None, None)  # never sees the message
    recorder.enter("bot/first.py", "Message", None)  # from the library: aiogram
    recorder.enter("bot/helper.py", "Message", "bot/first.py")  # asked, gives back
    recorder.enter("bot/first.py", "Message", "bot/first.py")  # its own function: no hand-on
    recorder.enter("bot/second.py", "Turn", "bot/first.py")
    recorder.enter("bot/last.py", "Turn", "bot/second.py")
    assert recorder.stations == ["bot/first.py", "bot/second.py"]
    assert recorder.received["bot/first.py"] == "Message"
    assert "bot/clock.py" not in recorder.received


def test_a_file_that_holds_the_message_without_taking_it_is_no_station() -> None:
    recorder = PathRecorder()
    recorder.enter("bot/loop.py", None, None)
    recorder.enter("bot/next.py", "Turn", "bot/loop.py")  # loop.py's caller gave it the turn
    assert recorder.stations == []


def _frame(*args: Any, **kwargs: Any) -> FrameType:
    return sys._getframe()


class _Holder:
    def method(self, first: object, *, named: object) -> FrameType:
        return sys._getframe()


def test_arguments_spread_star_args_and_leave_self_aside() -> None:
    assert arguments(_frame(1, 2, key=3)) == [1, 2, 3]
    assert arguments(_Holder().method("a", named="b")) == ["a", "b"]


def test_the_message_s_forms_are_recognised_by_its_text_and_in_what_carries_them() -> None:
    form = form_of(MARK)
    turn = Turn(chat_id=1, user_id=1, message_id=2, text=f"ask {MARK}")
    question = ChatMessage.user(f"ask {MARK}")
    assert form(turn) == "Turn"
    assert form(Turn(chat_id=1, user_id=1, message_id=1, text="another message")) is None
    assert form(f"reply to: ask {MARK}") == "text"
    assert form([ChatMessage.user("older"), question]) == "ChatMessage"
    assert form(Commit(0, (question, ChatMessage.assistant("fine")))) == "Commit"
    assert form(7) is None
    assert form([[turn]]) is None  # one level deep only


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package of two files: `first.take` hands its argument to `helper.size`."""
    root = tmp_path / "pathpkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "helper.py").write_text("def size(text):\n    return len(text)\n")
    (root / "first.py").write_text(
        "from pathpkg import helper\n\n\ndef take(text):\n    return helper.size(text)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return root


def test_the_hook_records_the_package_s_files_and_not_the_measurer_s_calls(
    package: Path,
) -> None:
    first = importlib.import_module("pathpkg.first")

    def measurer() -> int:
        return int(first.take("not recorded"))

    hook = PathHook(package, {measurer.__code__}, form_of(MARK))
    hook.install()
    try:
        measurer()
        first.take(f"a {MARK}")
    finally:
        hook.remove()
    assert hook.recorder.order == ["pathpkg/first.py", "pathpkg/helper.py"]
    assert hook.recorder.stations == ["pathpkg/first.py"]
    assert hook.recorder.calls == 2


def test_the_report_numbers_the_files_marks_the_stations_and_counts_both() -> None:
    recorder = PathRecorder()
    recorder.enter("bot/a.py", "Message", None)
    recorder.enter("bot/b.py", "Turn", "bot/a.py")
    recorder.enter("bot/c.py", None, None)
    assert report(recorder, files=10).splitlines() == [
        "  1. bot/a.py  station (Message)",
        "  2. bot/b.py",
        "  3. bot/c.py",
        "3 of the bot's 10 files run for the message.",
        "",
        "Stations: 1, in order:",
        "  1. bot/a.py",
    ]
