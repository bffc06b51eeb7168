"""Each step of consolidation's work per update, timed on its own in CPU time (best of a few rounds) on
bench_consolidate.py's generated day: decoding, flattening, the language guess (and CLD2 within it),
the terms, a batch of rows made a table (the guess and terms again, the Arrow columns, the emoji rule;
the emoji rule alone too); then a whole run of the day's keys read as a process reads
it, and the day's files made from it. CPU time, not wall time, and the best of several rounds, because
this machine is shared and its speed drifts within minutes; to compare two versions of the code, run
it from each checkout in turn.

    PYTHONPATH=plugins .venv/bin/python bench/profile_consolidate.py [--updates 20000] [--rounds 5]

Prints one line per step (µs per update, or seconds for the whole run), then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from bench_consolidate import DAY, generate_day  # noqa: E402


def best_cpu(work, rounds: int) -> float:
    """The least CPU time (seconds) ``work()`` took in ``rounds`` runs."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="profile-consolidate-"))
    os.environ.update(
        RAW_URI=str(work / "raw"), CURATED_URI=str(work / "curated"), MAX_BAD_SHARE="1", PSEUDONYMIZE_KEY=""
    )
    from telegram_pipeline import config
    from telegram_pipeline.lake import consolidate, parse, storage, tokens
    from telegram_pipeline.text import language, words

    try:
        objects = generate_day(args.updates)
        storage.open_store(os.environ["RAW_URI"]).write_many(objects)
        settings = config.load()
        run = [(DAY, key) for key in sorted(objects)]
        datas = [objects[key] for _, key in run]
        updates = [parse.load(data) for data in datas]
        rows = [parse.flatten(update) for update in updates]
        texts = [
            text
            for row in rows
            if (text := row["text"] if row["keyword_text"] is None else row["keyword_text"]) is not None
        ]
        languages = [language.guess(text).language for text in texts]
        batches = [rows[i : i + consolidate.BATCH_ROWS] for i in range(0, len(rows), consolidate.BATCH_ROWS)]
        tables = [
            consolidate._unsettled_table(list(batch), parsed=True) for batch in batches
        ]  # (and warms what is cached)

        def whole_run() -> None:
            for day_rows in consolidate.read_run(run, settings):
                day_rows.merged()

        def run_and_files() -> None:
            for day_rows in consolidate.read_run(run, settings):
                writer = consolidate._DayWriter(settings)
                writer.add(day_rows, [key for _, key in run])
                writer.flush()  # the history state, and the files written

        per_update = [
            ("decode (msgspec)", len(datas), lambda: [parse.load(data) for data in datas]),
            ("flatten", len(updates), lambda: [parse.flatten(update) for update in updates]),
            ("language guess", len(texts), lambda: [language.guess(text) for text in texts]),
            ("  CLD2 within it", len(texts), lambda: [language.detected(text) for text in texts]),
            ("terms", len(texts), lambda: [words.terms_of(t, lang) for t, lang in zip(texts, languages, strict=True)]),
            (
                "a batch made a table",
                len(rows),
                lambda: [consolidate._unsettled_table(list(b), parsed=True) for b in batches],
            ),
            ("  emoji rule (DuckDB)", len(rows), lambda: [tokens.with_derived_columns(t) for t in tables]),
        ]
        results = []
        for name, count, step in per_update:
            seconds = best_cpu(step, args.rounds)
            results.append({"step": name, "us_per_item": round(1e6 * seconds / count, 2), "items": count})
            print(f"{name:26} {1e6 * seconds / count:7.2f} µs each ({count:,})", flush=True)
        for name, step in (("read_run, whole", whole_run), ("read_run and the day's files", run_and_files)):
            seconds = best_cpu(step, max(1, args.rounds // 2))
            results.append({"step": name, "seconds": round(seconds, 3), "updates": len(run)})
            print(f"{name:26} {seconds:7.3f} s CPU ({len(run):,} updates)", flush=True)
        load = os.getloadavg()
        print(json.dumps({"profile": "consolidate", "loadavg_1m": round(load[0], 2), "results": results}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
