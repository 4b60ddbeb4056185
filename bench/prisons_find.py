"""Benchmark: recognising a prison in a message, over the whole national directory.

Times ``PrisonIndex.match`` (what ``famsbot prisons find`` and every prison question use) on every
phrasing of the labelled set in ``tests/policy/data/prison_phrasings.yaml``, cold (the per-text
cache cleared before each call), and prints p50/p99/max per call, the accuracy on the set, and how
long building the index at content load takes.

    python bench/prisons_find.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import yaml

from famsbot.content.loader import load_content
from famsbot.policy.prisons import PrisonIndex

CASES = Path(__file__).resolve().parents[1] / "tests" / "policy" / "data" / "prison_phrasings.yaml"


def _expected(case: dict[str, Any]) -> tuple[str, ...]:
    expect = case["expect"]
    return () if expect is None else (expect,) if isinstance(expect, str) else tuple(sorted(expect))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cases: list[dict[str, Any]] = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    started = time.perf_counter()
    content = load_content()
    loaded = time.perf_counter()
    index: PrisonIndex = content.prison_index
    built = time.perf_counter()
    timings: list[float] = []
    right = 0
    for round_number in range(args.rounds):
        for case in cases:
            index.clear_cache()
            start = time.perf_counter()
            found = index.match(case["text"])
            timings.append((time.perf_counter() - start) * 1000)
            if round_number == 0 and found.candidates == _expected(case):
                right += 1
    timings.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(f"directory: {len(content.directory)} prisons and sites; {len(cases)} phrasings x {args.rounds} rounds")
    print(f"content load {1000 * (loaded - started):.1f} ms; index build {1000 * (built - loaded):.1f} ms")
    print(f"find: p50 {statistics.median(timings):.3f} ms, p99 {p99:.3f} ms, max {timings[-1]:.3f} ms (cold)")
    print(f"accuracy on the labelled set: {right}/{len(cases)} = {right / len(cases):.1%}")


if __name__ == "__main__":
    main()
