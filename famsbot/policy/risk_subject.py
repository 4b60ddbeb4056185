"""Whose safety a risky message is about: someone in prison, the writer, or both.

``risk.assess`` says *that* a message shows risk; this module says *whose*. It matters because the
two go to different places: a risk to the prisoner is a safer-custody concern for his prison (an
urgent record and an alert), while a family member who is themselves in crisis, or being threatened
by the prisoner, needs their own support lines (999, Samaritans, the Unwanted Prisoner Contact
Service) and must not be filed with the prison as a concern about him.

First-person phrases ("i cant go on") make ``risk.assess`` report ``sender_at_risk`` together with
``suicide``, so a message such as "he is going to kill himself and i cant go on" carries both
without saying which words belong to whom. The message is therefore split into clauses (at
punctuation, joining words and where a new subject such as "he" or "my son" starts) and each
clause is assessed on its own: a risky clause with no first-person signal is about someone else.
Reported speech in the first person ("he said i want to die") is his risk, not the writer's. When nothing can be
attributed to someone else, the message is the writer's own; the concern flow then asks, once,
whether someone in prison is in danger too, so a misreading costs one question, never an alert.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from famsbot.policy import risk

__all__ = ["SENDER_SIGNALS", "RiskSubject", "split_signals"]

SENDER_SIGNALS = ("sender_at_risk", "threat_to_sender")

_SUBJECTS = (
    r"he|hes|he's|she|shes|she's|they|theyre|they're|his"
    r"|my (?:son|husband|partner|brother|dad|father|boyfriend|fiance|grandson|nephew|cousin|friend)"
)
_CLAUSES = re.compile(
    r"[.!?;,:\n]+|\b(?:and|but|because|cos|coz|cuz|since|so|also|plus|then|though)\b|(?=\b(?:" + _SUBJECTS + r")\b)",
    re.IGNORECASE,
)
_REPORTED = re.compile(
    r"^\s*(?:he|hes|he's|she|shes|she's|they|my \w+)\s+(?:just\s+|keeps\s+|kept\s+|has\s+|had\s+|is\s+|was\s+)?"
    r"(?:said|says|saying|told me|tells me|telling me|texted|texts|texting|wrote|writes|messaged|rang and said)"
    r"\s+(?:that\s+|to me\s+)?(?:i|im|i'm|ive|i've|id|i'd)\b",
    re.IGNORECASE,
)
# In reported speech the first person is him: his "i want to die" is a risk to his life.
_REPORTED_AS = {"sender_at_risk": "suicide", "threat_to_sender": "violence"}
# ... except in a threat told from the writer's side ("he said im going to pay for this when hes out",
# "he said i better drop the charges"): there "i" is the writer, and the threat is to them.
_WRITERS_SIDE = re.compile(
    r"\b(?:when|once|if|the day) (?:he|hes|he's|he is)"
    r"(?: (?:gets|get|comes|come|is|s|getting|gets let))? (?:out|released|home)\b"
    r"|\bmy (?:house|home|flat|door|kids|children|family|work|address|car)\b|\bthe kids\b"
    r"|\b(?:drop|withdraw|retract)\w* (?:the |my )?(?:charges?|statements?|case|complaint)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RiskSubject:
    """The signals of one message, split by whose safety they are about."""

    prisoner: list[str] = field(default_factory=list)  # someone else, usually the person in prison
    sender: list[str] = field(default_factory=list)  # the writer: in crisis, or threatened

    @property
    def sender_only(self) -> bool:
        """Only the writer's own safety is at stake, as far as the words show."""
        return bool(self.sender) and not self.prisoner


def split_signals(text: str, signals: Sequence[str]) -> RiskSubject:
    """Split ``risk.assess(text).signals`` into the prisoner's and the writer's.

    Args:
        text: the message as sent.
        signals: the signals ``risk.assess`` found in the whole message.

    Returns:
        A :class:`RiskSubject`; ``prisoner`` keeps the order of ``SIGNALS``. Without a first-person
        signal everything is about someone else, exactly as before this split existed.
    """
    sender = [s for s in signals if s in SENDER_SIGNALS]
    if not sender:
        return RiskSubject(prisoner=list(signals))
    his: set[str] = set()
    writers: set[str] = set()
    for clause in (c for c in _CLAUSES.split(text) if c and c.strip()):
        found = set(risk.assess(clause).signals)
        if _REPORTED.match(clause):
            if "threat_to_sender" in found and _WRITERS_SIDE.search(text):
                writers.add("threat_to_sender")
                found.discard("threat_to_sender")
            his |= {_REPORTED_AS.get(s, s) for s in found}
        elif found & set(SENDER_SIGNALS):
            writers |= found & set(SENDER_SIGNALS)
        else:
            his |= found
    prisoner = [s for s in risk.SIGNALS if s in his and s not in SENDER_SIGNALS]
    if prisoner and not writers:
        return RiskSubject(prisoner=prisoner)  # the first person was his, quoted
    return RiskSubject(prisoner=prisoner, sender=[s for s in SENDER_SIGNALS if s in writers] or sender)
