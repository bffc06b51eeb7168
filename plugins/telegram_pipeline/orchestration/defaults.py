"""What every DAG shares: owner, retry policy, failure callback, how input errors fail, the Asset name.

Standard library only: the DAG files import it every time they are parsed. A DAG file passes
``default_args=DEFAULT_ARGS`` and ``doc_md=__doc__``; nothing else of this module needs wiring.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

log = logging.getLogger(__name__)

# The Asset telegram_consolidate updates (extra {"dates": [...]}) and telegram_reports schedules on.
CURATED_MESSAGES_ASSET = "telegram_curated_messages"

# The JSON schema of a day in a params form (First day, Last day; empty: not given). The task reads
# the days with orchestration/day_params.py.
DAY_PARAM = {"type": ["null", "string"], "format": "date"}
# A mapped task given a batch of days (``days``) is named by them: "2026-01-01 .. 2026-01-31", or the day.
DAYS_MAP_INDEX = (
    "{{ task.op_kwargs['days'][0] }}"
    "{% if task.op_kwargs['days'] | length > 1 %} .. {{ task.op_kwargs['days'][-1] }}{% endif %}"
)

# Shown in the Dags list: who to ask about these DAGs.
OWNER = "data-engineering"


def failure_message(context: Mapping[str, Any]) -> str:
    """One line for a failed task: which task of which run, on which try, why, and its log's URL."""
    ti = context["task_instance"]
    task = ti.task_id
    if ti.map_index is not None and ti.map_index >= 0:
        task += f"[{getattr(ti, 'rendered_map_index', None) or ti.map_index}]"
    error = context.get("exception")
    why = f"{type(error).__name__}: {error}" if error is not None else "no exception recorded"
    return (
        f"{ti.dag_id}.{task} failed on try {ti.try_number} of {ti.max_tries + 1} (run {ti.run_id}): {why}. "
        f"Log: {ti.log_url}"
    )


def on_task_failure(context: Mapping[str, Any]) -> None:
    """Every task's ``on_failure_callback``: the task's own log (CloudWatch on MWAA) ends with this line."""
    log.error("%s", failure_message(context))


@contextmanager
def input_errors_fail_at_once() -> Generator[None]:
    """Around a task's reading of its params: a ValueError there is the input's fault, and a retry
    would fail the same way while holding back the runs queued behind this one (max_active_runs=1).
    It becomes Airflow's AirflowFailException: failed at once, no retries."""
    try:
        yield
    except ValueError as exc:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(f"bad input, not retried: {exc}") from exc


# Every task is idempotent, so a retry is always safe; the backoff rides out a storage outage.
# Airflow 3 reads retry_exponential_backoff as the multiplier: 2.0 doubles the delay on each try
# (1, 2, 4 min, plus Airflow's jitter, at most 20).
DEFAULT_ARGS = {
    "owner": OWNER,
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=20),
    "on_failure_callback": on_task_failure,
    # Each task logs a summary of what it did (orchestration.task_logs) instead of its return value.
    "show_return_value_in_logs": False,
}
