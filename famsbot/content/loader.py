"""Loading and checking content: prisons, national facts and the wording of every message.

Content is read once per process and validated as a whole; every problem is collected so that
``famsbot content check`` can list them all at once instead of stopping at the first.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from famsbot.content.directory import Directory, DirectoryPrison, load_directory
from famsbot.content.language import DEFAULT, EMERGENCY_ONLY, LANGUAGES, current
from famsbot.content.schema import REQUIRED_FACTS, REQUIRED_PHONES, Fact, National, Phone, Prison
from famsbot.content.strict_yaml import load_strict
from famsbot.errors import ContentError
from famsbot.policy.prisons import PrisonIndex, PrisonNames

__all__ = ["CONTENT_DIR", "Content", "Texts", "get_content", "load_content"]

CONTENT_DIR = Path(__file__).parent
PRISON_IDS = ("maidstone", "stoke-heath", "chelmsford")
# Wording must not carry facts of its own: phone numbers belong in sourced data.
_PHONE_LIKE = re.compile(r"\b0\d{3,4} ?\d{3} ?\d{3,4}\b|\b\d{3} \d{3}\b|\b999\b|\b111\b")


class Texts:
    """The wording of every message in one language, by key (``"visits.ask_topic"``), with ``{placeholders}``.

    A translation falls back to English for a key it lacks, so a text added in English late is
    never a crash for a Welsh speaker; ``famsbot content check`` lists every such gap.
    ``review`` holds the keys whose wording awaits review by a native speaker.
    """

    def __init__(
        self,
        entries: dict[str, str],
        *,
        language: str = DEFAULT,
        fallback: Texts | None = None,
        review: frozenset[str] = frozenset(),
    ) -> None:
        self._entries = entries
        self.language = language
        self.fallback = fallback
        self.review = review

    def __contains__(self, key: object) -> bool:
        return key in self._entries or (self.fallback is not None and key in self.fallback)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def own(self, key: str) -> bool:
        """Is ``key`` worded in this language (not borrowed from the fallback)?"""
        return key in self._entries

    def raw(self, key: str) -> str:
        if key in self._entries:
            return self._entries[key]
        if self.fallback is not None:
            return self.fallback.raw(key)
        raise ContentError([f"text {key!r} is missing from content/texts/{self.language}"])

    def get(self, key: str, **values: Any) -> str:
        """The text for ``key`` with its placeholders filled; a missing placeholder is a content error."""
        template = self.raw(key)
        try:
            return template.format(**values)
        except (KeyError, IndexError) as exc:
            raise ContentError([f"text {key!r} needs a value for {exc}"]) from None

    def placeholders(self, key: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(self.raw(key)) if name}


@dataclass(frozen=True)
class Content:
    """Everything the bot may say, validated.

    ``prisons`` are the hand-written, richly sourced seed prisons; ``directory`` is every prison in
    England and Wales (``content/directory``), the seed prisons included, with their NOMIS codes.
    """

    prisons: dict[str, Prison]
    national: National
    texts: Texts
    directory: Directory = field(default_factory=lambda: Directory([]))
    translations: Mapping[str, Texts] = field(default_factory=dict)  # by language, English excluded

    def prison(self, prison_id: str) -> Prison:
        return self.prisons[prison_id]

    def text(self, key: str, lang: str | None = None, **values: Any) -> str:
        """The text ``key`` in ``lang``, else in the language of this turn (``content.language``)."""
        return self.texts_in(lang or current()).get(key, **values)

    def texts_in(self, lang: str) -> Texts:
        return self.translations.get(lang, self.texts)

    def phone(self, name: str) -> Phone:
        return self.national.phones[name]

    def fact(self, name: str) -> Fact:
        return self.national.facts[name]

    @cached_property
    def prison_names(self) -> PrisonIndex:
        """The seed prisons' names, indexed once (callers that can only handle seed prisons)."""
        return PrisonIndex([PrisonNames(p.id, [p.name, *p.aliases], p.towns) for p in self.prisons.values()])

    @cached_property
    def prison_index(self) -> PrisonIndex:
        """Every prison in the directory, indexed once: names, Welsh names, towns, NOMIS codes."""
        return PrisonIndex([_names(p) for p in self.directory])

    def prison_name(self, prison: Prison | DirectoryPrison | str, lang: str | None = None) -> str:
        """The name families know a prison by, in their language: the directory's Welsh form in Welsh where
        it has one; else the seed file's name, else the directory's, else the key itself."""
        key = prison if isinstance(prison, str) else prison.id
        place = self.place(key)
        if (lang or current()) == "cy" and place is not None and place.name_cy:
            return place.name_cy
        if key in self.prisons:
            return self.prisons[key].name
        return place.name if place else key

    def place(self, key: object) -> DirectoryPrison | None:
        """The directory entry for an id or NOMIS code (``"MSI"`` → Maidstone), or ``None``."""
        return self.directory.get(key) if isinstance(key, str) else None


def _names(prison: DirectoryPrison) -> PrisonNames:
    names = [prison.name, prison.short_name, prison.group.replace("-", " "), *prison.aliases]
    if prison.name_cy:
        names.append(prison.name_cy)
    return PrisonNames(prison.id, names, prison.towns, code=prison.nomis_id, weak=prison.weak_names, label=prison.name,
                       site_words=prison.site_words)


def _read_yaml(path: Path, problems: list[str]) -> Any:
    try:
        return load_strict(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        problems.append(f"{path.name}: cannot be read: {exc}")
        return None


def _validation_problems(where: str, exc: ValidationError) -> list[str]:
    return [f"{where}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]


def _load_prisons(root: Path, problems: list[str]) -> dict[str, Prison]:
    prisons: dict[str, Prison] = {}
    for prison_id in PRISON_IDS:
        path = root / "prisons" / f"{prison_id}.yaml"
        if not path.exists():
            problems.append(f"prisons/{prison_id}.yaml is missing")
            continue
        data = _read_yaml(path, problems)
        try:
            prison = Prison.model_validate(data)
        except ValidationError as exc:
            problems.extend(_validation_problems(f"prisons/{prison_id}.yaml", exc))
            continue
        if prison.id != prison_id:
            problems.append(f"prisons/{prison_id}.yaml: id is {prison.id!r}, expected {prison_id!r}")
        prisons[prison_id] = prison
    codes = [p.code for p in prisons.values()]
    if len(set(codes)) != len(codes):
        problems.append(f"prison codes must be unique, got {codes}")
    return prisons


def _load_national(root: Path, problems: list[str]) -> National | None:
    data = _read_yaml(root / "national.yaml", problems)
    try:
        national = National.model_validate(data)
    except ValidationError as exc:
        problems.extend(_validation_problems("national.yaml", exc))
        return None
    problems.extend(f"national.yaml: phones.{n} is missing" for n in sorted(REQUIRED_PHONES - set(national.phones)))
    problems.extend(f"national.yaml: facts.{n} is missing" for n in sorted(REQUIRED_FACTS - set(national.facts)))
    return national


def _load_texts(root: Path, language: str, problems: list[str], fallback: Texts | None = None) -> Texts:
    """One language's texts. A text is a string, or ``{text: ..., review: true}`` while it awaits a
    native speaker's review (``famsbot content check`` reports those without failing)."""
    entries: dict[str, str] = {}
    review: set[str] = set()
    for path in sorted((root / "texts" / language).glob("*.yaml")):
        if path.stem == "glossary":
            continue  # the translators' glossary: notes on terms, not messages
        data = _read_yaml(path, problems) or {}
        if not isinstance(data, dict):
            problems.append(f"texts/{language}/{path.name}: must be a mapping of key: text")
            continue
        for key, value in data.items():
            where = f"texts/{language}/{path.name}: {key}"
            if not isinstance(key, str):
                problems.append(f"{where}: key must be text (quote yes/no/on/off keys)")
                continue
            if isinstance(value, dict) and isinstance(value.get("text"), str):
                if value.get("review"):
                    review.add(f"{path.stem}.{key}")
                value = value["text"]
            if not isinstance(value, str):
                problems.append(f"{where}: must be a string")
                continue
            entries[f"{path.stem}.{key}"] = value.strip()
            problems.extend(_wording_problems(where, value))
    return Texts(entries, language=language, fallback=fallback, review=frozenset(review))


def _wording_problems(where: str, value: str) -> list[str]:
    problems = []
    if match := _PHONE_LIKE.search(value):
        problems.append(f"{where}: wording contains a number ({match.group()}); put facts in sourced content")
    try:
        list(string.Formatter().parse(value))
    except ValueError as exc:
        problems.append(f"{where}: bad placeholder: {exc}")
    return problems


def load_content(root: Path = CONTENT_DIR) -> Content:
    """Read and validate all content under ``root``; raise :class:`ContentError` listing every problem.

    Facts and wording may use any character (Welsh ŵ ŷ â included): what a text costs on SMS is
    checked on the rendered text against the segment budget (``content.checks``), not by alphabet.
    """
    problems: list[str] = []
    prisons = _load_prisons(root, problems)
    national = _load_national(root, problems)
    texts = _load_texts(root, DEFAULT, problems)
    translations = {lang: _load_texts(root, lang, problems, fallback=texts)
                    for lang in (*LANGUAGES, *EMERGENCY_ONLY) if lang != DEFAULT}  # fmt: skip
    directory = load_directory(root / "directory" / "prisons.json", problems)
    problems.extend(_directory_problems(directory, prisons))
    if problems or national is None:
        raise ContentError(problems or ["national.yaml could not be loaded"])
    return Content(prisons=prisons, national=national, texts=texts, directory=directory, translations=translations)


def _directory_problems(directory: Directory, prisons: dict[str, Prison]) -> list[str]:
    """The directory must hold every seed prison."""
    return [f"directory/prisons.json: seed prison {p!r} is missing" for p in prisons if p not in directory]


@lru_cache(maxsize=1)
def get_content() -> Content:
    """The packaged content, loaded once per process, with the prison-name index built up front
    (so the first family to name a prison does not wait for it)."""
    content = load_content()
    _ = content.prison_index
    return content
