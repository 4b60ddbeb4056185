"""Reading an answer the way families write it: yes/no, "not sure", numbers, times and dates.

One reader for every question in every flow, so "nah", "not really", "please don't tell him" and
"i dont know it" mean the same thing wherever they are typed. Pure functions of the text (and,
for dates, of the turn's clock): no content, no database. Each returns ``None`` when the text
is not that kind of answer, so a caller can try something else (an option, a new request).

Why here and not in the dialogue: the risk gate (``policy.risk``) also needs to know when a
message is only an answer to the bot's own yes/no question ("no not right now i dont think").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from famsbot.policy.text import plain_words

__all__ = [
    "GLOSSARY",
    "LONDON",
    "Aside",
    "Subject",
    "address_as",
    "asks_to_forget",
    "Days",
    "Direction",
    "mentioned_age",
    "plain_answer",
    "read_aside",
    "read_days",
    "read_number",
    "says_unsure",
    "subject_of",
    "today_in_london",
    "yes_no",
]

LONDON = ZoneInfo("Europe/London")

_UNSURE_PHRASES = (
    "not sure", "unsure", "dont know", "do not know", "no idea", "idk", "dk", "no clue", "not certain",
    "im not sure", "not really sure", "maybe", "dont no", "not a clue", "cant remember", "dont remember",
    "cant say", "hard to say", "who knows", "havent a clue", "dont know what that is", "what does that mean",
    "what does it mean", "what is that", "whats that", "explain", "nie wiem", "dim syniad", "pata nahi",
    "nie jestem pewien", "nie jestem pewna", "dwi ddim yn siwr", "ddim yn gwybod",
    "ansicr", "ddim yn siwr", "dwn i ddim", "wn i ddim",
)  # fmt: skip
# Whole messages that say "no": negations, hedges and refusals (English, Welsh, Polish, Urdu).
_NO_START = ("no", "nah", "nope", "na", "nay", "naw", "nie", "nahi", "nai", "negative", "never", "nop", "noo",
             "naddo", "nage")  # fmt: skip
_NO_PHRASES = (
    "not really", "not at all", "i dont think so", "dont think so", "i dont think", "not right now", "not now",
    "not yet", "not at the moment", "rather not", "id rather not", "please dont", "dont", "do not", "not",
    "no thanks", "no thank you", "na diolch", "nie dziekuje", "i havent", "havent", "i have not", "i didnt",
    "didnt", "he isnt", "she isnt", "isnt", "wasnt", "arent", "aint", "i am not", "im not", "hes not",
    "shes not", "theyre not", "not anymore", "none", "neither", "nobody", "no one", "nothing", "dont tell",
    "better not", "definitely not", "of course not", "absolutely not", "not today", "no way",
    "nac ydw", "nac ydy", "dim diolch",
)  # fmt: skip
_YES_START = ("yes", "y", "yeah", "yea", "yep", "yup", "ye", "yh", "ya", "yeh", "yas", "yess", "aye", "tak",
              "ie", "oes", "haan", "han", "ji", "ok", "okay", "okey", "k", "sure", "correct", "definitely",
              "absolutely", "certainly", "affirmative", "yesss", "yah", "yis", "ydw", "ydy", "ydyn", "iawn",
              "gwnaf", "cewch")  # fmt: skip
_YES_PHRASES = (
    "of course", "go ahead", "please do", "that is fine", "thats fine", "fine", "that is right", "thats right",
    "thats correct", "i have", "i am", "i was", "i do", "he is", "she is", "they are", "he was", "she was",
    "it is", "it was", "yes please", "sounds good", "alright", "all right", "you can", "you may", "do it",
    "i think so", "i guess so", "probably", "please tell him", "please tell her", "go on", "he does",
    "she does", "i did", "we have", "we are", "we did", "indeed", "100", "why not", "tell him", "tell her",
    "not safe", "in danger",
)  # fmt: skip
# "Not" here describes the person, it does not answer no: "he's not safe" is a yes to "in danger?".
_NOT_CONTENT = ("not safe", "not ok", "not okay", "not alright", "not fine", "not good", "not well",
                "not eating", "not sleeping", "not coping", "not himself", "not herself", "not answering")  # fmt: skip
_MAX_ANSWER_WORDS = 10
_PLAIN_ANSWER_WORDS = 7  # a longer message with no leading yes/no is something else, not an answer


def _has(words: str, phrase: str) -> bool:
    return f" {phrase} " in f" {words} "


def says_unsure(text: str) -> bool:
    """Is the message a way of saying "I'm not sure" ("dunno", "i dont know it", "no idea", "?")?

    >>> says_unsure("i dont know it"), says_unsure("idk tbh"), says_unsure("no he is fine")
    (True, True, False)
    """
    if text.strip().strip("!. ") in ("?", "??", "???"):
        return True
    words = " ".join(plain_words(text))
    if not words or len(words.split()) > _MAX_ANSWER_WORDS:
        return False
    if words.split()[0] in _YES_START:  # "yes i know", "yeah not sure why" is still a yes
        return False
    return any(_has(words, phrase) for phrase in _UNSURE_PHRASES)


def plain_answer(text: str) -> bool:
    """Is the whole message only a yes, a no or a "not sure" ("no not right now i dont think")?

    Used by the risk gate: such a message answers the bot's own question, so the learned model
    alone (which reads words, not whose question it is) must not make it urgent.
    """
    return len(plain_words(text)) <= _PLAIN_ANSWER_WORDS and (says_unsure(text) or yes_no(text) is not None)


def yes_no(text: str) -> bool | None:
    """``True`` for yes, ``False`` for no, ``None`` when the message is neither (or not sure).

    The first word wins when it is a plain yes or no ("no, he is ok" is no; "yes he is not
    eating" is yes). Otherwise a negation or hedge anywhere in a short answer is a no ("please
    don't tell him", "not right now", "i dont think so"); "please" or "right" alone are not yes.

    >>> yes_no("please dont tell him"), yes_no("not right now"), yes_no("please"), yes_no("YES I WAS")
    (False, False, None, True)
    """
    if says_unsure(text):
        return None
    words_list = plain_words(text)
    if not words_list:
        return None
    words = " ".join(words_list)
    first = words_list[0]
    if first in _NO_START and not (len(words_list) > 1 and words_list[1] in ("one", "idea", "clue", "problem")):
        return False
    if first in _YES_START:
        return True
    if len(words_list) > _MAX_ANSWER_WORDS:
        return None
    content = words
    for phrase in _NOT_CONTENT:
        content = f" {content} ".replace(f" {phrase} ", " ").strip()
    if any(_has(content, phrase) for phrase in _NO_PHRASES):
        return False
    if any(_has(words, phrase) for phrase in _NO_START if len(phrase) > 2):
        return False
    if any(_has(words, phrase) for phrase in _YES_START if len(phrase) > 2) or any(
        _has(words, phrase) for phrase in _YES_PHRASES
    ):
        return True
    return None


# --- numbers -----------------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "couple": 2,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}  # fmt: skip
_DIGITS = re.compile(r"(?<![\d.:/])(\d{1,3})(?![\d:/])")


def _word_number(words: list[str], i: int) -> tuple[int, int] | None:
    """The number written in words at ``words[i]`` ("eighty two", "twenty-one"), and how many words."""
    word = words[i]
    if word in _TENS:
        value = _TENS[word]
        if i + 1 < len(words) and words[i + 1] in _UNITS and 0 < _UNITS[words[i + 1]] < 10:
            return value + _UNITS[words[i + 1]], 2
        return value, 1
    if word in _UNITS and word not in ("a", "an", "couple"):
        return _UNITS[word], 1
    return None


def _numbers(text: str) -> list[int]:
    found = [int(n) for n in _DIGITS.findall(text.replace(",", " "))]
    words = plain_words(text.replace("-", " "))
    i = 0
    while i < len(words):
        hit = _word_number(words, i)
        if hit:
            found.append(hit[0])
            i += hit[1]
        else:
            i += 1
    return found


def read_number(text: str) -> int | None:
    """The one whole number in ``text``, in digits or words ("I'm 34", "eighty", "thirty two")."""
    numbers = _numbers(text)
    return numbers[0] if len(numbers) == 1 else None


_AGE = re.compile(r"\b(?:i am|im|i m|aged|age|i'm)\s+(\d{1,3})\b|\b(\d{1,3})\s*(?:years? old|yrs? old|yo)\b")


def mentioned_age(text: str) -> int | None:
    """An age the writer gives for themself inside a longer message ("I AM 80 and on pension credit")."""
    found = _AGE.search(" ".join(plain_words(text)))
    if not found:
        return None
    age = int(found.group(1) or found.group(2))
    return age if 0 < age <= 120 else None


# --- times and dates -----------------------------------------------------------------------------

Direction = Literal["ahead", "ago"]
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7, "fortnight": 14, "fortnights": 14,
              "month": 30, "months": 30, "mth": 30, "mths": 30}  # fmt: skip
_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2, "weds": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6, "poniedzialek": 0, "wtorek": 1, "sroda": 2, "czwartek": 3, "piatek": 4,
    "sobota": 5, "niedziela": 6, "dydd llun": 0, "dydd sadwrn": 5, "dydd sul": 6,
}  # fmt: skip
_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?: of)? ({_MONTH})\b")
_MONTH_DAY = re.compile(rf"\b({_MONTH}) (\d{{1,2}})(?:st|nd|rd|th)?\b")
_NUMERIC = re.compile(r"(?<![\d/])(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?(?![\d/])")
_SPAN = re.compile(
    r"\b(\d{1,3}|" + "|".join([*_UNITS, *_TENS]) + r")\s+(?:of\s+)?(days?|weeks?|wks?|fortnights?|months?|mths?)\b"
)


@dataclass(frozen=True, slots=True)
class Days:
    """A count of whole days from today, and the date it lands on (for reading it back).

    ``plain`` is true when the person typed just a number of days: nothing to read back.
    """

    days: int
    on: date
    plain: bool = False


def today_in_london(now: datetime) -> date:
    return now.astimezone(LONDON).date()


def read_days(text: str, now: datetime, direction: Direction) -> Days | None:
    """How many days ahead (``"ahead"``) or ago (``"ago"``) the message puts a day, or ``None``.

    Understands a plain number ("5", "5 days"), units ("in 2 weeks" = 14, "5 weeks ago" = 35, "a
    fortnight", "a month"), "today", "tomorrow", "yesterday", "next week", "last week", weekdays
    ("saturday": the next one, or for ``ago`` the last one) and dates ("19th dec", "19/12"),
    counted on the calendar in Europe/London from the turn's clock.
    """
    today = today_in_london(now)
    sign = 1 if direction == "ahead" else -1
    words = " ".join(plain_words(text.replace("/", " / ").replace("-", " - ")))
    raw = text.lower()

    def at(days: int, plain: bool = False) -> Days | None:
        return Days(days, today + timedelta(days=sign * days), plain) if days >= 0 else None

    if _has(words, "today") or _has(words, "this morning") or _has(words, "tonight"):
        return at(0)
    if _has(words, "tomorrow") or _has(words, "jutro") or _has(words, "yfory"):
        return at(1) if direction == "ahead" else None
    if _has(words, "yesterday") or _has(words, "wczoraj") or _has(words, "ddoe"):
        return at(1) if direction == "ago" else None
    if _has(words, "day after tomorrow"):
        return at(2)
    if dated := _calendar_date(raw, words, today, direction):
        days = (dated - today).days * sign
        return Days(days, dated) if days >= 0 else None
    for weekday_name, weekday in _WEEKDAYS.items():
        if _has(words, weekday_name):
            if direction == "ahead":
                days = (weekday - today.weekday()) % 7 or 7  # "next saturday": the coming one
            else:
                days = (today.weekday() - weekday) % 7 or 7
            return at(days)
    if _has(words, "next week") or _has(words, "in a week"):
        return at(7) if direction == "ahead" else None
    if _has(words, "last week") or _has(words, "a week ago"):
        return at(7) if direction == "ago" else None
    if _has(words, "next month"):
        return at(30) if direction == "ahead" else None
    if _has(words, "last month"):
        return at(30) if direction == "ago" else None
    total, spans = 0, _SPAN.findall(words)
    for amount, unit in spans:
        number = int(amount) if amount.isdigit() else _UNITS.get(amount, _TENS.get(amount, 0))
        total += number * _UNIT_DAYS[unit]
    if spans:
        return at(total, plain=all(unit.startswith("day") for _, unit in spans))
    if _has(words, "a fortnight") or _has(words, "fortnight"):
        return at(14)
    if _has(words, "a week") or words == "week":
        return at(7)
    if _has(words, "a month") or words == "month":
        return at(30)
    value = read_number(text)
    if value is not None and len(words.split()) <= 4:
        return at(value, plain=True)
    return None


def _calendar_date(raw: str, words: str, today: date, direction: Direction) -> date | None:
    """A day and month written out ("19th dec", "dec 19", "19/12"), in the nearest year that fits."""
    day = month = 0
    year: int | None = None
    if found := _DAY_MONTH.search(words):
        day, month = int(found.group(1)), _MONTHS[found.group(2)]
    elif found := _MONTH_DAY.search(words):
        day, month = int(found.group(2)), _MONTHS[found.group(1)]
    elif found := _NUMERIC.search(raw):
        day, month = int(found.group(1)), int(found.group(2))
        if found.group(3):
            year = int(found.group(3)) + (2000 if len(found.group(3)) == 2 else 0)
    else:
        return None
    candidates = [year] if year else [today.year - 1, today.year, today.year + 1]
    dates = []
    for candidate in candidates:
        try:
            dates.append(date(candidate, month, day))
        except ValueError:
            continue
    if not dates:
        return None
    if year:
        return dates[0]
    if direction == "ahead":
        ahead = [d for d in dates if d >= today]
        return min(ahead) if ahead else None
    behind = [d for d in dates if d <= today]
    return max(behind) if behind else None


# --- asides: a message that is not an answer, but deserves a kind reply ----------------------------

Aside = Literal["thanks", "greeting", "person"] | str  # or "glossary:<term>"
_THANKS = ("thanks", "thank you", "thankyou", "thank u", "cheers", "ta", "diolch", "dziekuje", "dzieki",
           "shukriya", "thanks so much", "thank you so much", "many thanks", "much appreciated")  # fmt: skip
_GREETINGS = ("hi", "hello", "hiya", "hey", "helo", "hey there", "hi there", "hello there", "good morning",
              "good afternoon", "good evening", "morning", "shwmae", "helo", "czesc", "dzien dobry", "salaam",
              "salam", "alright")  # fmt: skip
_PERSON = ("talk to a person", "speak to a person", "talk to someone", "speak to someone", "real person",
           "a human", "talk to a human", "speak to a human", "call someone", "speak to somebody",
           "talk to somebody", "can i ring someone", "a real person", "speak to a real", "talk to a real",
           "someone to talk to", "number to call", "can i call someone")  # fmt: skip
# The terms the bot uses, as people ask about them; each has a sourced definition in national.yaml.
GLOSSARY: dict[str, tuple[str, ...]] = {
    "acct": ("acct", "a c c t", "acct review", "acct plan", "care in custody"),
    "vo": ("vo", "vos", "visiting order", "visiting orders", "v o"),
    "iep": ("iep", "incentives", "incentive level", "incentives scheme", "earned privileges"),
    "safer_custody": ("safer custody", "safer custody team"),
    "apvs": ("apvs", "help with prison visits", "assisted prison visits"),
    "pom": ("pom", "offender manager", "prison offender manager"),
}
_ASKING = re.compile(r"^(?:what|wat|wot|whats|what s)(?: is| are| does| do)?(?: an| a| the| that| this| my)?\s+(.+?)"
                     r"(?: mean| stand for| mean please| please)?$")  # fmt: skip


def read_aside(text: str) -> Aside | None:
    """Thanks, a greeting, "can I talk to a person?", or "what is an ACCT?" (``glossary:acct``).

    Only short messages count: thanks inside a long answer is part of the answer.
    """
    words_list = plain_words(text)
    words = " ".join(words_list)
    if not words or len(words_list) > 12:
        return None
    if asked := _ASKING.match(words):
        term = asked.group(1).strip()
        for name, phrases in GLOSSARY.items():
            if term in phrases:
                return f"glossary:{name}"
    if text.strip().endswith("?") or len(words_list) <= 2:
        for name, phrases in GLOSSARY.items():
            if words in phrases:
                return f"glossary:{name}"
    if any(_has(words, phrase) for phrase in _PERSON):
        return "person"
    cleaned = " ".join(w for w in words_list if w not in ("so", "very", "much", "x", "xx", "xxx", "love", "lots"))
    if cleaned in _THANKS or (len(words_list) <= 6 and any(_has(words, t) for t in _THANKS if len(t) > 3)):
        return "thanks"
    if words in _GREETINGS or (len(words_list) <= 3 and words_list[0] in ("hi", "hello", "hiya", "hey")):
        return "greeting"
    return None


# --- data rights -----------------------------------------------------------------------------------

_ERASE = r"(?:delete|remove|erase|wipe|forget|clear|destroy|get rid of)"
_MINE = (r"(?:my (?:data|details|detail|info|information|number|phone number|messages|account|chat|conversation|"
         r"personal data|records?|name)|everything(?: you have)?(?: on me| about me)?|all my \w+)")  # fmt: skip
_FORGET = re.compile(
    rf"\b{_ERASE}\b(?: \w+){{0,3}} {_MINE}\b|\b{_ERASE} me\b|\bgdpr\b|\bright to be forgotten\b|\bdata protection\b"
    r"|\busun(?:ac|ąć)? moje dane\b|\bdileu fy manylion\b"
)


def asks_to_forget(text: str) -> bool:
    """Does a short message ask for the person's data to be deleted, in any wording?

    "can you delete my data please", "GDPR remove me", "remove my details", "wipe everything you
    have on me". Long messages are left alone ("they removed my details from his visitor list ...
    and he is upset" is a worry, not a request): the forget flow confirms before deleting anyway.
    """
    words = " ".join(plain_words(text))
    return len(words.split()) <= 12 and bool(_FORGET.search(words)) and "visitor list" not in words


# --- who the conversation is about -------------------------------------------------------------------

Subject = Literal["self", "female", "male"]
_SELF = re.compile(
    r"\b(?:i was|im|i am|ive been|i have been|i left|i grew up|i lived|i came out of|when i was)\b"
    r"(?: \w+){0,6} (?:care|foster|fostered|looked after|care leaver|childrens home|kids home|a home)\b"
    r"|\b(?:am i|can i get|what can i get|im a care leaver|i am a care leaver|for me|about me|myself)\b"
)
_FEMALE = re.compile(
    r"\bmy (?:daughter|wife|mum|mother|sister|girlfriend|gf|nan|nana|gran|grandma|granddaughter|niece|aunt|"
    r"auntie|stepdaughter|step daughter|fiancee|missus|mrs)\b|\b(?:she|shes|her|herself)\b|\bwomens prison\b"
)
_MALE = re.compile(
    r"\bmy (?:son|husband|brother|bro|dad|father|boyfriend|bf|grandson|nephew|uncle|stepson|fiance|partner he)\b"
    r"|\b(?:he|hes|him|his|himself)\b"
)


def subject_of(text: str) -> Subject | None:
    """Whom a message is about: the writer themself ("I was in care"), a woman or girl ("my
    daughter", "she"), a man or boy; ``None`` when it does not say."""
    words = " ".join(plain_words(text))
    female, male = _FEMALE.search(words), _MALE.search(words)
    if _SELF.search(words) and not (female or male):
        return "self"
    if female and not (male and male.start() < female.start()):
        return "female"
    return "male" if male else None


# Texts are written about "him"; these say them to or about the right person. Grammar, not wording:
# verbs that follow "he" in the texts are listed so that "Is he" becomes "Are you".
_TO_YOU = [
    (r"\bIs he\b", "Are you"), (r"\bis he\b", "are you"), (r"\bWas he\b", "Were you"), (r"\bwas he\b", "were you"),
    (r"\bDoes he\b", "Do you"), (r"\bdoes he\b", "do you"), (r"\bHas he\b", "Have you"), (r"\bhas he\b", "have you"),
    (r"\bhe is\b", "you are"), (r"\bhe was\b", "you were"), (r"\bhe's\b", "you're"), (r"\bhe has\b", "you have"),
    (r"\bhe does\b", "you do"), (r"\bhe doesn't\b", "you don't"), (r"\bhe isn't\b", "you aren't"),
    (r"\bhe wasn't\b", "you weren't"), (r"\bHe is\b", "You are"), (r"\bHe was\b", "You were"),
    (r"\bHe has\b", "You have"), (r"\bhe agrees\b", "you agree"), (r"\bhe gets\b", "you get"),
    (r"\bhe needs\b", "you need"), (r"\bhe lives\b", "you live"), (r"\bhe wants\b", "you want"),
    (r"\bhe turns\b", "you turn"), (r"\bhe goes\b", "you go"), (r"\bhe leaves\b", "you leave"),
    (r"\bhe stays\b", "you stay"), (r"\bhe moves\b", "you move"), (r"\bhe starts\b", "you start"),
    (r"\bhe qualifies\b", "you qualify"), (r"\bhe counts\b", "you count"),
    (r"\bhimself\b", "yourself"), (r"\bHis\b", "Your"), (r"\bhis\b", "your"), (r"\bhim\b", "you"),
    (r"\bHe\b", "You"), (r"\bhe\b", "you"),
]  # fmt: skip
_TO_HER = [
    (r"\bhimself\b", "herself"), (r"\bHis\b", "Her"), (r"\bhis\b", "her"), (r"\bhim\b", "her"), (r"\bHe\b", "She"),
    (r"\bhe\b", "she"), (r"\bhe's\b", "she's"), (r"\bman\b", "woman"), (r"\bmen\b", "women"),
]  # fmt: skip


def address_as(text: str, subject: str | None) -> str:
    """``text``, written about "him", said to the writer ("you") or about a woman ("she")."""
    if subject not in ("self", "female"):
        return text
    for pattern, replacement in _TO_YOU if subject == "self" else _TO_HER:
        text = re.sub(pattern, replacement, text)
    return text
