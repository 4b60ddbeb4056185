"""Every flow in Welsh, on SMS and Telegram, through the real engine: Welsh wording, Welsh answers,
each SMS within the 3-segment budget, and what the Welsh costs against the English.

The same scripts run in English (first message "hello") and in Welsh (first message "Cymraeg");
only the yes/no words differ ("ie"/"na"). ``test_welsh_costs_no_more_than_the_budget`` prints the
segment figures (run with ``-s``): per reply and per conversation, median and worst.
"""

from __future__ import annotations

import statistics
import string

import pytest

from famsbot.channels.packing import sms_messages
from famsbot.content import get_content
from famsbot.dialogue.engine import Engine
from famsbot.dialogue.messages import Channel, Reply
from famsbot.sms_text import MAX_SEGMENTS, segments
from famsbot.store.database import Database
from famsbot.store.models import Outbox
from tests.support.chat import Chat
from tests.support.rows import all_rows, contact_of

CONTENT = get_content()
YES = {"en": "yes", "cy": "ie"}
NO = {"en": "no", "cy": "na"}
WORRY = {"en": "He needs new glasses", "cy": "Mae angen sbectol newydd arno fe"}
FORGET = {"en": "forget me", "cy": "anghofio fi"}

# Per flow: the messages after the first one (which opens the menu), then a Welsh phrase the
# Welsh run must have been told and its English counterpart.
SCRIPTS: dict[str, tuple[list[str], str, str]] = {
    "visits": (["1", "maidstone", "1", "1", "4"], "Ymweliadau: HMP Maidstone", "Visits to HMP Maidstone"),
    "apvs": (["2", "1", "1", "1", "1", "YES", "35", "1", "5", "1", "NO"],
             "Ydych chi eisiau hawlio am hebryngwr", "Do you want to claim for an escort"),
    "concern": (["3", "maidstone", "John Smith", "1", "WORRY", "NO", "NO", "YES", "1", "YES"],
                "Beth sy'n digwydd nesaf", "What happens next"),
    "care_leavers": (["4", "19", "YES", "30 weeks"], "Ers iddo droi'n 14", "Since he turned 14"),
    "notices": (["5", "maidstone", "2", "YES"], "Byddwch yn cael hysbysiadau diwrnod teulu",
                "You will get family day notices"),
    "settings": (["FORGET", "NO"], "Iawn, does dim wedi'i ddileu.", "OK, nothing has been deleted."),
    "other": (["6", "Can you send money to him for me"], "Alla i ddim helpu i anfon arian",
              "I can't help with sending money"),
    # A prison answered from the national directory: the answers are built from texts/cy, not a seed.
    "visits_directory": (["1", "Caerdydd", "1", "1", "2", "1", "3"],
                         "Archebwch ar-lein yn gov.uk/prison-visits", "Book online at gov.uk/prison-visits"),
}  # fmt: skip
OPENING = {"en": "hello", "cy": "Cymraeg"}


def _script(flow: str, lang: str) -> list[str]:
    words = {"YES": YES[lang], "NO": NO[lang], "WORRY": WORRY[lang], "FORGET": FORGET[lang]}
    return [OPENING[lang], *(words.get(m, m) for m in SCRIPTS[flow][0])]


async def _run(engine: Engine, flow: str, lang: str, channel: Channel, address: str) -> list[list[Reply]]:
    chat = Chat(engine, channel=channel, address=address)
    turns = []
    for message in _script(flow, lang):
        turns.append(await chat.send(message))
    return turns


def _published_words() -> str:
    """Every word the seed prisons publish: said as published, in English, so not a missing translation
    when it happens to match a text (Maidstone's own "Book online at gov.uk/prison-visits.")."""
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for prison in CONTENT.prisons.values():
        walk(prison.model_dump())
    return "\n".join(found)


def _english_only_wording() -> list[str]:
    """Fixed English phrases (a text's words up to its first placeholder) that Welsh replies must not show."""
    welsh = CONTENT.texts_in("cy")
    published = _published_words()
    phrases = []
    for key in CONTENT.texts:
        if not welsh.own(key) or key.startswith("concern.alert_"):
            continue
        head = next(iter(string.Formatter().parse(CONTENT.texts.raw(key))))[0].strip()
        if len(head) >= 20 and head not in welsh.raw(key) and head not in published:
            phrases.append(head)
    return phrases


ENGLISH_ONLY = _english_only_wording()


@pytest.mark.parametrize("channel", ["sms", "telegram"])
@pytest.mark.parametrize("flow", list(SCRIPTS))
async def test_every_flow_runs_in_welsh(engine: Engine, db: Database, flow: str, channel: Channel) -> None:
    address = "+447700900321" if channel == "sms" else "4321"
    turns = await _run(engine, flow, "cy", channel, address)
    said = "\n".join(reply.text + "".join(o.label for o in reply.options) for turn in turns for reply in turn)

    assert SCRIPTS[flow][1] in said
    assert "Sorry, I didn't understand" not in said
    assert [phrase for phrase in ENGLISH_ONLY if phrase in said] == []
    contact = await contact_of(db, channel, address)
    assert contact is not None
    assert contact.language == "cy"  # remembered
    if channel == "sms":
        over = [body for turn in turns for body in sms_messages(turn) if segments(body) > MAX_SEGMENTS]
        assert over == []


async def test_the_same_script_in_english_says_the_english(engine: Engine) -> None:
    """The scripts are not Welsh-only by accident: in English they reach the English wording."""
    for index, (flow, (_, _, english)) in enumerate(SCRIPTS.items()):
        turns = await _run(engine, flow, "en", "sms", f"+4477009004{index:02d}")
        said = "\n".join(reply.text for turn in turns for reply in turn)
        assert english in said, flow


async def test_staff_alerts_stay_english_when_the_family_reads_welsh(engine: Engine, db: Database) -> None:
    chat = Chat(engine, channel="sms", address="+447700900333")
    for message in ["Cymraeg", "3", "maidstone", "John Smith", "1", "Mae fy mrawd eisiau lladd ei hun"]:
        await chat.send(message)
    said = "\n".join(reply.text for reply in chat.last)

    assert "ffoniwch 999" in said  # the family's route: Welsh
    assert "Samariaid yn Gymraeg: 0808 164 0123" in said
    alerts = [row for row in await all_rows(db, Outbox) if row.kind == "alert"]
    for row in alerts:
        assert row.body.startswith("URGENT famsbot concern"), row.body


def _costs(turns: list[list[Reply]]) -> tuple[list[int], int]:
    per_reply = [segments(body) for turn in turns for body in sms_messages(turn) if not _urgent(turn, body)]
    return per_reply, sum(segments(body) for turn in turns for body in sms_messages(turn))


def _urgent(turn: list[Reply], body: str) -> bool:
    return any(reply.urgent and body.startswith(reply.text[:20]) for reply in turn)


async def test_welsh_costs_no_more_than_the_budget(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    figures: dict[str, tuple[list[int], list[int]]] = {"en": ([], []), "cy": ([], [])}
    for lang in ("en", "cy"):
        for index, flow in enumerate(SCRIPTS):
            turns = await _run(engine, flow, lang, "sms", f"+44770090{'5' if lang == 'cy' else '6'}{index:03d}")
            replies, total = _costs(turns)
            figures[lang][0].extend(replies)
            figures[lang][1].append(total)

    assert max(figures["cy"][0]) <= MAX_SEGMENTS
    with capsys.disabled():
        for lang, (replies, conversations) in figures.items():
            print(  # noqa: T201 - the figures the issue asks for
                f"\n{lang}: per SMS median {statistics.median(replies)}, worst {max(replies)} "
                f"({len(replies)} SMS); per conversation median {statistics.median(conversations)}, "
                f"worst {max(conversations)}, total {sum(conversations)} over {len(conversations)} conversations"
            )


async def test_a_worry_in_urdu_is_repeated_back_on_sms_not_blanked(chat: Chat) -> None:
    """Issue 15: the old GSM-7 conversion deleted every Urdu letter, so "Your words:" came back empty."""
    worry = "میرا بیٹا بہت پریشان ہے"
    for message in ["hello", "3", "maidstone", "John Smith", "1", worry, "no", "no", "yes"]:
        await chat.say(message)
    summary = await chat.say("1")  # reply here, in this chat: the summary to check

    assert f"Your words: {worry}" in summary
