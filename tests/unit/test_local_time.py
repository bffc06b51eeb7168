"""local_time_of: the DuckDB engine's shortcut for AT TIME ZONE gives what AT TIME ZONE gives, for every
instant: across DST transitions, in zones with half-hour offsets and half-hour DST, outside the span it
was built for (where it falls back) and for a zone other than the one it was built for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from telegram_pipeline.reports import local_time, sql

ZONES = [
    "Europe/Berlin",  # DST ends 2026-10-25 01:00 UTC
    "America/Sao_Paulo",  # no DST since 2019
    "America/St_Johns",  # -3:30 / -2:30, DST ends 2026-11-01
    "Australia/Lord_Howe",  # +10:30 / +11, a half-hour DST, starts 2026-10-04
    "Asia/Kolkata",  # +5:30, no DST
    "UTC",
]


def instants(first: datetime, last: datetime, step: timedelta):
    at = first
    while at <= last:
        yield at
        at += step


@pytest.mark.parametrize("zone", ZONES)
def test_the_macro_equals_at_time_zone_across_transitions_and_outside_its_span(zone):
    import duckdb
    import pyarrow as pa

    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(local_time.macro_sql(zone, date(2026, 9, 20), date(2026, 11, 10)))
    moments = [
        # every 7 minutes 13 seconds through the span and beyond both ends (the fallback)
        *instants(
            datetime(2026, 9, 10, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC), timedelta(minutes=7, seconds=13)
        ),
        # every second around each transition the span holds
        *(
            moment + timedelta(seconds=s)
            for moment, _ in local_time.offsets(
                zone, datetime(2026, 9, 18, tzinfo=UTC), datetime(2026, 11, 12, tzinfo=UTC)
            )[1:]
            for s in range(-3, 4)
        ),
        datetime(2019, 3, 1, 12, 0, 0, 250000, tzinfo=UTC),  # years away, microseconds kept
    ]
    con.register("t", pa.table({"ts": pa.array(moments, pa.timestamp("us", tz="UTC"))}))
    rows = con.execute(
        "SELECT ts, local_time_of(ts, $zone) AS fast, ts AT TIME ZONE $zone AS icu, "
        "local_time_of(ts, 'Asia/Tokyo') AS other, ts AT TIME ZONE 'Asia/Tokyo' AS other_icu FROM t",
        {"zone": zone},
    ).fetchall()
    assert len(rows) == len(moments)
    wrong = [(ts, fast, icu) for ts, fast, icu, other, other_icu in rows if fast != icu or other != other_icu]
    assert wrong == []


def test_offsets_find_each_transition_to_the_second():
    found = local_time.offsets("Europe/Berlin", datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert found == [
        (datetime(2026, 3, 1, tzinfo=UTC), 3600),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), 7200),
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), 3600),
    ]


def test_athena_gets_at_time_zone_not_the_macro():
    for report in ("top_posters", "members", "activity_heatmap"):
        text = sql.athena_sql(report)
        assert local_time.MACRO not in text
        assert "AT TIME ZONE :timezone" in text
