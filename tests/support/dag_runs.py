"""What a DAG run left behind: the dates its asset events carry, its tasks' states."""

from __future__ import annotations


def asset_dates(run) -> list[list[str]]:
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    with create_session() as session:
        events = session.query(AssetEvent).filter(AssetEvent.source_run_id == run.run_id).all()
        return [event.extra["dates"] for event in events]


def task_states(run) -> dict[str, str]:
    return {ti.task_id: ti.state for ti in run.get_task_instances()}
