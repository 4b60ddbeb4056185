"""The one answer reader: the words families use for yes, no, "not sure", numbers and days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from famsbot.policy.answers import (
    address_as,
    asks_to_forget,
    mentioned_age,
    read_aside,
    read_days,
    read_number,
    says_unsure,
    subject_of,
    yes_no,
)

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Mon 23 Nov 2026 in London


@pytest.mark.parametrize(
    "text",
    ["nah", "not really", "dont", "i dont think so", "please don't tell him", "not right now", "NO I HAVENT BEEN YET",
     "no not right now i dont think", "Nope.", "rather not", "na diolch", "nie", "no thanks"],
)  # fmt: skip
def test_negations_and_hedges_are_no(text: str) -> None:
    assert yes_no(text) is False


@pytest.mark.parametrize(
    "text", ["yes", "YES I WAS", "yeah go ahead", "yes i was in foster care", "ok", "tak", "of course", "tell him"]
)
def test_plain_and_sentence_yes(text: str) -> None:
    assert yes_no(text) is True


@pytest.mark.parametrize("text", ["please", "right", "thank you so much", "hi", "what is an acct", "i dont know it"])
def test_words_that_are_not_an_answer(text: str) -> None:
    assert yes_no(text) is None


@pytest.mark.parametrize("text", ["i dont know it", "dunno", "not sure", "idk", "no idea", "?", "nie wiem"])
def test_not_sure_in_any_wording(text: str) -> None:
    assert says_unsure(text)


@pytest.mark.parametrize("text", ["no he is fine", "yes", "5 weeks ago"])
def test_answers_are_not_mistaken_for_not_sure(text: str) -> None:
    assert not says_unsure(text)


@pytest.mark.parametrize(
    ("text", "direction", "days", "on"),
    [
        ("in 2 weeks", "ahead", 14, date(2026, 12, 7)),
        ("5 weeks ago", "ago", 35, date(2026, 10, 19)),
        ("a fortnight", "ahead", 14, date(2026, 12, 7)),
        ("next week", "ahead", 7, date(2026, 11, 30)),
        ("tomorrow", "ahead", 1, date(2026, 11, 24)),
        ("saturday", "ahead", 5, date(2026, 11, 28)),
        ("last saturday", "ago", 2, date(2026, 11, 21)),
        ("19th dec", "ahead", 26, date(2026, 12, 19)),
        ("19/12", "ahead", 26, date(2026, 12, 19)),
        ("3", "ago", 3, date(2026, 11, 20)),
        ("in a couple of weeks", "ahead", 14, date(2026, 12, 7)),
    ],
)
def test_days_as_people_write_them(text: str, direction: str, days: int, on: date) -> None:
    found = read_days(text, MONDAY, direction)  # type: ignore[arg-type]
    assert found is not None
    assert (found.days, found.on) == (days, on)


def test_dates_are_counted_in_london_not_utc() -> None:
    # 23:30 UTC on Fri 10 Jul 2026 is already 00:30 on Saturday 11 Jul in London (BST).
    late = datetime(2026, 7, 10, 23, 30, tzinfo=UTC)
    assert read_days("tomorrow", late, "ahead").on == date(2026, 7, 12)  # type: ignore[union-attr]


def test_numbers_in_words_and_ages_inside_sentences() -> None:
    assert read_number("eighty two") == 82
    assert read_number("I'm 34") == 34
    assert mentioned_age("I AM 80 AND I GET PENSION CREDIT") == 80
    assert mentioned_age("my son is in maidstone") is None


@pytest.mark.parametrize(
    "text", ["can you delete my data please", "GDPR remove me", "remove my details", "wipe everything you have on me"]
)
def test_data_rights_in_any_wording(text: str) -> None:
    assert asks_to_forget(text)


@pytest.mark.parametrize(
    "text", ["remove him from my visitor list", "can you make it clear to me", "my details are wrong", "stop"]
)
def test_other_requests_are_not_data_rights(text: str) -> None:
    assert not asks_to_forget(text)


@pytest.mark.parametrize(
    ("text", "aside"),
    [("what is an acct", "glossary:acct"), ("whats a VO?", "glossary:vo"), ("thank you so much", "thanks"),
     ("hi", "greeting"), ("can I talk to a person?", "person"), ("2", None), ("my son", None)],
)  # fmt: skip
def test_asides(text: str, aside: str | None) -> None:
    assert read_aside(text) == aside


@pytest.mark.parametrize(
    ("text", "subject"),
    [("I was in care till 18 what can i get", "self"), ("my daughter is in prison", "female"),
     ("worried about my wife", "female"), ("my son was in care", "male"), ("my son and his girlfriend", "male"),
     ("help with travel costs", None)],
)  # fmt: skip
def test_who_the_conversation_is_about(text: str, subject: str | None) -> None:
    assert subject_of(text) == subject


def test_texts_are_said_to_the_care_leaver_or_about_her() -> None:
    text = "How old is he now? Was he looked after after his 16th birthday? Ask his prison offender manager."
    assert address_as(text, "self") == (
        "How old are you now? Were you looked after after your 16th birthday? Ask your prison offender manager."
    )
    assert address_as(text, "female") == (
        "How old is she now? Was she looked after after her 16th birthday? Ask her prison offender manager."
    )
    assert address_as(text, "male") == text
