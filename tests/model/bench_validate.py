"""Print how long loading and validating typical definitions takes (a benchmark, not a test).

    python tests/model/bench_validate.py

Figures are medians over repeated runs on this machine; nothing here asserts on time.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from aslrun.model import load_definition, validate_definition
from aslrun.model.substitutions import PLACEHOLDER

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / ".." / "shared"


def median_ms(action: Callable[[], object], repeat: int = 200) -> float:
    action()  # warm caches (compiled paths, pydantic schemas)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def count_states(definition: dict) -> int:
    total = 0
    for state in definition.get("States", {}).values():
        total += 1
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), dict):
                total += count_states(state[key])
        for branch in state.get("Branches", []) or []:
            total += count_states(branch)
    return total


def main() -> int:
    rows: list[tuple[str, int, float, float]] = []
    fixture_text = (HERE / "fixtures" / "valid_jsonpath.asl.json").read_text()
    fixture = load_definition(fixture_text)
    rows.append(("fixture valid_jsonpath", count_states(fixture), median_ms(lambda: load_definition(fixture_text)),
                 median_ms(lambda: validate_definition(fixture))))
    seed_files = sorted((SHARED / "seeds").glob("001_*.txt")) if SHARED.is_dir() else []
    for seed in seed_files:
        text = seed.read_text(encoding="utf-8")
        match = re.search(r'^\{\s*\n\s*"Comment"', text, re.MULTILINE)
        if match is None:
            continue
        raw, _ = json.JSONDecoder().raw_decode(text, match.start())
        values = {name: f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
                  for name in PLACEHOLDER.findall(json.dumps(raw))}
        raw_text = json.dumps(raw, indent=2)
        definition = load_definition(raw_text, substitutions=values)
        rows.append((f"seed {seed.name[:3]} (billing pipeline)", count_states(definition),
                     median_ms(lambda: load_definition(raw_text, substitutions=values)),
                     median_ms(lambda: validate_definition(definition))))
    print(f"{'definition':32} {'states':>6} {'load ms':>9} {'validate ms':>12}")
    for name, states, load, validate in rows:
        print(f"{name:32} {states:6d} {load:9.3f} {validate:12.3f}")
    cases_file = SHARED / "conformance" / "cases.jsonl"
    if cases_file.is_file():
        cases = [json.loads(line)["definition"] for line in cases_file.read_text().splitlines() if line]
        for definition in cases:
            validate_definition(definition)
        start = time.perf_counter()
        for definition in cases:
            validate_definition(definition)
        per = (time.perf_counter() - start) * 1000 / len(cases)
        print(f"conformance corpus: {len(cases)} definitions, mean {per:.3f} ms each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
