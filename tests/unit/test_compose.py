"""docker-compose.yaml: valid Compose, and every part wired the way the pipeline needs (no Docker engine here)."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from telegram_pipeline import config

from tests.support.paths import REPO, SHARED

AIRFLOW_SERVICES = {"airflow-scheduler", "airflow-api-server", "airflow-dag-processor", "airflow-triggerer"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yaml").read_text())


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def test_valid_against_the_compose_specification(compose):
    import jsonschema

    schema = json.loads((SHARED / "schemas" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(compose)


def test_airflow_3_3_1_runs_as_four_services_on_postgres(compose):
    services = compose["services"]
    assert AIRFLOW_SERVICES | {"postgres", "minio", "minio-init", "airflow-init", "webhook"} <= set(services)
    dockerfile = (REPO / services["airflow-scheduler"]["build"]["dockerfile"]).read_text()
    assert re.search(r"^FROM apache/airflow:3\.3\.1\b", dockerfile, re.M)
    assert "requirements.txt" in dockerfile
    commands = {name: services[name]["command"][0] for name in AIRFLOW_SERVICES}
    assert commands == {
        "airflow-scheduler": "scheduler",
        "airflow-api-server": "api-server",
        "airflow-dag-processor": "dag-processor",
        "airflow-triggerer": "triggerer",
    }
    assert services["airflow-init"]["command"] == ["db", "migrate"]
    for name in AIRFLOW_SERVICES | {"airflow-init"}:
        env = environment(services[name])
        assert (
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
            and "@postgres:" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        )
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-api-server:8080/execution/"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in AIRFLOW_SERVICES:
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        mounts = {volume.split(":")[0]: volume.split(":")[1] for volume in services[name]["volumes"]}
        assert mounts["./dags"] == environment(services[name])["AIRFLOW__CORE__DAGS_FOLDER"]
        assert mounts["./plugins"] == environment(services[name])["AIRFLOW__CORE__PLUGINS_FOLDER"]
        # config.sql_dir() finds include/sql beside plugins/, as in the repository
        assert mounts["./include"] == mounts["./plugins"].rsplit("/", 1)[0] + "/include"
    assert "127.0.0.1:8080:8080" in services["airflow-api-server"]["ports"]


def test_the_lake_is_minio_with_its_buckets_created(compose):
    services = compose["services"]
    init_script = services["minio-init"]["command"][0]
    buckets = set(re.search(r"for bucket in ([^;]+);", init_script).group(1).split())
    for name in AIRFLOW_SERVICES | {"webhook"}:
        env = environment(services[name])
        assert env["AWS_ENDPOINT_URL"] == "http://minio:9000"
        for setting in ("RAW_URI", "CURATED_URI", "REPORTS_URI", "QUARANTINE_URI"):
            assert env[setting].startswith("s3://")
            assert env[setting].removeprefix("s3://").split("/")[0] in buckets, (
                f"{setting} of {name} names a bucket minio-init does not create"
            )
        assert env["CATALOG"] == "duckdb" and not env["CATALOG_DB_PATH"].startswith("s3://"), "MinIO has no Glue"
        assert "TIMEZONE" in env and "ALLOWED_CHAT_IDS" in env
        assert services[name]["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"
    assert "mc mb --ignore-existing" in init_script and "mc anonymous set none" in init_script
    assert services["minio-init"]["depends_on"]["minio"]["condition"] == "service_healthy"


def test_the_webhook_serves_the_handler_from_the_mounted_repository(compose):
    webhook = compose["services"]["webhook"]
    command = " ".join(webhook["command"])
    assert "python -m telegram_pipeline serve" in command and "--host 0.0.0.0" in command
    port = re.search(r"--port (\d+)", command).group(1)
    assert f"127.0.0.1:{port}:{port}" in webhook["ports"]
    assert ".:/repo:ro" in webhook["volumes"] and environment(webhook)["PYTHONPATH"] == "/repo/plugins"
    assert "WEBHOOK_SECRET" in environment(webhook)


def test_every_setting_named_is_one_the_pipeline_reads(compose):
    known = set(config.SETTINGS) | {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PYTHONPATH"}
    for name, service in compose["services"].items():
        for setting in environment(service):
            if not setting.startswith(("AIRFLOW__", "POSTGRES_", "MINIO_")):
                assert setting in known, f"{name} sets {setting}, which nothing reads"


def test_every_named_volume_is_declared_and_used(compose):
    declared = set(compose["volumes"])
    used = {
        volume.split(":")[0]
        for service in compose["services"].values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }
    assert used == declared
