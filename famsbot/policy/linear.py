"""A learned second reader of free text: TF-IDF features and a linear model, in plain Python.

The phrase lists of :mod:`famsbot.policy.risk` and :mod:`famsbot.policy.intents` are precise, but a new
phrasing that no phrase foresaw slips past them. A linear model over word and character n-grams
generalises a little further ("hes been tearing up his sheets" looks like "tearing his bedsheets into
strips"), so both readers also ask it, and combine its answer with their own.

Features (the same code at training and at run time, so they cannot drift apart):

- the words of :func:`famsbot.policy.text.plain_words` (lower case, ASCII, apostrophes folded, SMS
  shorthand expanded: "u" is "you", "gonna" is "going to"); no spelling correction, the character
  n-grams take care of typos;
- block ``word``: word 1- and 2-grams; block ``char``: character 2- to 5-grams inside each word padded
  with a space either side (scikit-learn's ``char_wb``);
- each count ``c`` becomes ``(1 + ln c) * idf`` with ``idf = ln((1 + n) / (1 + df)) + 1`` over the ``n``
  training messages (``df`` of them had the n-gram), and each block is scaled to unit length on its own.

A model is a JSON file in ``data/models`` written by ``bench/train_text_models.py``: per n-gram its
``df`` and its weights (integers, ``weight * scale``; near-zero weights are stored as 0), one intercept
per class, and whether it is ``binary`` (a logistic probability of the one class) or ``softmax`` (a
probability for each class). The file also records the SHA-256 of the data it was trained on and a few
messages with the probabilities the trainer computed, which the tests compare against.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from operator import mul
from typing import Any

from famsbot.policy.text import plain_words

__all__ = [
    "BLOCKS",
    "CHAR_NGRAMS",
    "WORD_NGRAMS",
    "LinearModel",
    "block_counts",
    "char_ngrams",
    "idf",
    "load_model",
    "model_path",
    "word_ngrams",
    "words",
]

BLOCKS = ("word", "char")
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
FORMAT = 1


def words(text: str) -> list[str]:
    """The words the model reads: :func:`famsbot.policy.text.plain_words`."""
    return plain_words(text)


def word_ngrams(tokens: Sequence[str]) -> dict[str, int]:
    """Counts of word 1- and 2-grams (joined by a space)."""
    counts: dict[str, int] = {}
    low, high = WORD_NGRAMS
    for n in range(low, high + 1):
        for i in range(len(tokens) - n + 1):
            gram = " ".join(tokens[i : i + n])
            counts[gram] = counts.get(gram, 0) + 1
    return counts


def char_ngrams(tokens: Sequence[str]) -> dict[str, int]:
    """Counts of character 2- to 5-grams inside each word padded with spaces (a short word counts once)."""
    counts: dict[str, int] = {}
    low, high = CHAR_NGRAMS
    for token in tokens:
        padded = f" {token} "
        size = len(padded)
        for n in range(low, high + 1):
            for i in range(max(1, size - n + 1)):
                gram = padded[i : i + n]
                counts[gram] = counts.get(gram, 0) + 1
            if size <= n:
                break
    return counts


def block_counts(tokens: Sequence[str]) -> tuple[dict[str, int], ...]:
    """The raw n-gram counts of each block, in the order of :data:`BLOCKS`."""
    return word_ngrams(tokens), char_ngrams(tokens)


def idf(df: int, documents: int) -> float:
    """Smoothed inverse document frequency, as scikit-learn computes it."""
    return math.log((1 + documents) / (1 + df)) + 1.0


@dataclass(frozen=True)
class LinearModel:
    """A loaded model: vocabulary per block, idf and weights per feature, intercepts per class."""

    name: str
    kind: str  # "binary" or "softmax"
    classes: tuple[str, ...]
    index: tuple[dict[str, int], ...]  # per block: n-gram -> feature number
    idf: list[float]
    weights: tuple[list[float], ...]  # per class (one for binary): weight of each feature
    intercepts: tuple[float, ...]
    meta: dict[str, Any]

    def vector(self, tokens: Sequence[str]) -> tuple[list[int], list[float]]:
        """The TF-IDF vector of ``tokens``: feature numbers and values, each block of unit length."""
        features: list[int] = []
        values: list[float] = []
        for index, counts in zip(self.index, block_counts(tokens), strict=True):
            found = [(index[gram], count) for gram, count in counts.items() if gram in index]
            if not found:
                continue
            block = [(1.0 + math.log(count)) * self.idf[j] for j, count in found]
            norm = math.sqrt(sum(v * v for v in block))
            features += [j for j, _ in found]
            values += [v / norm for v in block]
        return features, values

    def scores(self, tokens: Sequence[str]) -> list[float]:
        """The linear score of each class (one for a binary model)."""
        features, values = self.vector(tokens)
        return [
            b + sum(map(mul, values, map(w.__getitem__, features)))
            for w, b in zip(self.weights, self.intercepts, strict=True)
        ]

    def probabilities(self, tokens: Sequence[str]) -> dict[str, float]:
        """Class probabilities: for a binary model only its one class; for softmax all, summing to 1."""
        scores = self.scores(tokens)
        if self.kind == "binary":
            return {self.classes[0]: _sigmoid(scores[0])}
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def probability(self, text: str) -> float:
        """For a binary model: the probability of its class for a message as sent."""
        return self.probabilities(words(text))[self.classes[0]]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def model_path(name: str) -> str:
    """Where the model called ``name`` lives inside the package (``data/models/<name>.json``)."""
    return f"data/models/{name}.json"


def from_dict(raw: dict[str, Any]) -> LinearModel:
    """A model from the parsed JSON of a model file."""
    if raw.get("format") != FORMAT:
        raise ValueError(f"unknown model format {raw.get('format')!r}")
    classes = tuple(str(c) for c in raw["classes"])
    width = 1 if raw["kind"] == "binary" else len(classes)
    documents = int(raw["documents"])
    scale = float(raw["scale"])
    index: list[dict[str, int]] = []
    idfs: list[float] = []
    columns: list[list[float]] = [[] for _ in range(width)]
    for block in BLOCKS:
        mapping: dict[str, int] = {}
        for gram, row in raw["vocabulary"][block].items():
            mapping[gram] = len(idfs)
            idfs.append(idf(int(row[0]), documents))
            for k in range(width):
                columns[k].append(row[1 + k] / scale)
        index.append(mapping)
    return LinearModel(
        name=str(raw["name"]),
        kind=str(raw["kind"]),
        classes=classes,
        index=tuple(index),
        idf=idfs,
        weights=tuple(columns),
        intercepts=tuple(float(b) for b in raw["intercepts"]),
        meta={k: v for k, v in raw.items() if k not in ("vocabulary", "intercepts")},
    )


@cache
def load_model(name: str) -> LinearModel:
    """The model shipped as ``data/models/<name>.json``, read once."""
    text = resources.files("famsbot.policy").joinpath(model_path(name)).read_text("utf-8")
    return from_dict(json.loads(text))
