"""The console channel: talk to the bot in a terminal, or pipe a conversation through it.

Each input line is one message; every reply is printed. ``--channel sms`` shows replies exactly
as an SMS would carry them (numbered options, GSM-7, with the segment count); ``--channel
telegram`` shows options as buttons (type the button's words, or its number, to press it).
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from famsbot.channels.render import numbered, sms_text
from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Channel, Inbound, Reply
from famsbot.sms_text import segments

__all__ = ["render_for_console", "run_console"]


def render_for_console(reply: Reply, channel: Channel) -> str:
    if channel == "sms":
        body = sms_text(reply)
        return f"{body}\n  [{len(body)} chars, {segments(body)} SMS]"
    if channel == "telegram":
        buttons = "\n".join(f"  [ {option.label} ]" for option in reply.options)
        return f"{reply.text}\n{buttons}" if buttons else reply.text
    return numbered(reply)


async def run_console(
    engine: Engine,
    *,
    channel: Channel = "console",
    address: str = "console",
    prison: str | None = None,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
) -> None:
    """Read messages from ``stdin`` until it ends; print every reply to ``stdout``."""
    interactive = stdin.isatty()
    if prison:
        await _send(engine, Inbound(channel, address, f"/start {prison}"), channel, stdout)
    elif interactive:
        stdout.write("Type a message to famsbot (for example: hello). Ctrl-D to leave.\n")
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            break
        if not interactive:
            stdout.write(f"> {line.rstrip()}\n")  # a piped run reads as a transcript
        await _send(engine, Inbound(channel, address, line.rstrip("\n")), channel, stdout)


async def _send(engine: Engine, inbound: Inbound, channel: Channel, stdout: TextIO) -> None:
    for reply in await engine.handle(inbound):
        stdout.write(render_for_console(reply, channel) + "\n\n")
    stdout.flush()
