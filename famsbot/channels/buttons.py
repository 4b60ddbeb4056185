"""Options as Telegram inline buttons, and a tapped button back into an option.

A button's ``callback_data`` is self-describing, so nothing needs remembering between the message
and the tap (no PTB ``arbitrary_callback_data`` cache, which lives in one process's memory):
``o:<option key>``. Telegram allows 64 bytes; a key too long for that is sent as ``i:<position>``
and read back through the label on the tapped message's own keyboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from famsbot.dialogue.messages import Option

__all__ = ["MAX_CALLBACK_DATA", "Tap", "callback_data", "keyboard", "read_tap"]

MAX_CALLBACK_DATA = 64  # bytes (telegram.constants.InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)
OPTION_PREFIX = "o:"
INDEX_PREFIX = "i:"


@dataclass(frozen=True, slots=True)
class Tap:
    """What a tap means: the option's key when known, and the button's label as the typed text."""

    option: str | None
    label: str


def callback_data(option: Option, position: int) -> str:
    """``o:<key>``, or ``i:<position>`` when the key would not fit Telegram's 64 bytes."""
    data = OPTION_PREFIX + option.key
    if len(data.encode()) <= MAX_CALLBACK_DATA:
        return data
    return f"{INDEX_PREFIX}{position}"


def keyboard(options: Sequence[Option]) -> InlineKeyboardMarkup | None:
    """One button per row: labels are short sentences, and full-width buttons are easy to hit."""
    if not options:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(option.label, callback_data=callback_data(option, index))]
         for index, option in enumerate(options)]
    )  # fmt: skip


def read_tap(data: str, markup: InlineKeyboardMarkup | None) -> Tap:
    """Decode ``callback_data``; the label comes from the keyboard of the message that was tapped."""
    labels = _labels(markup)
    if data.startswith(OPTION_PREFIX):
        return Tap(data[len(OPTION_PREFIX) :], labels.get(data, ""))
    if data.startswith(INDEX_PREFIX):
        return Tap(None, labels.get(data, ""))  # the label is matched like a typed answer
    return Tap(None, "")


def _labels(markup: InlineKeyboardMarkup | None) -> dict[str, str]:
    if markup is None:
        return {}
    return {
        str(button.callback_data): button.text
        for row in markup.inline_keyboard
        for button in row
        if button.callback_data is not None
    }
