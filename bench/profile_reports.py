"""Every statement of a DuckDB report build, run in turn and timed: the stages of the span, then each
range's own stages and reports (the SQL alone; nothing is written), each on one thread as the build
runs them (--threads to change it), with what DuckDB holds after it: its tables in memory and what it
has spilled to its temporary folder past its memory limit. To compare two versions of the code, run it
from each checkout in turn on the same lake: this machine's speed drifts within minutes.

    PYTHONPATH=plugins .venv/bin/python bench/profile_reports.py CURATED_DIR 2026-10-01 2026-10-30 [--windows]

CURATED_DIR: a curated zone, e.g. one that bench_reports.py --lake DIR generated (DIR/1-groups/curated).
Last line: the whole build's wall and CPU seconds.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date, timedelta
from pathlib import Path

from measure import own_peak_mib

TIMEZONE = "America/Sao_Paulo"
# DuckDB's tables in memory, and all it has written to its temporary folder, in MiB
HELD = (
    "SELECT SUM(memory_usage_bytes) FILTER (WHERE tag IN ('IN_MEMORY_TABLE', 'BASE_TABLE', 'OVERFLOW_STRINGS')) / 2^20, "
    "SUM(temporary_storage_bytes) / 2^20 FROM duckdb_memory()"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("curated")
    parser.add_argument("first", type=date.fromisoformat)
    parser.add_argument("last", type=date.fromisoformat)
    parser.add_argument("--windows", action="store_true", help="the 1-, 7- and 30-day windows ending on LAST")
    parser.add_argument("--threads", type=int, default=1, help="DuckDB's threads for each statement (the build: 1)")
    args = parser.parse_args()
    os.environ.update(CURATED_URI=args.curated, TIMEZONE=TIMEZONE, RAW_URI=str(Path(args.curated).parent / "raw"))

    from telegram_pipeline import config
    from telegram_pipeline.reports import definitions, duckdb_engine
    from telegram_pipeline.reports.sql import source_sql

    settings = config.load()
    if args.windows:
        ranges = [
            definitions.ReportRange.from_settings(args.last - timedelta(days=days - 1), args.last, settings)
            for days in definitions.WINDOWS.values()
        ]
    else:
        ranges = [definitions.ReportRange.from_settings(args.first, args.last, settings)]
    started, cpu_started = time.perf_counter(), time.process_time()

    def timed(label: str, run, *arguments) -> None:
        # CPU time (all of DuckDB's threads) beside the wall time: on a busy machine it drifts far less
        at, cpu_at = time.perf_counter(), time.process_time()
        run(*arguments)
        tables, spilled = engine.con.execute(HELD).fetchone()
        print(
            f"{label:36s} {time.perf_counter() - at:6.2f} s {time.process_time() - cpu_at:6.2f} s CPU"
            f"  (peak RSS so far {own_peak_mib():,.0f} MiB; tables {tables:,.0f} MiB, spilled {spilled:,.0f} MiB)"
        )

    engine = duckdb_engine.DuckDBReports(settings, last=args.last)
    span = definitions.Span(ranges)
    engine._prepare(span)
    engine.con.execute(f"SET threads = {args.threads}")
    for stage, kind in definitions.STAGES.items():
        timed(f"stage {stage}", engine._create_stage, stage, kind, span.params())
    for rng in ranges:
        params = rng.params()
        for stage in definitions.RANGE_STAGES:
            sql = f"CREATE OR REPLACE TEMP TABLE {stage} AS {source_sql(stage)}"
            timed(f"  {rng.days}d {stage}", engine._execute, sql, params)
        for report in definitions.REPORTS:
            if report not in definitions.RANGE_STAGES:
                sql = f"CREATE OR REPLACE TEMP TABLE _report AS {source_sql(report)}"
                timed(f"  {rng.days}d {report}", engine._execute, sql, params)
    engine.close()
    print(f"total {time.perf_counter() - started:.2f} s wall, {time.process_time() - cpu_started:.2f} s CPU")


if __name__ == "__main__":
    main()
