"""Talking through a self-check flow the way a person would: by number on SMS, by button on Telegram."""

from __future__ import annotations

from famsbot.channels.render import sms_text
from famsbot.dialogue.messages import Reply
from famsbot.sms_text import MAX_SEGMENTS, segments
from tests.support.chat import Chat


class Typed(str):
    """Words typed rather than an option chosen ("2 years", "no")."""


Answer = str | int  # an option's key, a number typed, or Typed words


async def send(chat: Chat, answer: Answer) -> list[Reply]:
    """Choose the option ``answer`` (its number on SMS, its button on Telegram), or type it.

    Every reply is checked against the SMS budget on the way, whatever the channel.
    """
    if isinstance(answer, int | Typed):
        replies = await chat.send(str(answer))
    else:
        options = next((r.options for r in reversed(chat.last) if r.options), ())
        keys = [option.key for option in options]
        assert answer in keys, f"{answer!r} is not offered: {keys} after {chat.last[-1].text!r}"
        option = options[keys.index(answer)]
        if chat.channel == "telegram":
            replies = await chat.send(option.label, option=option.key)
        else:
            replies = await chat.send(str(keys.index(answer) + 1))
    for reply in replies:
        assert segments(sms_text(reply)) <= MAX_SEGMENTS, reply.text
    return replies


async def script(chat: Chat, *answers: Answer) -> list[Reply]:
    """Give ``answers`` in turn; return the replies to the last one."""
    for answer in answers:
        await send(chat, answer)
    return chat.last


async def read_all_pages(chat: Chat) -> list[str]:
    """Every page of the result, choosing "More" until it is no longer offered."""
    pages = [chat.last[-1].text]
    while "more" in option_keys(chat):
        await send(chat, "more")
        pages.append(chat.last[-1].text)
    return pages


def option_keys(chat: Chat) -> list[str]:
    return [option.key for option in chat.last[-1].options]


def asked(chat: Chat) -> str:
    """The question now open (the last reply)."""
    return chat.last[-1].text
