"""The digest DAG's window: the whole days since the previous run, for each schedule
(tests/integration/test_dag_digest.py runs the DAG)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from telegram_pipeline.orchestration.digest_window import digest_window

from tests.support.digest_groups import TZ


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("2026-03-09T09:00", "2026-03-16T09:00", (date(2026, 3, 15), 7)),  # weekly, Monday 09:00
        ("2026-03-15T07:30", "2026-03-16T07:30", (date(2026, 3, 15), 1)),  # daily
        ("2026-03-13T09:00", "2026-03-16T09:00", (date(2026, 3, 15), 3)),  # weekdays: Monday's covers Fri..Sun
        ("2026-02-01T09:00", "2026-03-01T09:00", (date(2026, 2, 28), 28)),  # monthly
    ],
)
def test_the_window_is_the_whole_days_since_the_previous_run(start, end, expected):
    tz = ZoneInfo(TZ)
    utc = ZoneInfo("UTC")
    interval = [datetime.fromisoformat(t).replace(tzinfo=tz).astimezone(utc) for t in (start, end)]
    assert digest_window(*interval, {}, TZ) == expected
    assert digest_window(*interval, {"date": "2026-01-31", "days": None}, TZ) == (date(2026, 1, 31), 7)
