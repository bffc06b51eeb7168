"""The headline of a set of reports: totals, the busiest weekday and hour, the top posters and keywords."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from telegram_pipeline.reports.definitions import ReportRange

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass
class Summary:
    first: date
    last: date
    timezone: str
    messages: int
    active_users: int
    new_members: int
    busiest_weekday: str | None
    busiest_hour: int | None
    top_posters: list[tuple[str, int]] = field(default_factory=list)
    top_keywords: list[tuple[str, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "first": self.first.isoformat(), "last": self.last.isoformat()}


def summarize(tables: Mapping[str, Any], rng: ReportRange) -> Summary:
    posters = tables["top_posters"].to_pylist()
    keywords = [k for k in tables["keywords"].to_pylist() if k["messages"] > 0]
    volume = tables["daily_volume"].to_pylist()
    heatmap = tables["activity_heatmap"].to_pylist()
    by_weekday = {d: sum(c["messages"] for c in heatmap if c["weekday"] == d) for d in range(1, 8)}
    by_hour = {h: sum(c["messages"] for c in heatmap if c["hour"] == h) for h in range(24)}
    any_messages = any(by_hour.values())
    return Summary(
        first=rng.first,
        last=rng.last,
        timezone=rng.timezone,
        messages=sum(row["messages"] for row in volume),
        active_users=sum(p["user_id"] is not None for p in posters),  # "unknown sender" is nobody in particular
        new_members=sum(row["new_members"] for row in volume),
        busiest_weekday=WEEKDAYS[max(by_weekday, key=by_weekday.get) - 1] if any_messages else None,
        busiest_hour=max(by_hour, key=by_hour.get) if any_messages else None,
        top_posters=[(p["user_name"], p["messages"]) for p in posters[:5]],
        top_keywords=[(k["keyword"], k["messages"]) for k in keywords[:10]],
    )
