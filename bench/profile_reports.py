"""Every statement of a DuckDB report build, run in turn and timed: the stages of the span, then each
range's own stages and reports (the SQL alone; nothing is written), each on one thread as the build
runs them (--threads to change it), with what DuckDB holds after it: its tables in memory and what it
has spilled to its temporary folder past its memory limit. To compare two versions of the code, run it
from each checkout in turn on the same lake: this machine's speed drifts within minutes.

    PYTHONPATH=plugins .venv/bin/python bench/profile_reports.py CURATED_DIR 2026-10-01 2026-10-30 [--windows]

With --as-built, the build as the reports run it instead (its steps side by side on two cursors under
one memory limit): each step's CPU time on its own cursor (the thread's, which DuckDB's one thread per
statement runs on), its start and wall time, the steps' CPU added up against the process's, and what
DuckDB wrote to and read back from its temporary folder (the process's I/O, its spill nearly all of it).
The difference between a step's CPU here and in the statements one after another is what running it
beside another costs (the memory limit both share, the caches).

CURATED_DIR: a curated zone, e.g. one that bench_reports.py --lake DIR generated (DIR/1-groups/curated).
Last line: the whole build's wall and CPU seconds.
"""

from __future__ import annotations

import argparse
import os
import threading
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
    parser.add_argument("--as-built", action="store_true", help="the build itself, its steps side by side")
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
    if args.as_built:
        return as_built(settings, ranges)
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


def _io() -> dict[str, int]:
    """This process's bytes written and read through system calls (rchar, wchar): the Parquet files it
    reads, and all DuckDB spills to its temporary folder and reads back."""
    with open("/proc/self/io") as io:
        return {key: int(value) for key, value in (line.split(": ") for line in io)}


def as_built(settings, ranges) -> None:
    """The span built as build_span builds it, each step timed on the cursor that runs it."""
    from telegram_pipeline.reports import duckdb_engine

    steps: list[tuple[str, float, float, float, str]] = []
    started = time.perf_counter()
    add = duckdb_engine._Steps.add

    def timed_add(self, name, run, sql_name=None):
        def timed(cursor):
            at, cpu_at = time.perf_counter(), time.thread_time()
            try:
                return run(cursor)
            finally:
                cpu = time.thread_time() - cpu_at
                steps.append((name, at - started, time.perf_counter() - at, cpu, threading.current_thread().name))

        return add(self, name, timed, sql_name)

    duckdb_engine._Steps.add = timed_add
    io_before, cpu_started = _io(), time.process_time()
    engine = duckdb_engine.DuckDBReports(settings, last=ranges[0].last)
    try:
        engine.build_span(ranges)
    finally:
        engine.close()
        duckdb_engine._Steps.add = add
    wall, cpu, io = time.perf_counter() - started, time.process_time() - cpu_started, _io()
    for name, at, seconds, step_cpu, cursor in sorted(steps, key=lambda step: -step[3]):
        print(f"{name:36s} {step_cpu:6.2f} s CPU {seconds:6.2f} s  (from {at:6.2f} s on {cursor})")
    print(
        f"steps {sum(step[3] for step in steps):.2f} s CPU; written {(io['wchar'] - io_before['wchar']) / 2**20:,.0f} MiB, "
        f"read {(io['rchar'] - io_before['rchar']) / 2**20:,.0f} MiB; peak RSS {own_peak_mib():,.0f} MiB; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"total {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
