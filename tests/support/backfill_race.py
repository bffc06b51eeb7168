"""Airflow's own backfill creation on SQLite while another connection writes in short transactions, as
the scheduler does. Run as a script in an Airflow environment (AIRFLOW_HOME, its metadata DB with the
DAGs serialized): ``python -m tests.support.backfill_race DAG_ID TIMES``. Prints one JSON line: whether
the package's session maker is in use, the runs each of TIMES creations of a 30-day backfill made
(``null`` where it failed with "database is locked"), and the runs the DAG's timetable gives in the
range, read from the serialized DAG Airflow's creation reads (30 in UTC; 29 in a zone where the day
starts at another hour, as in a metadata DB where another test serialized the DAG with its TIMEZONE
last), and the days it made no run for, with Airflow's reason."""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

DAYS = 30


def scheduler_like(path: str, stop: threading.Event) -> None:
    """Holds the write lock half of the time, 4 ms at a time."""
    db = sqlite3.connect(path, timeout=60, isolation_level=None)
    db.execute("CREATE TABLE IF NOT EXISTS scheduler_like (x INT)")
    while not stop.is_set():
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO scheduler_like VALUES (1)")
        time.sleep(0.004)
        db.execute("COMMIT")
        time.sleep(0.004)
    db.close()


def main(dag_id: str, times: int) -> dict:
    from airflow import settings
    from airflow.models.backfill import Backfill, BackfillDagRun, ReprocessBehavior, _create_backfill, _get_info_list
    from airflow.models.dagrun import DagRun
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.utils.session import create_session
    from sqlalchemy import delete, event, func, select
    from sqlalchemy.exc import OperationalError
    from telegram_pipeline.orchestration import metadata_db

    stop = threading.Event()
    writer = threading.Thread(target=scheduler_like, args=(settings.engine.url.database, stop), daemon=True)
    writer.start()
    made: list[int | None] = []
    skipped: list[str] = []
    first = datetime(2025, 1, 1, tzinfo=UTC)
    last = first + timedelta(days=DAYS - 1)
    with create_session() as session:
        dag = session.scalar(SerializedDagModel.latest_item_select_object(dag_id)).dag
        days = len(_get_info_list(from_date=first, to_date=last, reverse=False, dag=dag))
    try:
        for _ in range(times):
            # Each creation starts from no run of the DAG in the range: one that failed may have left
            # some (a backfill whose runs had begun), and Airflow does not make a run twice.
            with create_session() as session:
                session.execute(delete(BackfillDagRun))
                session.execute(delete(DagRun).where(DagRun.dag_id == dag_id, DagRun.logical_date.between(first, last)))
                session.execute(delete(Backfill).where(Backfill.dag_id == dag_id))
            try:
                backfill = _create_backfill(
                    dag_id=dag_id, from_date=first, to_date=last, max_active_runs=1,
                    reverse=False, dag_run_conf={}, triggering_user_name="test",
                    reprocess_behavior=ReprocessBehavior.COMPLETED,
                )  # fmt: skip
            except OperationalError as error:
                if "database is locked" not in str(error):
                    raise
                made.append(None)
                continue
            with create_session() as session:
                made.append(session.scalar(select(func.count()).where(DagRun.backfill_id == backfill.id)))
                # what Airflow says of a day it made no run for (a run already in flight, …), to say why
                reasons = select(BackfillDagRun.logical_date, BackfillDagRun.exception_reason).where(
                    BackfillDagRun.backfill_id == backfill.id, BackfillDagRun.exception_reason.is_not(None)
                )
                skipped.extend(f"{day:%Y-%m-%dT%H:%M}: {reason}" for day, reason in session.execute(reasons))
    finally:
        stop.set()
        writer.join(10)
    in_use = event.contains(settings.engine, "savepoint", metadata_db.write_lock_before_first_savepoint)
    return {"session_maker": in_use, "runs": made, "days": days, "skipped": skipped}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))
