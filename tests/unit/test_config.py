from __future__ import annotations

import importlib.util
import os
import re

import pytest
from telegram_pipeline import config
from telegram_pipeline.lake import catalog

from tests.support.paths import REPO


def test_defaults_are_a_local_lake_under_data():
    settings = config.Settings.from_env({})
    assert settings.raw_uri == str(REPO / "data" / "raw")
    assert settings.curated_uri == str(REPO / "data" / "curated")
    assert settings.reports_uri == str(REPO / "data" / "reports")
    assert settings.timezone == "UTC"
    assert settings.allowed_chat_ids == frozenset()
    assert catalog.kind(settings) == "duckdb"
    assert settings.quarantine_uri == str(REPO / "data" / "raw" / "_quarantine")


def test_values_from_the_environment():
    settings = config.Settings.from_env(
        {
            "RAW_URI": "s3://b/raw",
            "CURATED_URI": "s3://b/curated",
            "TIMEZONE": "America/Sao_Paulo",
            "ALLOWED_CHAT_IDS": "-1001234567890, -42",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
            "TRACKED_KEYWORDS": "Python, Airflow",
        }
    )
    assert settings.allowed_chat_ids == {-1001234567890, -42}
    assert catalog.kind(settings) == "glue"
    assert settings.tz.key == "America/Sao_Paulo"
    assert settings.aws_endpoint_url == "http://127.0.0.1:9000"
    assert settings.tracked_keywords == ("python", "airflow")


def test_secrets_stay_out_of_repr():
    settings = config.Settings.from_env({"WEBHOOK_SECRET": "s3cr3t-value", "TELEGRAM_BOT_TOKEN": "123:abc"})
    assert "s3cr3t-value" not in repr(settings) and "123:abc" not in repr(settings)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"ALLOWED_CHAT_IDS": "-100,abc"}, "ALLOWED_CHAT_IDS"),
        ({"CATALOG": "hive"}, "CATALOG"),
    ],
)
def test_bad_values_say_which_setting(env, message):
    with pytest.raises(ValueError, match=message):
        config.Settings.from_env(env)


def test_the_configuration_page_renders_every_setting():
    spec = importlib.util.spec_from_file_location("settings_table", REPO / "docs" / "hooks" / "settings_table.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    assert hook.MARKER in (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| (.*)$", hook.settings_table(), re.MULTILINE))
    assert list(rows) == config.setting_names()
    assert (
        rows["TIMEZONE"] == "`UTC` | IANA time zone of the group: day boundaries, partitions, the activity heatmap. |"
    )
    assert rows["RAW_URI"].startswith("`./data/raw` | ") and rows["QUARANTINE_URI"].startswith("— | ")
    for name, (_, description) in config.SETTINGS.items():
        assert rows[name].endswith(f" | {description} |"), name


def test_cli_help_lists_the_subcommands():
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins")}
    out = subprocess.run(
        [sys.executable, "-m", "telegram_pipeline", "--help"], capture_output=True, text=True, check=True, env=env
    ).stdout
    for command in ["serve", "webhook", "consolidate", "catalog", "report", "simulate", "import-export"]:
        assert command in out


def test_a_command_dying_in_native_code_leaves_its_stack_and_its_child_processes_in_the_log():
    import subprocess
    import sys

    # os.abort() raises SIGABRT as a failing assertion in pyarrow's or DuckDB's C++ does
    child = "import os; os.abort()"
    command = "\n".join(
        [
            "import os, subprocess, sys",
            "from telegram_pipeline.cli import main",
            "main(['ddl'])",
            f"subprocess.run([sys.executable, '-c', {child!r}])",
            "os.abort()",
        ]
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins")}
    env.pop("PYTHONFAULTHANDLER", None)
    died = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, env=env)
    assert died.returncode < 0  # killed by the signal
    assert died.stderr.count("Fatal Python error: Aborted") == 2, died.stderr  # the command's and its child's
    assert 'File "<string>", line 5' in died.stderr  # where the command was when it died
