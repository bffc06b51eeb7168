"""Every DAG file imports cleanly, is thin, and is safe for the scheduler to parse over and over."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.support.paths import REPO

DAGS_FOLDER = REPO / "dags"
DAG_FILES = sorted(p for p in DAGS_FOLDER.glob("*.py") if not p.name.startswith("_"))
EXPECTED_DAGS = {"telegram_consolidate", "telegram_reports", "telegram_digest"}

# Imports a DAG file under an audit hook that records any file opened (other than Python modules),
# any network connection and any subprocess: the things a DAG file must not do when parsed. The
# file's own import statements run first, unobserved: what a framework does once when first imported
# is not what the scheduler pays on every parse.
PROBE = textwrap.dedent(
    """
    import ast, json, os, runpy, sys
    from airflow.sdk import Variable

    def refuse(*args, **kwargs):
        raise RuntimeError("Variable.get at parse time")
    Variable.get = refuse

    source = open(sys.argv[1]).read()
    imports = [node for node in ast.parse(source).body if isinstance(node, (ast.Import, ast.ImportFrom))]
    exec(compile(ast.Module(body=imports, type_ignores=[]), sys.argv[1], "exec"), {})

    violations = []
    MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pth", ".pyi", ".typed")
    def hook(event, args):
        if event == "open":
            path, mode = str(args[0]), args[1] or "r"
            if isinstance(args[0], int) or path.endswith(MODULE_SUFFIXES) or os.path.isdir(path):
                return
            if "/site-packages/" in path or path.startswith(sys.base_prefix) or "/zoneinfo/" in path:
                return
            violations.append(f"open {path} {mode}")
        elif event in ("socket.connect", "subprocess.Popen", "os.system"):
            violations.append(f"{event} {args[1] if len(args) > 1 else args}")
    sys.addaudithook(hook)
    runpy.run_path(sys.argv[1], run_name="dag_under_test")
    print("VIOLATIONS=" + json.dumps(violations))
    """
)


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


def test_no_import_errors(dagbag):
    assert not dagbag.import_errors, dagbag.import_errors


def test_the_pipeline_dags_are_there(dagbag):
    assert EXPECTED_DAGS <= set(dagbag.dag_ids)


def test_one_dag_per_file(dagbag):
    files = [dag.fileloc for dag in dagbag.dags.values()]
    assert len(files) == len(set(files))


def test_every_dag_has_tags_and_retries(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        for task in dag.tasks:
            assert task.retries >= 2, f"{dag_id}.{task.task_id} has retries={task.retries}, needs >= 2"


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_no_io_at_parse_time(dag_file, airflow_db):
    result = subprocess.run([sys.executable, "-c", PROBE, str(dag_file)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("VIOLATIONS="))
    violations = json.loads(line.removeprefix("VIOLATIONS="))
    assert not violations, f"{dag_file.name} does I/O when parsed: {violations}"


def test_the_probe_catches_top_level_io(tmp_path, airflow_db):
    bad = tmp_path / "bad_dag.py"
    bad.write_text(f"import subprocess\nopen({str(REPO / 'README.md')!r}).read()\nsubprocess.run(['true'])\n")
    result = subprocess.run([sys.executable, "-c", PROBE, str(bad)], capture_output=True, text=True)
    assert "open " in result.stdout and "README.md" in result.stdout, result.stdout + result.stderr
    assert "subprocess.Popen" in result.stdout, result.stdout + result.stderr
