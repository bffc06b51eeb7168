"""Every DAG file is thin (tests/integration/test_dag_integrity.py parses them as the scheduler does)."""

from __future__ import annotations

import pytest

from tests.support.paths import REPO

DAGS_FOLDER = REPO / "dags"
DAG_FILES = sorted(p for p in DAGS_FOLDER.glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_dag_files_are_thin(dag_file):
    lines = [line for line in dag_file.read_text().splitlines() if line.strip() and not line.strip().startswith("#")]
    assert len(lines) <= 80, f"{dag_file.name} has {len(lines)} lines: move the logic into telegram_pipeline"
    heavy = {"pyarrow", "duckdb", "boto3", "pandas"}
    top_imports = [line for line in dag_file.read_text().splitlines() if line.startswith(("import ", "from "))]
    assert not [line for line in top_imports if any(h in line for h in heavy)], top_imports
