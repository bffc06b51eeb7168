"""The telegram_digest DAG run for real with dag.test(), against the Bot API stand-in: a scheduled week,
its rerun, a refusal that fails at once, and the window each schedule gives."""

from __future__ import annotations

import json
import runpy
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from telegram_pipeline.delivery import digest_posts as delivery
from telegram_pipeline.lake import storage

from tests.support.digest_groups import ADMIN_CHAT, GROUP, LAST, OTHER_GROUP, TZ, running_group, serve_standin
from tests.support.paths import REPO

DAG_FILE = REPO / "dags" / "telegram_digest.py"
MONDAY_9H = datetime(2026, 3, 16, 9, tzinfo=ZoneInfo(TZ))  # the run that posts the week 9..15 March


@pytest.fixture
def telegram(monkeypatch):
    yield from serve_standin(monkeypatch)


def load_dag(monkeypatch, **env: str):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DAG_FILE))["dag"]


def states(run) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for ti in sorted(run.get_task_instances(), key=lambda ti: ti.map_index):
        found.setdefault(ti.task_id, []).append(ti.state)
    return found


def test_schedule_params_and_retries(airflow_db, monkeypatch):
    dag = load_dag(monkeypatch, TIMEZONE=TZ)
    assert dag.timetable.expression == "0 9 * * 1" and str(dag.timetable.timezone) == TZ
    assert set(dag.params) == {"date", "days", "force"} and not dag.catchup
    assert all(task.retries == 3 for task in dag.tasks)
    daily = load_dag(monkeypatch, DIGEST_SCHEDULE="30 7 * * *")
    assert daily.timetable.expression == "30 7 * * *"


def test_a_scheduled_week_is_posted_once_per_group(airflow_db, telegram, monkeypatch):
    running_group().write()
    dag = load_dag(monkeypatch, DIGEST_CHAT_IDS=f"{GROUP}, {OTHER_GROUP}:{ADMIN_CHAT}")
    run = dag.test(logical_date=MONDAY_9H)
    assert states(run) == {"groups_to_digest": ["success"], "post_digest": ["success", "success"]}
    for chat in (GROUP, ADMIN_CHAT):
        assert [s.method for s in telegram.delivered(chat)] == ["sendMessage", "sendDocument", "sendPhoto"]
    assert "digest of 9–15 Mar 2026" in telegram.delivered(GROUP)[0].text
    assert "10 messages" in telegram.delivered(GROUP)[0].text
    assert storage.reports_store().exists(delivery.record_key(OTHER_GROUP, LAST, 7))

    again = dag.test(logical_date=MONDAY_9H)  # a rerun of the same run: nothing more is sent
    assert states(again)["post_digest"] == ["success", "success"]
    assert len(telegram.delivered()) == 6

    forced = dag.test(logical_date=MONDAY_9H, run_conf={"force": True})
    assert states(forced)["post_digest"] == ["success", "success"] and len(telegram.delivered()) == 12


def test_a_refusal_fails_the_task_at_once_and_the_other_group_is_posted(airflow_db, telegram, monkeypatch):
    telegram.add_chat(GROUP, title="Corrida", bot_is_member=False)
    dag = load_dag(monkeypatch, DIGEST_CHAT_IDS=f"{GROUP},{OTHER_GROUP}")
    run = dag.test(logical_date=MONDAY_9H)
    assert states(run)["post_digest"] == ["failed", "success"]  # failed, not up_for_retry
    refused = [c for c in telegram.calls if c.method == "sendMessage" and c.params["chat_id"] == GROUP]
    assert len(refused) == 1
    assert len(telegram.delivered(OTHER_GROUP)) == 3
    assert not storage.reports_store().exists(delivery.record_key(GROUP, LAST, 7))


def test_a_manual_run_with_a_date(airflow_db, telegram, monkeypatch):
    running_group().write()
    dag = load_dag(monkeypatch)
    run = dag.test(logical_date=MONDAY_9H, run_conf={"date": "2026-03-15", "days": 14})
    assert states(run)["post_digest"] == ["success"]
    record = json.loads(storage.reports_store().read(delivery.record_key(GROUP, LAST, 14)))
    assert (record["first"], record["last"]) == ("2026-03-02", "2026-03-15")
