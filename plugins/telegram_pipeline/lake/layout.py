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
    """The table of the Parquet file ``data``, read from a copy that Arrow owns. An Arrow thread that
    drops the last reference to a Python object must take the GIL to do it; once the interpreter is
    finalizing, Python ends that thread (``pthread_exit``) and its C++ frames turn that into
    ``terminate called without an active exception`` (apache/arrow#34314). Reading ``data`` itself, a
    process exiting just after the read aborted now and then: with ``pq.read_table`` 22 of 300 bare
    reads two at a time on the 2-core VM, and 1 of 40 in CI even with a ``ParquetFile`` read on the
    calling thread. From the copy: 0 of 300 with ``pq.read_table``."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(arrow_owned(data)) as file:
        return file.read(columns=columns)


def arrow_owned(data: bytes):
    """``data`` copied into a buffer of Arrow's own memory, which any thread may let go of."""
    import pyarrow as pa

    copy = pa.allocate_buffer(len(data))
    pa.FixedSizeBufferWriter(copy).write(data)
    return pa.BufferReader(copy)
