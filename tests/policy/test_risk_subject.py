"""Whose safety a risky message is about: the prisoner's risk goes to the prison, the writer's does not."""

from __future__ import annotations

import pytest

from famsbot.policy import risk
from famsbot.policy.risk_subject import split_signals

PRISONER = [
    "he said he cant do this anymore",
    "he tried to hang himself",
    "my son has taken an overdose",
    "hes being beaten up on the wing",
    "he said i want to die",  # his words, quoted
    "he texted i cant do this anymore",
    "my son said hes going to end it",
    "he said this is the last time ill hear from him",
    "a gang are coming to his cell tonight to sort him out",
    "hes got a rope in his cell",
    "he said i was the best mum and not to be sad, then he hung up",
]
SENDER_ONLY = [
    "i want to kill myself",
    "i cant do this anymore",
    "i cant cope anymore since he went inside",
    "he is threatening me",
    "he said he will kill me when he gets out",
    "i dont think i want to live anymore",
    "main ab aur nahi jee sakti",
    "his cousin turned up at my door saying i better drop the charges or else",
    "he said im going to pay for this when hes out",  # his threat, told from the writer's side
    "ive got all my tablets out on the table",
]
BOTH = [
    "he is going to kill himself and i cant go on",
    "I CANT GO ON. my son tried to hang himself last night",
    "i want to die, my son has taken an overdose",
    "i cant take it anymore he says hell end it",
    "hes being beaten up and they said theyll come for me too",
    "he said goodbye forever and i dont want to live without him",
]


@pytest.mark.parametrize("text", PRISONER)
def test_risk_to_the_prisoner(text: str) -> None:
    found = risk.assess(text)
    assert found.urgent
    subject = split_signals(text, found.signals)
    assert subject.prisoner
    assert not subject.sender


@pytest.mark.parametrize("text", SENDER_ONLY)
def test_risk_to_the_writer_only(text: str) -> None:
    found = risk.assess(text)
    assert found.urgent
    subject = split_signals(text, found.signals)
    assert subject.sender_only
    assert subject.prisoner == []


@pytest.mark.parametrize("text", BOTH)
def test_risk_to_both(text: str) -> None:
    found = risk.assess(text)
    subject = split_signals(text, found.signals)
    assert subject.prisoner
    assert subject.sender
    assert not subject.sender_only


def test_without_a_first_person_signal_everything_is_about_someone_else() -> None:
    assert split_signals("anything", ["suicide", "medical"]).prisoner == ["suicide", "medical"]
