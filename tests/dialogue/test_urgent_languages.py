"""The emergency route in the language of the message: numbers first, whatever the language."""

from __future__ import annotations

import pytest

from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Channel
from tests.support.chat import Chat

WORDS = {
    "cy": "Mae fy mrawd eisiau lladd ei hun",
    "pl": "Mój brat chce się zabić",
    "ur": "میرا بھائی خودکشی کرنا چاہتا ہے",
    "ur-Latn": "mera bhai khud ko maar dega",
    "en": "my brother wants to kill himself",
}
EXPECTED = {
    "cy": ("Os oes unrhyw un mewn perygl nawr, ffoniwch 999.", "Samariaid yn Gymraeg: 0808 164 0123"),
    "pl": ("Jeśli ktoś jest teraz w niebezpieczeństwie, dzwoń pod 999.", "Odpowiadam tylko po angielsku lub walijsku."),
    "ur": ("اگر کوئی ابھی خطرے میں ہے تو 999 پر کال کریں۔", "میں صرف انگریزی یا ویلش میں جواب دیتا ہوں۔"),
    "ur-Latn": ("Agar koi abhi khatre mein hai to 999 par call karein.",
                "Main sirf English ya Welsh mein jawab deta hoon."),
    "en": ("If anyone is in danger right now, call 999.", "Samaritans: 116 123"),
}  # fmt: skip


@pytest.mark.parametrize("channel", ["sms", "telegram"])
@pytest.mark.parametrize("language", list(WORDS))
async def test_the_route_is_given_first_in_the_language_written(
    engine: Engine, language: str, channel: Channel
) -> None:
    chat = Chat(engine, channel=channel, address="+447700900777" if channel == "sms" else "777")
    replies = await chat.send(WORDS[language])

    route = replies[0]
    assert route.urgent
    first, notice = EXPECTED[language]
    assert route.text.startswith(first)  # numbers first
    assert notice in route.text
    assert "116 123" in route.text
    if language != "cy":
        assert "0808 164 0123" not in route.text  # the Welsh line is for Welsh speakers


async def test_a_welsh_speaker_gets_the_welsh_line_whatever_they_write(chat: Chat) -> None:
    await chat.say("Cymraeg")
    replies = await chat.send("my brother wants to kill himself")
    assert replies[0].urgent
    assert "Samariaid yn Gymraeg: 0808 164 0123 (bob nos, 19:00 i 23:00)" in replies[0].text
