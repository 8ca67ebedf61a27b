"""What detect-secrets finds on the credential corpus by itself, what envmatrix's redaction adds, and what it costs.

Prints figures only (no asserts). Run: .venv/bin/python bench/secret_shapes_bench.py [snapshot.json ...]
(default: the snapshots of the last run under reports/snapshots/).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from envmatrix import secret_shapes  # noqa: E402
from envmatrix.redact import redact_text  # noqa: E402
from envmatrix.scrub import scrub  # noqa: E402
from tests.hardening.secret_corpus import SHAPES, Shape, chunks  # noqa: E402

RUNS = 7


def _hidden(shape: Shape, shown: str) -> bool:
    return not any(piece in shown for secret in shape.secret for piece in chunks(secret))


def _detect_secrets_alone(shape: Shape) -> bool:
    """Masking exactly the values detect-secrets' detectors report (its secret values) hides the credential."""
    shown = shape.value
    for value in sorted(set(secret_shapes.detected(shape.value)), key=len, reverse=True):
        shown = shown.replace(value, "***")
    return _hidden(shape, shown)


def _strings(data: Any) -> int:
    if isinstance(data, dict):
        return sum(_strings(value) for value in data.values())
    if isinstance(data, list):
        return sum(_strings(item) for item in data)
    return 1 if isinstance(data, str) else 0


def main() -> None:
    started = time.perf_counter()
    secret_shapes._detectors()
    print(f"detect-secrets detectors imported and built: {time.perf_counter() - started:.3f} s (once per process)")
    alone = [shape.kind for shape in SHAPES if _detect_secrets_alone(shape)]
    ours = [shape.kind for shape in SHAPES if _hidden(shape, redact_text(f"got {shape.value} here"))]
    print(f"corpus: {len(SHAPES)} credential shapes")
    print(f"  masking what detect-secrets reports hides it:   {len(alone)}/{len(SHAPES)}")
    print(f"  envmatrix redaction hides every 6 characters:   {len(ours)}/{len(SHAPES)}")
    for shape in SHAPES:
        if shape.kind not in alone:
            print(f"    detect-secrets misses or half-matches: {shape.kind}")
    paths = [Path(arg) for arg in sys.argv[1:]] or sorted((ROOT / "reports" / "snapshots").glob("*.json"))
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            scrub(data)
            timings.append(time.perf_counter() - started)
        print(f"scrub {path.name}: {_strings(data)} strings, median {statistics.median(timings) * 1000:.1f} ms "
              f"over {RUNS} runs (without the shape detectors: {_without_shapes(data) * 1000:.1f} ms)")


def _without_shapes(data: Any) -> float:
    from unittest import mock

    import envmatrix.redact as redact

    with mock.patch.object(redact, "mask_shapes", lambda text, _mask: text):
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            scrub(data)
            timings.append(time.perf_counter() - started)
        return statistics.median(timings)


if __name__ == "__main__":
    main()
