"""Checks that every language says everything, with the same placeholders, within the SMS budget.

English (``texts/en``) is the reference. A translation must have exactly its keys and, per key,
exactly its ``{placeholders}``: a missing key, an extra key or a placeholder mismatch fails
``famsbot content check`` (each on its own line, naming the file, so late additions are easy to
find and translate). Texts flagged ``review: true`` await a native speaker: they are reported as
notes, which do not fail the check, so the gap stays visible.
"""

from __future__ import annotations

import string

from famsbot.content.language import EMERGENCY_ONLY
from famsbot.content.loader import Content, Texts
from famsbot.sms_text import MAX_SEGMENTS, segments, sms_safe

__all__ = ["budget_problems", "review_notes", "translation_problems"]

STAND_IN = "x" * 16  # a placeholder's value when a text is measured on its own (a prison name, a number)
# Read only by staff, always sent in English (``language.STAFF``): not translated.
STAFF_KEYS = ("concern.alert_", "concern.ago_")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _file(key: str) -> str:
    return key.split(".", 1)[0]


def translation_problems(content: Content) -> list[str]:
    """Every key missing from, or extra in, each translation, and every placeholder that differs."""
    problems: list[str] = []
    family = {key for key in content.texts if not key.startswith(STAFF_KEYS)}
    for lang, texts in sorted(content.translations.items()):
        own = set(texts)
        # Emergency-only languages word whole files (urgent.yaml): each must be complete.
        english = {k for k in family if _file(k) in {_file(o) for o in own}} if lang in EMERGENCY_ONLY else family
        problems.extend(
            f"texts/{lang}/{_file(key)}.yaml: {key.split('.', 1)[1]} is missing (to translate: "
            f"{content.texts.raw(key)[:60]!r})"
            for key in sorted(english - own)
        )
        problems.extend(f"texts/{lang}/{_file(key)}.yaml: {key.split('.', 1)[1]} is not in texts/en"
                        for key in sorted(own - english))  # fmt: skip
        for key in sorted(english & own):
            theirs, ours = _placeholders(texts.raw(key)), _placeholders(content.texts.raw(key))
            if theirs != ours:
                problems.append(f"texts/{lang}/{_file(key)}.yaml: {key.split('.', 1)[1]}: placeholders "
                                f"{sorted(theirs)} differ from English {sorted(ours)}")  # fmt: skip
    return problems


def budget_problems(content: Content) -> list[str]:
    """Every text, in every language, fits the SMS budget of one reply once its placeholders are filled.

    Except the emergency route in the emergency-only languages (Urdu script costs UCS-2): it is sent
    alone and whole, never shortened, because numbers first matter more than cost.
    """
    problems: list[str] = []
    for texts in [content.texts, *content.translations.values()]:
        for key in texts:
            if texts.language in EMERGENCY_ONLY:
                continue
            body = sms_safe(_filled(texts, key))
            if (count := segments(body)) > MAX_SEGMENTS:
                problems.append(f"texts/{texts.language}/{_file(key)}.yaml: {key.split('.', 1)[1]}: "
                                f"{count} SMS segments (max {MAX_SEGMENTS})")  # fmt: skip
    return problems


def _filled(texts: Texts, key: str) -> str:
    template = texts.raw(key)
    return template.format(**dict.fromkeys(_placeholders(template), STAND_IN))


def review_notes(content: Content) -> list[str]:
    """One line per language: how many texts await review by a native speaker, and which files."""
    notes: list[str] = []
    for lang, texts in sorted(content.translations.items()):
        if texts.review:
            files = sorted({_file(key) for key in texts.review})
            notes.append(f"texts/{lang}: {len(texts.review)} of {len(set(texts))} texts need review by a "
                         f"native speaker ({', '.join(files)})")  # fmt: skip
    return notes
