"""The deployment bundles built as `make mwaa-bundle` and `make lambda-zip` build them, and an
environment where nothing of the repository is in reach."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from telegram_pipeline import config

from tests.support.paths import REPO

BUILD = REPO / "include" / "deploy" / "build.py"


def build(kind: str, out: Path, **env: str) -> Path:
    clean = {k: v for k, v in os.environ.items() if k not in config.SETTINGS}
    subprocess.run([sys.executable, str(BUILD), kind, str(out)], check=True, capture_output=True, env={**clean, **env})
    return out


def isolated_env(**extra: str) -> dict[str, str]:
    """An environment without the repository on any path and without the pipeline's settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in config.SETTINGS and not k.startswith("AIRFLOW__") and k not in {"PYTHONPATH", "SQL_DIR"}
    }
    env.update(AIRFLOW__CORE__LOAD_EXAMPLES="False", **extra)
    return env
