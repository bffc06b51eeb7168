"""Where things are in the lake: the raw day folders, the curated partitions and their manifests, the
day ranges, and how every Parquet file of the project is written."""

from __future__ import annotations

from datetime import date, timedelta

from telegram_pipeline.lake import schema

TABLE_PREFIX = schema.TABLE_NAME
MANIFEST_PREFIX = f"_manifests/{schema.TABLE_NAME}"
DATA_FILE = "data.parquet"


def partition_prefix(day: date) -> str:
    return f"{TABLE_PREFIX}/context_date={day.isoformat()}"


def partition_key(day: date) -> str:
    return f"{partition_prefix(day)}/{DATA_FILE}"


def manifest_key(day: date) -> str:
    return f"{MANIFEST_PREFIX}/context_date={day.isoformat()}.json"


def partition_day(key: str) -> date | None:
    """The day of a curated partition's key (``messages/context_date=D/data.parquet``), else None."""
    prefix, _, name = key.rpartition("/")
    day = prefix.removeprefix(f"{TABLE_PREFIX}/context_date=")
    if name != DATA_FILE or day == prefix:
        return None
    try:
        return date.fromisoformat(day)
    except ValueError:
        return None


def partition_keys(store, last: date | None = None) -> list[str]:
    """The key of every curated partition in ``store`` (the curated zone), up to ``last``, oldest first."""
    found = []
    for key in store.list(TABLE_PREFIX):
        day = partition_day(key)
        if day is not None and (last is None or day <= last):
            found.append(key)
    return found


def days_between(first: date, last: date) -> list[date]:
    """first..last, both included."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def parquet_bytes(table) -> bytes:
    """zstd Parquet, deterministic: the same table always gives the same bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", row_group_size=1_000_000, write_statistics=True)
    return sink.getvalue().to_pybytes()


def read_parquet_bytes(data: bytes, columns: list[str] | None = None):
    """The table of the Parquet file ``data``, read to its end on this thread. Not ``pq.read_table``: its
    dataset scan may let go of ``data`` from one of Arrow's threads after it returns, and a process that
    exits just then aborts (``terminate called without an active exception``, apache/arrow#34314): 6 of
    ~240 ``consolidate`` commands two at a time on the 2-core VM, none of 600 this way."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with pq.ParquetFile(pa.BufferReader(data)) as file:
        return file.read(columns=columns)
