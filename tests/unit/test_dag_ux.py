"""What Airflow's users see of the DAGs, the lines that need no Airflow run: a mapped task's failure
line and the task log lines (tests/integration/test_dag_ux.py runs the DAGs)."""

from __future__ import annotations

from telegram_pipeline.orchestration import defaults, task_logs

from tests.support.log_records import recorded


def test_the_failure_line_of_a_mapped_task_names_its_day():
    from types import SimpleNamespace

    ti = SimpleNamespace(
        dag_id="telegram_reports",
        task_id="build_reports",
        map_index=3,
        rendered_map_index="2026-03-11",
        try_number=4,
        max_tries=3,
        run_id="asset_triggered__x",
        log_url="http://localhost:8080/dags/telegram_reports/runs/asset_triggered__x/tasks/build_reports/mapped/3",
    )
    line = defaults.failure_message({"task_instance": ti, "exception": OSError("disk full")})
    assert line == (
        "telegram_reports.build_reports[2026-03-11] failed on try 4 of 4 (run asset_triggered__x): "
        "OSError: disk full. Log: " + ti.log_url
    )


def test_task_log_lines_for_skipped_days_glue_and_projection():
    skipped = {"day": "2026-01-01", "rows": 1, "objects": 1, "skipped": True}
    assert task_logs._day_line(skipped) == "2026-01-01: unchanged since its last run (1 row), not rewritten"
    with recorded(task_logs.__name__) as records:
        task_logs.log_catalog({"catalog": "glue", "table": "unchanged", "projection": False, "days": 4,
                               "first": "2026-01-01", "last": "2026-01-04",
                               "partitions": {"created": 1, "updated": 2, "removed": 1}})  # fmt: skip
        task_logs.log_catalog({"catalog": "glue", "table": "created", "projection": True, "partitions": {}})
        task_logs.log_quality([])
    assert records.messages == [
        "Glue table messages unchanged; 4 days: 2026-01-01 .. 2026-01-04; partitions: 1 created, 2 updated, "
        "1 removed (days without updates)",
        "Glue table messages created; partition projection: no partition to register",
        "no day was rewritten: nothing to check",
    ]
