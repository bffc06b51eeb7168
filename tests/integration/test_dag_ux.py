"""What Airflow's users see of the DAGs, checked on the real Airflow: the docs, owner and callback of
every DAG, the schedule's time zone as the UI shows it, the reports' params form, mapped tasks named
by their day, readable success logs, and bad params failing at once with a line that says where."""

from __future__ import annotations

import json
import logging
import runpy
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from telegram_pipeline.orchestration import defaults, task_logs

from tests.support.curated_scenario import write_scenario
from tests.support.log_records import Records
from tests.support.paths import REPO
from tests.support.raw_updates import message, put, unix

DAGS = REPO / "dags"


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS))


def load(name: str):
    return runpy.run_path(str(DAGS / f"{name}.py"))["dag"]


def serialized(dag):
    """The DAG as the scheduler and the UI's API get it: serialized by the DAG processor, read back."""
    from airflow.serialization.serialized_objects import DagSerialization

    return DagSerialization.from_dict(DagSerialization.to_dict(dag))


def callbacks(task) -> list:
    found = task.on_failure_callback
    return list(found) if isinstance(found, list | tuple) else [found]


@pytest.fixture
def logged() -> Iterator[dict[str, Records]]:
    attached = {}
    for name in (defaults.__name__, task_logs.__name__):
        handler = Records()
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        attached[name] = handler
    yield {"failure": attached[defaults.__name__], "summary": attached[task_logs.__name__]}
    for name, handler in attached.items():
        logging.getLogger(name).removeHandler(handler)


def test_every_dag_has_its_docs_owner_tags_and_failure_callback(dagbag):
    assert dagbag.dags and not dagbag.import_errors
    for dag_id, dag in dagbag.dags.items():
        module_doc = runpy.run_path(dag.fileloc)["__doc__"]
        assert module_doc and dag.doc_md == module_doc, f"{dag_id}: doc_md=__doc__"
        assert dag.tags and dag.description, dag_id
        assert dag.owner == defaults.OWNER, dag_id
        for task in dag.tasks:
            assert task.owner == defaults.OWNER, (dag_id, task.task_id)
            assert defaults.on_task_failure in callbacks(task), (dag_id, task.task_id)
            assert task.retries == 3, (dag_id, task.task_id)
            assert getattr(task, "show_return_value_in_logs", False) is False, (dag_id, task.task_id)


def test_retries_back_off_exponentially_as_the_scheduler_computes_them(airflow_db):
    """The scheduler's own next_retry_datetime over the serialized task: the delays grow, up to 20 min."""
    from airflow.models.taskinstance import TaskInstance

    for name in ("telegram_consolidate", "telegram_reports"):
        for task in serialized(load(name)).tasks:
            ti = TaskInstance(task, dag_version_id=None, run_id="manual__test")
            ti.end_date = datetime(2026, 1, 1, tzinfo=UTC)
            delays = []
            for try_number in (1, 2, 3, 6):
                ti.try_number = try_number
                delays.append((ti.next_retry_datetime() - ti.end_date).total_seconds())
            # Airflow's jitter puts try n between base * 2^(n-1) and twice that.
            assert 60 <= delays[0] < 120 and 120 <= delays[1] < 240 and 240 <= delays[2] < 480, (task, delays)
            assert delays[3] == 20 * 60, (task, delays)


@pytest.mark.parametrize("zone", ["America/Sao_Paulo", "Asia/Tokyo"])
def test_the_schedule_says_its_time_zone_where_the_ui_shows_it(zone, monkeypatch, airflow_db):
    """The UI's Schedule column is the timetable's summary, its tooltip the description (stored on the
    DagModel by the DAG processor from the serialized DAG)."""
    monkeypatch.setenv("TIMEZONE", zone)
    dag = serialized(load("telegram_consolidate"))
    assert dag.timetable.summary == f"0 0 * * * ({zone})"
    assert dag.timetable.description == f"At 00:00, {zone} time"
    assert str(dag.timezone.name) == zone and zone in dag.description
    # The same timetable, run for run, as Airflow's plain cron data-interval one.
    from airflow.timetables.interval import CronDataIntervalTimetable

    plain = CronDataIntervalTimetable("0 0 * * *", zone)
    after = datetime(2026, 11, 2, 12, tzinfo=UTC)
    assert dag.timetable._get_next(after) == plain._get_next(after)


def test_every_dag_on_a_cron_schedule_says_its_zone(dagbag, monkeypatch):
    monkeypatch.setenv("TIMEZONE", "Asia/Tokyo")
    for name in ("telegram_consolidate", "telegram_digest"):
        timetable = serialized(load(name)).timetable
        assert timetable.summary.endswith(" (Asia/Tokyo)") and timetable.description.endswith(", Asia/Tokyo time")


def test_the_timetable_is_registered_by_the_packages_plugin(airflow_db):
    from airflow import plugins_manager
    from telegram_pipeline.orchestration.timetables import ZonedCronDataIntervalTimetable

    registered = plugins_manager.get_timetables_plugins()
    path = f"{ZonedCronDataIntervalTimetable.__module__}.{ZonedCronDataIntervalTimetable.__qualname__}"
    assert registered.get(path) is ZonedCronDataIntervalTimetable
    plugins, errors = plugins_manager._get_plugins()
    assert not errors, errors
    assert [p.name for p in plugins if p.timetables] == ["telegram_pipeline"]


def test_on_mwaa_the_bundles_plugin_registers_the_timetable_and_every_dag_serializes(tmp_path, airflow_db):
    """Serializing is what the DAG processor does with each DAG: it fails for an unregistered timetable."""
    import shutil
    import subprocess
    import sys
    import textwrap
    import zipfile

    from tests.support.bundles import build, isolated_env

    bundle = build("mwaa", tmp_path / "mwaa", TIMEZONE="Asia/Tokyo")
    home = tmp_path / "usr-local-airflow"
    zipfile.ZipFile(bundle / "plugins.zip").extractall(home / "plugins")
    shutil.copy(Path(airflow_db) / "airflow.db", home / "airflow.db")
    probe = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(home / "plugins")!r})
        from airflow import plugins_manager
        from airflow.dag_processing.dagbag import DagBag
        from airflow.serialization.serialized_objects import DagSerialization
        bag = DagBag(dag_folder={str(bundle / "dags")!r})
        summaries = {{i: DagSerialization.from_dict(DagSerialization.to_dict(d)).timetable.summary
                      for i, d in bag.dags.items()}}
        print("RESULT=" + json.dumps({{"plugin_errors": plugins_manager.get_import_errors(), "summaries": summaries,
                                     "timetables": sorted(plugins_manager.get_timetables_plugins())}}))
        """
    )
    env = isolated_env(AIRFLOW_HOME=str(home), TIMEZONE="Asia/Tokyo", PROBE=probe)
    done = subprocess.run([sys.executable, "-c", probe], cwd=home, env=env, capture_output=True, text=True, timeout=240)
    line = next((line for line in done.stdout.splitlines() if line.startswith("RESULT=")), None)
    assert line, done.stderr[-3000:]
    result = json.loads(line.removeprefix("RESULT="))
    assert result["plugin_errors"] == {}
    assert result["timetables"] == ["telegram_pipeline.orchestration.timetables.ZonedCronDataIntervalTimetable"]
    assert result["summaries"]["telegram_consolidate"] == "0 0 * * * (Asia/Tokyo)"


def test_the_reports_params_form_is_documented(airflow_db):
    params = load("telegram_reports").params
    assert list(params) == ["from", "to"]
    for name in params:
        param = params.get_param(name)
        assert param.schema["title"] and param.schema["format"] == "date", param.schema
        assert len(param.description) > 40, param.description


def test_mapped_report_tasks_are_named_by_their_day_and_log_a_summary(airflow_db, monkeypatch, logged):
    write_scenario(monkeypatch)
    run = load("telegram_reports").test(run_conf={"from": "2026-03-10", "to": "2026-03-11"})
    built = {ti.rendered_map_index: ti.state for ti in run.get_task_instances() if ti.task_id == "build_reports"}
    assert built == {"2026-03-10 .. 2026-03-11": "success"}  # one batch of consecutive days
    assert "2 days to build: 2026-03-10, 2026-03-11" in logged["summary"].messages
    summaries = [m for m in logged["summary"].messages if m.startswith("reports for")]
    assert sorted(summaries)[0].startswith(
        "reports for 2026-03-10 written: 1d: group -1001234567890 3 messages from 1 member; 7d:"
    )
    assert not logged["failure"].messages


@pytest.mark.parametrize("engine", ["duckdb", "athena"])
def test_every_mapped_task_of_either_engine_is_named_by_its_day(engine, monkeypatch, airflow_db):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    monkeypatch.setenv("REPORT_ENGINE", engine)
    mapped = [task for task in load("telegram_reports").tasks if isinstance(task, MappedOperator)]
    assert mapped and all("day" in (task.map_index_template or "") for task in mapped), mapped


def test_a_range_that_ends_before_it_starts_fails_at_once_and_says_where(airflow_db, logged):
    dag = load("telegram_reports")
    for task in dag.tasks:  # were it retried, dag.test would run the retries now rather than wait
        task.retry_delay = timedelta(0)
    run = dag.test(run_conf={"from": "2026-03-02", "to": "2026-03-01"})
    tis = {ti.task_id: ti for ti in run.get_task_instances()}
    assert (tis["days_to_report"].state, tis["days_to_report"].try_number) == ("failed", 1)
    assert tis["build_reports"].state == "upstream_failed" and run.state == "failed"
    [line] = logged["failure"].messages
    assert line.startswith(f"telegram_reports.days_to_report failed on try 1 of 4 (run {run.run_id}): ")
    assert "AirflowFailException: bad input, not retried: the range ends (2026-03-01) before it starts" in line
    assert line.endswith(
        "/dags/telegram_reports/runs/"
        + run.run_id.replace(":", "%3A").replace("+", "%2B")
        + ("/tasks/days_to_report?try_number=1")
    )


def test_a_malformed_day_is_refused_by_the_form_or_fails_at_once(airflow_db):
    from airflow.sdk.exceptions import AirflowFailException, ParamValidationError

    dag = load("telegram_reports")
    with pytest.raises(ParamValidationError, match="is not a 'date'"):
        dag.test(run_conf={"from": "2026-02-30"})
    # A run whose params escaped the form (an older run cleared, the API with validation off).
    days_to_report = dag.get_task("days_to_report").python_callable
    with pytest.raises(AirflowFailException, match=r"param 'from' is '2026-02-30', not a day YYYY-MM-DD"):
        days_to_report(params={"from": "2026-02-30", "to": None}, triggering_asset_events={})


def test_a_consolidation_run_logs_what_it_did_day_by_day(airflow_db, monkeypatch, logged):
    monkeypatch.setenv("START_DATE", "2026-01-01")
    day = date(2026, 1, 3)
    for i in range(3):
        put(day, f"{500 + i}.json", message(500 + i, unix(day, 9) + i))
    put(day, "501-again.json", message(501, unix(day, 9) + 1))
    put(day, "junk.json", b"junk")
    monkeypatch.setenv("MAX_BAD_SHARE", "0.5")
    run = load("telegram_consolidate").test(logical_date=datetime(2026, 1, 4, tzinfo=UTC))
    assert run.state == "success"
    lines = logged["summary"].messages
    assert lines[:2] == ["2026-01-01: no updates, nothing written", "2026-01-02: no updates, nothing written"]
    [third] = [line for line in lines if line.startswith("2026-01-03: 3 rows from")]
    assert third.startswith("2026-01-03: 3 rows from 5 raw objects, 1 duplicate dropped, 1 quarantined (not JSON 1), ")
    assert " KiB of Parquet in " in third
    assert "rewritten: 2026-01-03" in lines
    assert "2026-01-03: 3 rows, every quality check passed" in lines
    assert any(line.startswith("DuckDB catalog ") and line.endswith("refreshed; 1 day: 2026-01-03") for line in lines)
