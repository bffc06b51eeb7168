"""The reports DAG's Athena step: submit a day's report queries (every report in every window), then wait for them deferred.

Like the Amazon provider's ``AthenaOperator`` in deferrable mode, the worker slot is held only to
submit (idempotently: see ``reports.athena_engine``) and to check states; the waiting is done by the
triggerer with the provider's ``AthenaTrigger``, one query at a time: the first still running is
waited on, then every state is checked again on resuming, until all succeeded (or one failed, or
``max_wait`` passed: the task fails, and its retry finds the same executions by their tokens).

Imported when the DAG file is parsed: nothing heavy at the top (the provider and the engine are
imported when the task runs).
"""

from __future__ import annotations

import math
import time
from datetime import date, timedelta
from typing import Any

from airflow.sdk import BaseOperator


class AthenaReportQueries(BaseOperator):
    """Returns {"day", "windows": {window: {report: execution id}}}, every execution succeeded."""

    template_fields = ("day",)
    ui_color = "#44b5e2"  # the provider's Athena colour

    def __init__(self, *, day: str, poll_seconds: int = 30, max_wait: timedelta | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.day = day
        self.poll_seconds = poll_seconds
        self.max_wait = max_wait

    def execute(self, context: Any) -> dict:
        from telegram_pipeline import config
        from telegram_pipeline.reports import athena_engine

        settings = config.load()
        submitted = athena_engine.submit_day_windows(date.fromisoformat(self.day), settings)
        max_wait = self.max_wait or athena_engine.MAX_WAIT
        return self._check(submitted, time.time() + max_wait.total_seconds())

    def resume(self, context: Any, event: dict | None = None, submitted: dict | None = None, deadline: float = 0.0):
        """Called back when the trigger fired: the query it watched ended (well or not), or it gave up."""
        self.log.info("Athena trigger fired: %s", event)
        if submitted is None:  # resumed without the deferral's kwargs (dag.test() does so): the tokens
            return self.execute(context)  # find the same executions again, and nothing runs twice
        return self._check(submitted, deadline)

    def _check(self, submitted: dict, deadline: float) -> dict:
        from telegram_pipeline import config
        from telegram_pipeline.lake import aws
        from telegram_pipeline.reports import athena_engine

        settings = config.load()
        hook = athena_engine.athena_hook(settings)
        ids = [query_id for reports in submitted["windows"].values() for query_id in reports.values()]
        found = athena_engine.states(ids, hook)
        athena_engine.raise_for_failures(found, hook)
        running = [query_id for query_id, state in found.items() if state != athena_engine.SUCCEEDED]
        if not running:
            return submitted
        remaining = deadline - time.time()
        if remaining <= 0:
            raise athena_engine.AthenaQueryFailed(f"Athena queries still running at the deadline: {running}")
        from airflow.providers.amazon.aws.triggers.athena import AthenaTrigger

        self.log.info(
            "%d of %d Athena queries still running; waiting deferred on %s", len(running), len(ids), running[0]
        )
        self.defer(
            trigger=AthenaTrigger(
                query_execution_id=running[0],
                waiter_delay=self.poll_seconds,
                waiter_max_attempts=max(1, math.ceil(remaining / self.poll_seconds)),
                aws_conn_id=None,
                region_name=settings.aws_region,
                botocore_config={"retries": aws.retries()},
            ),
            method_name="resume",
            kwargs={"submitted": submitted, "deadline": deadline},
            timeout=timedelta(seconds=remaining),
        )
