"""The local Airflow's sessions on its SQLite metadata DB (`make airflow` names ``session_maker`` in
``.airflow/airflow.cfg``, ``[database] sql_alchemy_session_maker``).

SQLite has one writer at a time, and its busy timeout (``?timeout=60``) makes a writer wait for the
lock, except in one case: a transaction that has read and then wants to write while another connection
holds the write lock gets ``database is locked`` at once, since waiting could deadlock. Airflow opens
such transactions with a savepoint: ``backfill create`` makes each day's run in a ``begin_nested()``
that looks for the day's run, then inserts it, and failed so whenever the scheduler was writing
(apache/airflow#66726: "Backfill creation is not supported on SQLite under concurrent access"). Here a
savepoint that would start the transaction takes the write lock first (``BEGIN IMMEDIATE``), so the
busy timeout applies to it as to any other write.
"""

from __future__ import annotations

from typing import Any


def session_maker(engine: Any) -> Any:
    """Airflow's own session maker (``airflow.settings``: no autocommit, no autoflush, no expiry on commit),
    with savepoints on SQLite starting their transaction with the write lock."""
    from sqlalchemy import event
    from sqlalchemy.orm import sessionmaker

    if engine.dialect.name == "sqlite":
        event.listen(engine, "savepoint", write_lock_before_first_savepoint)
    return sessionmaker(engine, autoflush=False, expire_on_commit=False)


def write_lock_before_first_savepoint(connection: Any, name: str) -> None:
    """Called before SQLAlchemy emits ``SAVEPOINT``: outside a transaction, SQLite would begin a deferred
    one with it, whose first write after a read cannot wait for the lock."""
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")
