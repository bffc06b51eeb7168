"""What a set of reports is: the report tables and their columns, the windows, the range one set covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from telegram_pipeline import config

REPORTS: tuple[str, ...] = ("top_posters", "keywords", "activity_heatmap", "daily_volume")
COUNTED_MESSAGES = "counted_messages"
WINDOWS: dict[str, int] = {"1d": 1, "7d": 7, "30d": 30}
SCAN_MARGIN = timedelta(days=1)
KEYWORD_LIMIT = 100


def output_schemas():
    """Arrow schema of each report table (also how Athena's text results are typed back)."""
    import pyarrow as pa

    return {
        "top_posters": pa.schema(
            [
                ("user_id", pa.int64()),
                ("user_name", pa.string()),
                ("messages", pa.int64()),
                ("share", pa.float64()),
                ("rank", pa.int64()),
            ]
        ),
        "keywords": pa.schema(
            [
                ("keyword", pa.string()),
                ("messages", pa.int64()),
                ("users", pa.int64()),
                ("rank", pa.int64()),
                ("tracked", pa.bool_()),
            ]
        ),
        "activity_heatmap": pa.schema([("weekday", pa.int32()), ("hour", pa.int32()), ("messages", pa.int64())]),
        "daily_volume": pa.schema(
            [
                ("date", pa.date32()),
                ("messages", pa.int64()),
                ("active_users", pa.int64()),
                ("new_members", pa.int64()),
                ("left_members", pa.int64()),
            ]
        ),
    }


@dataclass(frozen=True)
class ReportRange:
    """What one set of reports covers and how it counts."""

    first: date
    last: date
    timezone: str = "UTC"
    include_bots: bool = False
    tracked_keywords: tuple[str, ...] = ()
    keyword_limit: int = KEYWORD_LIMIT

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the range ends ({self.last}) before it starts ({self.first})")

    @classmethod
    def from_settings(cls, first: date, last: date, settings: config.Settings, **overrides: Any) -> ReportRange:
        values = dict(
            timezone=settings.timezone, include_bots=settings.include_bots, tracked_keywords=settings.tracked_keywords
        )
        return cls(first, last, **{**values, **overrides})

    @property
    def scan_first(self) -> date:
        return self.first - SCAN_MARGIN

    @property
    def scan_last(self) -> date:
        return self.last + SCAN_MARGIN

    def params(self) -> dict[str, Any]:
        return {
            "from_date": self.first.isoformat(),
            "to_date": self.last.isoformat(),
            "scan_from": self.scan_first.isoformat(),
            "scan_to": self.scan_last.isoformat(),
            "timezone": self.timezone,
            "include_bots": self.include_bots,
            "keyword_limit": self.keyword_limit,
        }
