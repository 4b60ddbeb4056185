"""How well and how fast famsbot understands free text: ``python bench/classify.py``.

Prints, for both splits of the labelled sets in tests/policy/data (``train``: what the phrase lists were
tuned on; ``dev``: kept aside and never tuned on):

- intents: per-label precision / recall / F1 and the confusion matrix;
- risk: recall of urgent messages and the false-alarm rate on the others, and the same out of fold
  (each source group scored by a model that never saw it: the train split flatters the learned
  model, which was fitted on it);
- for the train split, the same headline figures per ``source`` (rows added later: ``blind1``, a batch
  written by someone who never saw the code; ``variants``, phrasings written for each pattern family);
- latency per message (p50 / p99) of ``risk.assess`` and ``intents.classify``, over many passes.

``--errors`` also lists the misclassified messages of the train split (never of dev, so the held-out
figures stay honest). ``--protected-words`` regenerates famsbot/policy/data/protected_words.txt from the
system word lists (Debian packages wbritish and wamerican) after phrase words have been added.
Speed is measured here and only here, never in the tests.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from collections import Counter
from pathlib import Path

from famsbot.policy import intents, risk
from famsbot.policy.text import Speller, protected_words

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "policy" / "data"
DICTIONARIES = (Path("/usr/share/dict/british-english"), Path("/usr/share/dict/american-english"))
PROTECTED = ROOT / "famsbot" / "policy" / "data" / "protected_words.txt"


def source(row: dict[str, object]) -> str:
    """Where a labelled row came from: ``original`` for the first sets, else its ``source`` field."""
    return str(row.get("source") or "original")


def load(name: str) -> list[dict[str, object]]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def intent_report(rows: list[dict[str, object]], split: str, show_errors: bool) -> None:
    cases = [r for r in rows if r["split"] == split]
    pairs = [(str(r["label"]), intents.classify(str(r["text"])).label, str(r["text"])) for r in cases]
    correct = sum(gold == got for gold, got, _ in pairs)
    print(f"\n== intents, {split} split: {len(pairs)} messages, accuracy {correct / len(pairs):.3f}")
    print(f"{'label':16} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>4}")
    for label in intents.LABELS:
        tp = sum(gold == got == label for gold, got, _ in pairs)
        predicted = sum(got == label for _, got, _ in pairs)
        actual = sum(gold == label for gold, _, _ in pairs)
        precision = tp / predicted if predicted else 1.0
        recall = tp / actual if actual else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"{label:16} {precision:6.3f} {recall:6.3f} {f1:6.3f} {actual:4}")
    short = [label[:7] for label in intents.LABELS]
    print("confusion (rows = expected, columns = got):")
    print(" " * 16 + " ".join(f"{s:>7}" for s in short))
    counts = Counter((gold, got) for gold, got, _ in pairs)
    for gold in intents.LABELS:
        print(f"{gold:16}" + " ".join(f"{counts[(gold, got)] or '.':>7}" for got in intents.LABELS))
    if split == "train":
        for name in sorted({source(r) for r in cases}):
            mine = [(g, t) for (g, t, _), r in zip(pairs, cases, strict=True) if source(r) == name]
            right = sum(g == t for g, t in mine)
            print(f"  source {name:9} accuracy {right / len(mine):.3f} ({right}/{len(mine)})")
    if show_errors and split == "train":
        for gold, got, text in pairs:
            if gold != got:
                print(f"  expected {gold}, got {got}: {text}")


def risk_report(rows: list[dict[str, object]], split: str, show_errors: bool) -> None:
    cases = [r for r in rows if r["split"] == split]
    urgent = [r for r in cases if r["urgent"]]
    calm = [r for r in cases if not r["urgent"]]
    caught = [r for r in urgent if risk.assess(str(r["text"])).urgent]
    alarms = [r for r in calm if risk.assess(str(r["text"])).urgent]
    print(
        f"\n== risk, {split} split: recall {len(caught) / len(urgent):.3f} ({len(caught)}/{len(urgent)}), "
        f"false alarms {len(alarms) / len(calm):.3f} ({len(alarms)}/{len(calm)})"
    )
    if split == "train":
        for name in sorted({source(r) for r in cases}):
            counts = [sum(source(r) == name for r in rows) for rows in (caught, urgent, alarms, calm)]
            print(f"  source {name:9} recall {counts[0]}/{counts[1]}, false alarms {counts[2]}/{counts[3]}")
    if show_errors and split == "train":
        for r in urgent:
            if r not in caught:
                print(f"  missed: {r['text']}")
        for r in alarms:
            print(f"  false alarm: {r['text']}")


def latency(texts: list[str], passes: int) -> None:
    risk.assess("warm up")
    intents.classify("warm up")
    for name, function in (("risk.assess", risk.assess), ("intents.classify", intents.classify)):
        timings: list[float] = []
        for _ in range(passes):
            for text in texts:
                start = time.perf_counter()
                function(text)
                timings.append((time.perf_counter() - start) * 1000)
        timings.sort()
        p99 = timings[int(len(timings) * 0.99) - 1]
        print(
            f"{name:17} p50 {statistics.median(timings):.3f} ms  p99 {p99:.3f} ms  "
            f"max {timings[-1]:.3f} ms  ({len(timings)} calls)"
        )


def cold_latency(texts: list[str]) -> None:
    """Each message once, with the spellers' caches emptied: the worst case for unseen words."""
    spellers = [risk._rules().speller, intents._model().speller]
    timings: list[float] = []
    for text in texts:
        for speller in spellers:
            speller._cache.clear()
        start = time.perf_counter()
        intents.classify(text)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    print(
        f"intents.classify, cold caches: p50 {statistics.median(timings):.3f} ms  p99 "
        f"{timings[int(len(timings) * 0.99) - 1]:.3f} ms"
    )


def out_of_fold() -> None:
    """The risk gate on messages its model never saw: the trainer's cross-validation by source.

    The train-split figures above flatter the learned model, which was fitted on those messages; these
    (stored in risk.json when it was trained) are each group scored by a model trained on the others.
    ``blind2`` is the honest one for the phrase lists too: they were never tuned on it.
    """
    meta = risk.risk_model()
    if meta is None:
        print("\n== no risk model could be loaded")
        return
    print(f"\n== risk, out of fold by source (model threshold {risk.threshold(meta)})")
    for group, row in meta.meta["cross_validation"]["at_threshold"].items():
        print(
            f"  {group:9s} recall {row['caught']}/{row['urgent']} (phrases alone {row['caught_by_rules']}), "
            f"false alarms {row['alarms']}/{row['calm']} (phrases alone {row['alarms_by_rules']})"
        )


def regenerate_protected_words() -> None:
    words: set[str] = set()
    for path in DICTIONARIES:
        words |= {
            w
            for w in path.read_text(encoding="utf-8", errors="ignore").split()
            if re.fullmatch(r"[a-z]{5,}", w)
        }
    protected: set[str] = set()
    for speller in (risk._rules().speller, intents._model().speller):
        bare = Speller(speller.targets)
        protected |= {w for w in words if bare.correct(w) != w}
    header = PROTECTED.read_text(encoding="utf-8").split("\n\n", 1)[0]
    PROTECTED.write_text(header + "\n\n" + "\n".join(sorted(protected)) + "\n", encoding="utf-8")
    protected_words.cache_clear()
    print(f"{len(protected)} protected words written to {PROTECTED}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--errors", action="store_true", help="list train-split mistakes")
    parser.add_argument("--passes", type=int, default=50, help="timing passes over all messages")
    parser.add_argument("--protected-words", action="store_true", help="regenerate protected_words.txt")
    args = parser.parse_args()
    if args.protected_words:
        regenerate_protected_words()
        return
    intent_rows = load("intent_cases.jsonl")
    risk_rows = load("risk_cases.jsonl")
    for split in ("train", "dev"):
        intent_report(intent_rows, split, args.errors)
    for split in ("train", "dev"):
        risk_report(risk_rows, split, args.errors)
    out_of_fold()
    texts = [str(r["text"]) for r in intent_rows + risk_rows]
    print(f"\n== latency per message ({len(texts)} messages x {args.passes} passes)")
    latency(texts, args.passes)
    cold_latency(texts)


if __name__ == "__main__":
    main()
