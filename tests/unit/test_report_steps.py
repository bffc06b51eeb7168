"""The DuckDB build's scheduler (reports/duckdb_engine._Steps): a stage starts only once the stages its
SQL names are built, independent stages run at the same time, and a failure reaches what waits on it."""

from __future__ import annotations

import threading
import time

import pytest
from telegram_pipeline.reports import duckdb_engine


class _Engine:
    """What _Steps asks of the engine: a cursor per worker (here a token naming the worker)."""

    def __init__(self) -> None:
        self.opened = 0

    def _session(self):
        self.opened += 1
        return _Cursor()


class _Cursor:
    def close(self) -> None:
        pass


def test_a_stage_waits_for_the_stages_its_sql_names():
    log = []

    def step(name, seconds=0.0):
        def run(_cursor):
            log.append(("start", name))
            time.sleep(seconds)
            log.append(("end", name))
            return name

        return run

    with duckdb_engine._Steps(_Engine(), 2) as steps:
        # counted_versions.sql reads message_versions and latest_revisions; latest_revisions is slow
        steps.add("message_versions", step("message_versions"))
        steps.add("latest_revisions", step("latest_revisions", 0.3))
        built = steps.add("counted_versions", step("counted_versions"))
        assert built.result(timeout=10) == "counted_versions"
    assert log.index(("start", "counted_versions")) > log.index(("end", "latest_revisions"))
    assert log.index(("start", "counted_versions")) > log.index(("end", "message_versions"))


def test_stages_that_read_nothing_of_each_other_run_at_the_same_time():
    both = threading.Barrier(2, timeout=10)  # broken (an error) unless two steps are inside it at once

    with duckdb_engine._Steps(_Engine(), 2) as steps:
        first = steps.add("sender_names", lambda _cursor: both.wait())
        second = steps.add("member_history", lambda _cursor: both.wait())
        first.result(timeout=15), second.result(timeout=15)


def test_a_failed_stage_fails_what_reads_it_without_running_it():
    ran = []

    def broken(_cursor):
        raise RuntimeError("no such column")

    with duckdb_engine._Steps(_Engine(), 2) as steps:
        steps.add("message_versions", lambda _cursor: None)
        steps.add("latest_revisions", broken)
        built = steps.add("counted_versions", lambda _cursor: ran.append("counted_versions"))
        with pytest.raises(RuntimeError, match="no such column"):
            built.result(timeout=10)
        steps.settle()
    assert ran == []


def test_each_worker_opens_one_cursor():
    engine = _Engine()
    with duckdb_engine._Steps(engine, 2) as steps:
        for name in ("sender_names", "member_history", "member_changes", "usernames", "group_days"):
            steps.add(name, lambda _cursor: time.sleep(0.05))
        steps.wait()
    assert engine.opened <= 2


def test_of_the_steps_ready_the_one_with_the_longest_chain_waiting_on_it_runs_first():
    ran, release = [], threading.Event()
    with duckdb_engine._Steps(_Engine(), 1) as steps:
        steps.add("group_days", lambda _cursor: release.wait(10))  # holds the one cursor while the others queue
        # added first, but only the sender labels and two reports wait on sender_names; counted_messages
        # and the chains of replies, questions and reports wait on message_reactions
        steps.add("sender_names", lambda _cursor: ran.append("sender_names"))
        steps.add("message_reactions", lambda _cursor: ran.append("message_reactions"))
        release.set()
        steps.wait()
    assert ran == ["message_reactions", "sender_names"]
    chain = duckdb_engine._waiting_chain()
    assert (
        chain["message_reactions"]
        > chain["counted_messages"]
        > chain["keyword_uses"]
        > chain["report top_posters"]
        == 1
    )
