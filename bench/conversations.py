"""Figures for issue 12: how well families' own conversations go, per flow, on SMS and Telegram.

Runs every conversation in ``tests/conversations/data`` through the real engine (SQLite, fixed
clock: Monday 23 Nov 2026, 10:00) and prints, per flow: conversations that end with what the person
needed, answers understood first time, re-prompts per conversation, and SMS segments per
conversation (median and worst); then the risk gate's recall and false alarms over every turn
(turns marked ``urgent_turns`` in the data are the ones that must get the emergency route).

    python bench/conversations.py            # this code
    PYTHONPATH=/path/to/old/tree python bench/conversations.py   # the same set on older code
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from famsbot.clock import FixedClock  # noqa: E402
from famsbot.config import Settings  # noqa: E402
from famsbot.dialogue.engine import Engine  # noqa: E402
from tests.conftest import DEFAULT_NOW  # noqa: E402
from tests.conversations.runner import Measure, check, load_all, run  # noqa: E402
from tests.support.chat import Chat  # noqa: E402
from tests.support.databases import SQLITE, reset, temporary_database  # noqa: E402


async def main() -> None:
    conversations = load_all()
    rows: dict[str, list[tuple[str, Measure, list[str]]]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as folder:
        async with temporary_database(SQLITE.format(path=Path(folder) / "bench.db")) as db:
            for conversation in conversations:
                for channel in ("sms", "telegram"):
                    await reset(db)
                    engine = Engine(db, Settings(environment="test", database_url=db.url),
                                    clock=FixedClock(DEFAULT_NOW))  # fmt: skip
                    address = "+447700900123" if channel == "sms" else "4242"
                    chat = Chat(engine, channel=channel, address=address)
                    try:
                        measure = await run(chat, conversation)
                        failures = await check(db, channel, address, conversation, measure)
                    except Exception as exc:  # older code may fail where this code does not
                        measure, failures = Measure(turns=len(conversation.turns)), [f"crashed: {exc!r}"]
                    rows[conversation.flow].append((channel, measure, failures))
                    if failures and "-v" in sys.argv:
                        print(f"{conversation.id} [{channel}]: {'; '.join(failures)}")  # noqa: T201
    print(f"{len(conversations)} conversations x 2 channels")  # noqa: T201
    header = "flow            convs  ended-well  understood-1st  reprompts/conv  sms-seg median  worst"
    print(header)  # noqa: T201
    everything = [row for flow_rows in rows.values() for row in flow_rows]
    for flow, flow_rows in [*sorted(rows.items()), ("ALL", everything)]:
        turns = sum(m.turns for _, m, _ in flow_rows)
        reprompts = sum(m.reprompts for _, m, _ in flow_rows)
        well = sum(not f for _, _, f in flow_rows)
        sms = [m.segments for channel, m, _ in flow_rows if channel == "sms"]
        print(  # noqa: T201
            f"{flow:<15} {len(flow_rows) // 2:>5}  {well / len(flow_rows):>10.0%}  {(turns - reprompts) / turns:>14.1%}"
            f"  {reprompts / len(flow_rows):>14.2f}  {statistics.median(sms):>14}  {max(sms):>5}"
        )
    labelled = {c.id: set(c.urgent_turns) for c in conversations}
    caught = missed = alarms = calm = 0
    index: dict[str, int] = defaultdict(int)
    for conversation in conversations:
        flow_rows = [r for r in rows[conversation.flow] if r[0] == "sms"]
        measure = flow_rows[index[conversation.flow]][1]
        index[conversation.flow] += 1
        urgent_turns = labelled[conversation.id]
        for turn in range(1, measure.turns + 1):
            fired = turn in measure.urgent_replies
            if turn in urgent_turns:
                caught += fired
                missed += not fired
            elif not any(t < turn for t in urgent_turns):  # later turns of an urgent episode are its follow-up
                alarms += fired
                calm += not fired
                if fired and "-v" in sys.argv:
                    print(f"false alarm: {conversation.id} turn {turn}: {conversation.turns[turn - 1]!r}")  # noqa: T201
    print(f"risk gate (engine, SMS): recall {caught}/{caught + missed}, "  # noqa: T201
          f"false alarms {alarms}/{alarms + calm} turns ({alarms / max(1, alarms + calm):.1%})")


if __name__ == "__main__":
    asyncio.run(main())
