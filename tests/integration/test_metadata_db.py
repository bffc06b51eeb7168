"""The local Airflow's sessions on SQLite (orchestration/metadata_db.py): a savepoint's read, then write,
while another connection holds the write lock, as Airflow's ``backfill create`` does while the
scheduler writes, waits for the lock where Airflow's own session maker fails at once."""

from __future__ import annotations

import functools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker
from telegram_pipeline.orchestration import metadata_db

from tests.support.bundles import isolated_env
from tests.support.paths import REPO

HELD = 0.5  # seconds the other writer holds the lock

# airflow.settings' session maker when [database] sql_alchemy_session_maker is not set.
AIRFLOWS_OWN = functools.partial(sessionmaker, autocommit=False, autoflush=False, expire_on_commit=False)


def a_backfill_day_while_another_writes(make_session, path) -> float:
    """Another connection takes the write lock and holds it for HELD seconds; meanwhile a session reads,
    then inserts in a savepoint (Airflow's ``_create_backfill_dag_run_non_partitioned``). Returns how long
    the session took."""
    engine = create_engine(f"sqlite:///{path}?timeout=30")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS dag_run (day TEXT)")
    held, done = threading.Event(), threading.Event()

    def writer() -> None:
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO dag_run VALUES ('the scheduler')")
        held.set()
        time.sleep(HELD)
        db.execute("COMMIT")
        db.close()
        done.set()

    threading.Thread(target=writer, daemon=True).start()
    assert held.wait(30)
    session = make_session(engine)()
    started = time.monotonic()
    try:
        with session.begin_nested():
            session.execute(text("SELECT count(*) FROM dag_run WHERE day = '2026-11-02'")).scalar()
            session.execute(text("INSERT INTO dag_run VALUES ('2026-11-02')"))
        session.commit()
        return time.monotonic() - started
    finally:
        session.rollback()  # a failed session lets go of its read lock, so the writer can commit
        session.close()
        assert done.wait(30), "the other writer could not commit"
        engine.dispose()


def test_airflows_own_session_maker_fails_at_once(tmp_path):
    started = time.monotonic()
    with pytest.raises(OperationalError, match="database is locked"):
        a_backfill_day_while_another_writes(AIRFLOWS_OWN, tmp_path / "airflow.db")
    assert time.monotonic() - started < 30, "failed only after the busy timeout: not this case"


def test_the_session_maker_waits_for_the_lock_and_writes(tmp_path):
    path = tmp_path / "airflow.db"
    took = a_backfill_day_while_another_writes(metadata_db.session_maker, path)
    assert took >= HELD * 0.8, took
    with sqlite3.connect(path) as db:
        assert sorted(row[0] for row in db.execute("SELECT day FROM dag_run")) == ["2026-11-02", "the scheduler"]


def test_a_savepoint_inside_a_transaction_stays_a_savepoint(tmp_path):
    """Only the savepoint that would start the transaction begins it: a nested one rolls back alone."""
    engine = create_engine(f"sqlite:///{tmp_path / 'airflow.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE dag_run (day TEXT)")
    session = metadata_db.session_maker(engine)()
    session.execute(text("INSERT INTO dag_run VALUES ('kept')"))
    nested = session.begin_nested()
    session.execute(text("INSERT INTO dag_run VALUES ('rolled back')"))
    nested.rollback()
    session.commit()
    with engine.connect() as connection:
        assert [row[0] for row in connection.exec_driver_sql("SELECT day FROM dag_run")] == ["kept"]


def test_airflows_backfill_creation_waits_for_the_scheduler(airflow_db, tmp_path):
    """Airflow's own ``_create_backfill`` of 30 days while another connection holds the write lock half the
    time, in short transactions (tests/support/backfill_race.py): it fails every time with Airflow's session
    maker, and makes every run of the range every time with this one (30, or 29 where the DAG this worker's
    metadata DB serialized last has a TIMEZONE whose days start at another hour than UTC's)."""
    shutil.copy(Path(airflow_db) / "airflow.db", tmp_path / "airflow.db")
    env = isolated_env(
        AIRFLOW_HOME=str(tmp_path),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{tmp_path / 'airflow.db'}?timeout=60",
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(REPO / "plugins"),
        PYTHONPATH=f"{REPO / 'plugins'}{os.pathsep}{REPO}",
    )
    serialized = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "reserialize"], env=env, capture_output=True, text=True, timeout=300
    )
    assert serialized.returncode == 0, serialized.stdout[-2000:] + serialized.stderr[-2000:]

    def race(**setting: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "tests.support.backfill_race", "telegram_consolidate", "3"],
            env={**env, **setting}, cwd=REPO, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    theirs = race()
    assert (theirs["session_maker"], theirs["runs"]) == (False, [None, None, None])
    ours = race(
        AIRFLOW__DATABASE__SQL_ALCHEMY_SESSION_MAKER="telegram_pipeline.orchestration.metadata_db.session_maker"
    )
    assert ours["days"] in (29, 30)
    assert ours == {"session_maker": True, "runs": [ours["days"]] * 3, "days": ours["days"], "skipped": []}
