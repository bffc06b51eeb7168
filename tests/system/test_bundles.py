"""The deployment bundles: unpacked where nothing of the repository is in reach, they still work."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from telegram_pipeline import config

from tests.support import needs
from tests.support.bundles import build, isolated_env
from tests.support.paths import FIXTURES, REPO

EXPECTED_DAGS = {"telegram_consolidate", "telegram_reports"}


def test_mwaa_bundle_layout(tmp_path):
    bundle = build("mwaa", tmp_path / "mwaa")
    assert sorted(p.name for p in bundle.iterdir()) == ["dags", "plugins.zip", "requirements.txt", "startup.sh"]
    repo_dags = sorted(p.name for p in (REPO / "dags").glob("*.py"))
    assert sorted(p.name for p in (bundle / "dags").glob("*.py")) == repo_dags
    repo_sql = sorted(
        p.relative_to(REPO / "include" / "sql").as_posix() for p in (REPO / "include" / "sql").rglob("*.sql")
    )
    assert (
        repo_sql
        and sorted(
            p.relative_to(bundle / "dags" / "include" / "sql").as_posix()
            for p in (bundle / "dags" / "include" / "sql").rglob("*.sql")
        )
        == repo_sql
    )
    names = zipfile.ZipFile(bundle / "plugins.zip").namelist()
    assert "telegram_pipeline/__init__.py" in names and "telegram_pipeline/config.py" in names
    assert all(n.startswith("telegram_pipeline/") and "__pycache__" not in n for n in names if n != ".airflowignore")
    assert ".airflowignore" in names, "else Airflow runs telegram_pipeline/__main__.py as a plugin"
    dev = [n for n in names if n.startswith("telegram_pipeline/dev/") or n == "telegram_pipeline/cli/dev.py"]
    assert not dev, f"the development tools stay out of MWAA: {dev}"
    requirements = (bundle / "requirements.txt").read_text().splitlines()
    assert any(
        line.startswith("--constraint ") and "constraints-3.3.1/constraints-3.12.txt" in line for line in requirements
    )
    assert not any(line.startswith("apache-airflow==") for line in requirements), "MWAA brings Airflow itself"


def test_the_bundles_cli_says_a_development_command_is_not_there(tmp_path):
    bundle = build("mwaa", tmp_path / "mwaa")
    zipfile.ZipFile(bundle / "plugins.zip").extractall(tmp_path / "plugins")
    run_serve = (
        "import sys; sys.path.insert(0, sys.argv[1]); from telegram_pipeline.cli import main; sys.exit(main(['serve']))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", run_serve, str(tmp_path / "plugins")],
        env=isolated_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, done.stderr
    assert "serve is a development tool, not part of this installation" in done.stderr


def test_zips_are_reproducible(tmp_path):
    first = build("mwaa", tmp_path / "one") / "plugins.zip"
    second = build("mwaa", tmp_path / "two") / "plugins.zip"
    assert first.read_bytes() == second.read_bytes()
    assert build("lambda", tmp_path / "a.zip").read_bytes() == build("lambda", tmp_path / "b.zip").read_bytes()


def test_startup_script_exports_the_settings_given_at_build_time(tmp_path):
    bundle = build(
        "mwaa",
        tmp_path / "mwaa",
        RAW_URI="s3://my-raw/raw",
        TIMEZONE="America/Sao_Paulo",
        TRACKED_KEYWORDS="maratona, longão",
    )
    script = bundle / "startup.sh"
    probe = f'. "{script}" && env'
    shown = subprocess.run(
        ["sh", "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ["PATH"], "AIRFLOW_HOME": "/usr/local/airflow"},
    ).stdout
    env = dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)
    assert (
        env["RAW_URI"] == "s3://my-raw/raw"
        and env["TIMEZONE"] == "America/Sao_Paulo"
        and env["TRACKED_KEYWORDS"] == "maratona, longão"
    )
    assert env["CURATED_URI"].startswith("s3://CHANGE-ME") and env["CATALOG"] == "glue"
    # the execution role may not write into the raw zone, so the quarantine is in the lake bucket
    assert env["QUARANTINE_URI"].split("/")[2] == env["CURATED_URI"].split("/")[2] != env["RAW_URI"].split("/")[2]
    assert env["SQL_DIR"] == "/usr/local/airflow/dags/include/sql"
    assert "AWS_ENDPOINT_URL" not in env and "WEBHOOK_SECRET" not in env
    settings = config.Settings.from_env(env)  # the exported values are ones the pipeline accepts
    assert settings.tracked_keywords == ("maratona", "longão")


def test_every_dag_imports_from_the_unpacked_bundle_alone(tmp_path, airflow_db):
    bundle = build("mwaa", tmp_path / "mwaa")
    # MWAA's layout: $AIRFLOW_HOME/dags is the synced DAGs prefix, plugins.zip is unzipped into plugins/.
    home = tmp_path / "usr-local-airflow"
    shutil.copytree(bundle / "dags", home / "dags")
    zipfile.ZipFile(bundle / "plugins.zip").extractall(home / "plugins")
    shutil.copy(Path(airflow_db) / "airflow.db", home / "airflow.db")
    probe = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(home / "plugins")!r})
        from airflow.dag_processing.dagbag import DagBag
        import telegram_pipeline
        from telegram_pipeline import config
        from airflow import plugins_manager
        plugins_manager.ensure_plugins_loaded()  # as every Airflow component does with $AIRFLOW_HOME/plugins
        bag = DagBag(dag_folder={str(home / "dags")!r})
        sql = {{p.relative_to(config.sql_dir()).as_posix(): len(config.read_sql(p.relative_to(config.sql_dir()).as_posix())) for p in config.sql_dir().rglob("*.sql")}}
        print("RESULT=" + json.dumps({{"errors": {{k: str(v) for k, v in bag.import_errors.items()}}, "plugin_errors": plugins_manager.get_import_errors(), "dags": sorted(bag.dag_ids),
                                     "package": telegram_pipeline.__file__, "sql_dir": str(config.sql_dir()), "sql": sql}}))
        """
    )
    startup = home.parent / "mwaa" / "startup.sh"
    command = f'. "{startup}" && exec "{sys.executable}" -c "$PROBE"'
    env = isolated_env(AIRFLOW_HOME=str(home), PROBE=probe)
    done = subprocess.run(["sh", "-c", command], cwd=home, env=env, capture_output=True, text=True, timeout=240)
    line = next((line for line in done.stdout.splitlines() if line.startswith("RESULT=")), None)
    assert line, done.stderr[-3000:]
    result = json.loads(line.removeprefix("RESULT="))
    assert result["errors"] == {} and result["plugin_errors"] == {}
    assert EXPECTED_DAGS <= set(result["dags"])
    assert result["package"].startswith(str(home / "plugins"))
    assert result["sql_dir"] == str(home / "dags" / "include" / "sql")
    assert set(result["sql"]) == {
        p.relative_to(REPO / "include" / "sql").as_posix() for p in (REPO / "include" / "sql").rglob("*.sql")
    }
    assert all(size > 0 for size in result["sql"].values())


@pytest.mark.parametrize("runtime", ["this python", "python3.12"])
def test_lambda_zip_holds_the_handler_and_its_rules_and_runs_from_the_zip(tmp_path, runtime):
    python = sys.executable if runtime == "this python" else needs.python_3_12()
    if python is None:
        needs.missing("no Python 3.12 on this machine (the Lambda runtime's version)")
    archive = build("lambda", tmp_path / "lambda.zip")
    rules = sorted(p.name for p in (REPO / "plugins" / "telegram_pipeline" / "rules").glob("*.py"))
    assert zipfile.ZipFile(archive).namelist() == [
        "handler.py",
        "telegram_pipeline/__init__.py",
        *(f"telegram_pipeline/rules/{name}" for name in rules),
    ]
    update = (FIXTURES / "telegram" / "message_text_supergroup.json").read_bytes()
    event = json.loads((FIXTURES / "apigateway" / "http-v2-proxy-event.json").read_text())
    event["headers"] = {"content-type": "application/json", "x-telegram-bot-api-secret-token": "zip-secret"}
    event["body"], event["isBase64Encoded"] = base64.b64encode(update).decode(), True
    event["requestContext"]["http"]["method"] = "POST"
    probe = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(archive)!r})
        import handler
        event = json.loads(sys.stdin.read())
        print("RESULT=" + json.dumps({{"file": handler.__file__, "answer": handler.lambda_handler(event, None)}}))
        """
    )
    raw = tmp_path / "raw"
    env = isolated_env(
        RAW_URI=str(raw), WEBHOOK_SECRET="zip-secret", ALLOWED_CHAT_IDS="-1001234567890", TIMEZONE="America/Sao_Paulo"
    )
    # -I: no PYTHONPATH, no current directory, nothing of the repository. A local RAW_URI needs no boto3.
    done = subprocess.run(
        [python, "-I", "-c", probe],
        input=json.dumps(event),
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    line = next((line for line in done.stdout.splitlines() if line.startswith("RESULT=")), None)
    assert line, done.stderr[-3000:]
    result = json.loads(line.removeprefix("RESULT="))
    assert result["file"].startswith(str(archive))
    assert result["answer"]["statusCode"] == 200, result
    stored = raw / "context_date=2024-11-18" / "815000001.json"
    assert stored.read_bytes() == update


def test_the_mwaa_bundle_compiles_on_python_3_12(tmp_path):
    """MWAA runs Python 3.12: every module of the bundle at least compiles there."""
    python = needs.python_3_12()
    if python is None:
        needs.missing("no Python 3.12 on this machine (MWAA's version)")
    bundle = build("mwaa", tmp_path / "mwaa")
    zipfile.ZipFile(bundle / "plugins.zip").extractall(tmp_path / "plugins")
    done = subprocess.run(
        [python, "-m", "compileall", "-q", str(bundle / "dags"), str(tmp_path / "plugins")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert list((tmp_path / "plugins" / "telegram_pipeline" / "__pycache__").glob("*.cpython-312.pyc"))
