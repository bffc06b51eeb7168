"""What each DAG task writes to its log when it succeeds: a few lines a person reads, instead of the
dict it returns (the return value stays the task's XCom; DEFAULT_ARGS keeps it out of the log).

Each function logs its lines and hands the value back, so a task body ends ``return log_x(value)``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram_pipeline.reports.summary import counted

log = logging.getLogger(__name__)


def _day_line(result: dict[str, Any]) -> str:
    if not result.get("objects") and not result.get("rows"):
        return f"{result['day']}: no updates, nothing written"
    if result.get("skipped"):
        return f"{result['day']}: unchanged since its last run ({counted(result['rows'], 'row')}), not rewritten"
    parts = [f"{counted(result['rows'], 'row')} from {counted(result['objects'], 'raw object')}"]
    if result.get("duplicates"):
        parts.append(f"{counted(result['duplicates'], 'duplicate')} dropped")
    if result.get("quarantined"):
        reasons = ", ".join(f"{kind} {count}" for kind, count in sorted(result.get("reasons", {}).items()))
        parts.append(f"{result['quarantined']} quarantined ({reasons})")
    parts.append(f"{result.get('parquet_bytes', 0) / 1024:.1f} KiB of Parquet in {result.get('seconds', 0):.1f} s")
    return f"{result['day']}: " + ", ".join(parts)


def log_consolidation(consolidated: dict[str, Any]) -> dict[str, Any]:
    """``consolidate_with_late_days``'s result: one line per day looked at, then the days rewritten."""
    for result in consolidated["results"]:
        log.info("%s", _day_line(result))
    log.info("rewritten: %s", ", ".join(consolidated["dates"]) or "nothing")
    return consolidated


def log_quality(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for check in checks:
        log.info("%s: %s, every quality check passed", check["day"], counted(check["rows"], "row"))
    if not checks:
        log.info("no day was rewritten: nothing to check")
    return checks


def _days(registered: dict[str, Any]) -> str:
    days = registered.get("days", 0)
    if not days:
        return "no day"
    span = registered["first"] if days == 1 else f"{registered['first']} .. {registered['last']}"
    return f"{counted(days, 'day')}: {span}"


def log_catalog(registered: dict[str, Any]) -> dict[str, Any]:
    if registered.get("catalog") == "glue":
        if registered.get("projection"):
            log.info("Glue table messages %s; partition projection: no partition to register", registered["table"])
        else:
            counts = registered.get("partitions", {})
            log.info(
                "Glue table messages %s; %s; partitions: %d created, %d updated, %d removed (days without updates)",
                registered["table"],
                _days(registered),
                counts.get("created", 0),
                counts.get("updated", 0),
                counts.get("removed", 0),
            )
    elif registered.get("catalog") == "duckdb":
        log.info("DuckDB catalog %s refreshed; %s", registered.get("database"), _days(registered))
    else:
        log.info("catalog: %s", json.dumps(registered, sort_keys=True, default=str))
    return registered


def log_days(days: list[str]) -> list[str]:
    """The reports DAG's days: what its mapped tasks will build."""
    log.info("%s to build: %s", counted(len(days), "day"), ", ".join(days) or "none")
    return days


def _numbers(numbers: dict[str, Any]) -> str:
    return counted(numbers["messages"], "message") + (
        f" from {counted(numbers['active_users'], 'member')}" if numbers.get("active_users") else ""
    )


def log_reports(built: dict[str, Any]) -> dict[str, Any]:
    """``build_day_windows``'s result: each window's numbers per group, on one line."""
    windows = built.get("windows")
    per_group = isinstance(windows, dict) and all(
        isinstance(groups, dict) and all(isinstance(n, dict) and "messages" in n for n in groups.values())
        for groups in windows.values()
    )
    if per_group:
        headline = "; ".join(
            f"{window}: "
            + (", ".join(f"group {chat} {_numbers(numbers)}" for chat, numbers in groups.items()) or "no group")
            for window, groups in windows.items()
        )
        log.info("reports for %s written: %s", built.get("day"), headline)
    else:
        log.info("reports written: %s", json.dumps(built, sort_keys=True, default=str))
    return built
