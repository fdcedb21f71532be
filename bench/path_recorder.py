"""What bench/message_path.py records: the bot's files that run, in the order each was first
entered, and which of them are stations (docs/architecture.md, "The path of a text message,
module by module").

A *station* is a file one of whose functions is entered with the message in one of its forms
among its arguments (`self` aside) and, while that function holds it, a function of another
of the bot's files is entered with the message too, directly or through library code
(aiogram's middleware chain, the SDK's stream): it takes the message and hands it on. A file
that takes it and hands it to no other file of the bot (it gives something back, a rendering
or a count, or gives it to a library: the SDK, the log) is asked, not a station; so is one
that never sees the message (a client's middleware, a clock). A coroutine resumed counts as
entered again, so a file shows up when it waits for an answer, as well as when it is called.

The recording is pure: the profile hook (`PathHook`) turns each call into `enter`, so the
rules are tested without a bot (tests/unit/test_message_path.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

# The message in one of its forms, or None: what a value is to the recorder.
FormOf = Callable[[object], str | None]

_VARARGS, _VARKEYWORDS = 0x04, 0x08  # inspect.CO_VARARGS, inspect.CO_VARKEYWORDS


def module_of(filename: str, package: Path) -> str | None:
    """`bot/x/y.py` for a file of the package, None for any other (a library, the bench)."""
    path = Path(filename)
    if not path.is_absolute() or not path.is_relative_to(package):
        return None
    return path.relative_to(package.parent).as_posix()


@dataclass
class PathRecorder:
    """The files entered, in the order of their first entry; each file's first form taken."""

    order: list[str] = field(default_factory=list)
    received: dict[str, str] = field(default_factory=dict)  # file -> the first form it took
    handed: set[str] = field(default_factory=set)  # files that handed the message on
    calls: int = 0  # every call recorded, to tell when the bot has gone quiet

    def enter(self, module: str, form: str | None, holder: str | None) -> None:
        """A function of `module` was entered with `form` among its arguments (None: no form);
        `holder`, the nearest file of the bot up the stack that holds the message, if any."""
        self.calls += 1
        if module not in self.received and form is not None:
            self.received[module] = form
        if module not in self.order:
            self.order.append(module)
        if form is not None and holder is not None and holder != module:
            self.handed.add(holder)

    @property
    def stations(self) -> list[str]:
        """The files that took the message and handed it on, in order."""
        return [m for m in self.order if m in self.received and m in self.handed]


def arguments(frame: FrameType) -> list[Any]:
    """The values of a frame's parameters (`self` aside), *args and **kwargs spread out."""
    code = frame.f_code
    count = code.co_argcount + code.co_kwonlyargcount
    names = code.co_varnames[:count]
    star = code.co_varnames[count] if code.co_flags & _VARARGS else None
    count += star is not None
    keywords = code.co_varnames[count] if code.co_flags & _VARKEYWORDS else None
    local = frame.f_locals
    values = [local[name] for name in names if name != "self" and name in local]
    if star is not None and isinstance(local.get(star), tuple):
        values.extend(local[star])
    if keywords is not None and isinstance(local.get(keywords), dict):
        values.extend(local[keywords].values())
    return values


class PathHook:
    """The profile hook: each call of a function of `package` becomes `recorder.enter`,
    except calls the measurer makes itself (a frame of one of `measurer`'s code objects up
    the stack: the module's own frame is under every frame when run with `-m`)."""

    def __init__(self, package: Path, measurer: Collection[CodeType], form_of: FormOf) -> None:
        self.recorder = PathRecorder()
        self._package = package
        self._measurer = measurer
        self._form_of = form_of
        self._modules: dict[str, str | None] = {}

    def install(self) -> None:
        sys.setprofile(self._profile)

    def remove(self) -> None:
        sys.setprofile(None)

    def _module(self, filename: str) -> str | None:
        if filename not in self._modules:
            self._modules[filename] = module_of(filename, self._package)
        return self._modules[filename]

    def _form(self, frame: FrameType) -> str | None:
        for value in arguments(frame):
            form = self._form_of(value)
            if form is not None:
                return form
        return None

    def _profile(self, frame: FrameType, event: str, arg: object) -> None:
        if event != "call":
            return
        module = self._module(frame.f_code.co_filename)
        if module is None:
            return
        holder: str | None = None
        caller = frame.f_back
        while caller is not None:
            if caller.f_code in self._measurer:
                return  # the measurer asking the bot (is the chat idle yet?)
            other = self._module(caller.f_code.co_filename)
            if holder is None and other is not None and other != module and self._form(caller):
                holder = other
            caller = caller.f_back
        self.recorder.enter(module, self._form(frame), holder)
