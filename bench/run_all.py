"""``make bench``: run every ``bench/bench_*.py`` and print one table, targets beside results.

Each benchmark prints its figures as a JSON object on its last JSON line:
``{"bench": name, "results": [{"metric", "value", "unit", "target", "ok"}]}``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULT_KEYS = {"metric", "value"}
# --quick: each benchmark on a small input, to see that it runs (its figures then mean nothing).
QUICK_ARGS = {
    "bench_webhook": ["--updates", "300", "--cold-runs", "1"],
    "bench_consolidate": ["--local-sizes", "300", "--s3-sizes", "300", "--skip-naive-above", "300"],
    "bench_import": ["--sizes", "300"],
    "bench_reports": ["--days", "2", "--per-day", "300", "--repeat", "1"],
    "bench_vs_chat_analytics": ["--sizes", "2000"],
}


def last_json_object(stdout: str) -> dict | None:
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


def normalise(payload: dict) -> list[dict] | None:
    """The rows of {metric, value, unit, target, ok} a benchmark printed, or None if it printed none."""
    results = payload.get("results")
    if not isinstance(results, list) or not all(isinstance(r, dict) and RESULT_KEYS <= r.keys() for r in results):
        return None
    return [
        {
            "metric": str(r["metric"]),
            "value": r["value"],
            "unit": r.get("unit", ""),
            "target": r.get("target", ""),
            "ok": r.get("ok"),
        }
        for r in results
    ]


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def run_bench(
    path: Path, timeout: float, args: tuple[str, ...] | list[str] = ()
) -> tuple[list[dict], str | None, float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "plugins"), str(REPO / "lambda"), str(REPO)]))
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(path), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return [], f"timed out after {timeout:.0f} s", time.perf_counter() - started
    elapsed = time.perf_counter() - started
    payload = last_json_object(done.stdout)
    rows = normalise(payload) if payload is not None else None
    if done.returncode != 0 or rows is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return [], f"exit {done.returncode}, no JSON result line: {' | '.join(tail)}", elapsed
    return rows, None, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these benchmarks (file stem, e.g. bench_webhook)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed per benchmark")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a result misses its target")
    parser.add_argument("--quick", action="store_true", help="each benchmark on a small input: does it run?")
    args = parser.parse_args(argv)

    paths = sorted(BENCH_DIR.glob("bench_*.py"))
    if args.names:
        paths = [p for p in paths if p.stem in args.names or p.stem.removeprefix("bench_") in args.names]
    if not paths:
        print("no benchmarks found in bench/", file=sys.stderr)
        return 1

    if args.quick and (unknown := [p.name for p in paths if p.stem not in QUICK_ARGS]):
        print(f"no small input for {', '.join(unknown)}: add it to QUICK_ARGS in bench/run_all.py", file=sys.stderr)
        return 1

    table: list[tuple[str, dict]] = []
    failures = []
    for path in paths:
        print(f"running {path.name} ...", file=sys.stderr, flush=True)
        rows, error, elapsed = run_bench(path, args.timeout, QUICK_ARGS[path.stem] if args.quick else [])
        print(f"  {path.name}: {elapsed:.1f} s{'; ' + error if error else ''}", file=sys.stderr, flush=True)
        if error:
            failures.append(path.stem)
            table.append(
                (path.stem, {"metric": "(did not run)", "value": error, "unit": "", "target": "", "ok": False})
            )
        table.extend((path.stem, row) for row in rows)

    headers = ("benchmark", "metric", "result", "unit", "target", "")
    lines = [
        (bench, row["metric"], _format(row["value"]), row["unit"] or "", _format(row["target"]), _verdict(row["ok"]))
        for bench, row in table
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    missed = [line for line, (_, row) in zip(lines, table, strict=True) if row["ok"] is False]
    print(f"\n{len(paths)} benchmarks, {len(failures)} failed to run, {len(missed)} results off target")
    return 1 if failures or (args.strict and missed) else 0


def _verdict(ok) -> str:
    return {True: "ok", False: "MISS"}.get(ok, "")


if __name__ == "__main__":
    sys.exit(main())
