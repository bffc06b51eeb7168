"""`make airflow` stops on Ctrl-C even when a component does not stop on standalone's one SIGTERM.

Standalone waits for each component without a time limit, and the scheduler's LocalExecutor can wait on
its idle worker for ever (seen once in CI: the scheduler, its log server and its worker still running a
minute after Ctrl-C). Here a stand-in `airflow standalone` starts a component that ignores SIGTERM and
stops it the way standalone does; the script must signal it again, then kill it, and end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.support.paths import REPO

pytestmark = pytest.mark.timeout(120)

STUBBORN_COMPONENT = """
import signal, time
signal.signal(signal.SIGTERM, lambda *_: print("component | SIGTERM ignored", flush=True))
print("component | started", flush=True)
while True:
    time.sleep(0.1)
"""

STANDALONE_STAND_IN = f"""
import subprocess, sys, time
if sys.argv[1:] != ["standalone"]:
    sys.exit(0)  # `airflow config list`
component = subprocess.Popen([sys.executable, "-c", {STUBBORN_COMPONENT!r}])
try:
    while True:
        time.sleep(0.1)
except KeyboardInterrupt:
    pass
print("standalone | Shutting down components", flush=True)
component.terminate()
component.wait()
print("standalone | Complete", flush=True)
"""


def test_ctrl_c_signals_again_then_kills_a_component_that_does_not_stop(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_airflow = bin_dir / "airflow"
    fake_airflow.write_text(f"#!{sys.executable}\n{STANDALONE_STAND_IN}")
    fake_airflow.chmod(0o755)
    home = tmp_path / "home"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__API__PORT": "0",
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "RAW_URI": "raw",
        "CURATED_URI": "curated",
        "REPORTS_URI": "reports",
    }
    log = tmp_path / "make-airflow.log"
    with open(log, "wb") as output:
        script = subprocess.Popen(
            ["bash", str(REPO / "include/deploy/airflow_standalone.sh")],
            env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while "component | started" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "component | started" in log.read_text(), log.read_text()
        asked = time.monotonic()
        os.killpg(script.pid, signal.SIGINT)  # Ctrl-C: the terminal's foreground group
        script.wait(60)
        stopped_after = time.monotonic() - asked
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
    output = log.read_text()
    assert "component | SIGTERM ignored" in output
    assert "s after Ctrl-C, sent SIGTERM" in output
    assert "s after Ctrl-C, sent SIGKILL" in output
    assert output.rstrip().endswith("standalone | Complete"), output
    assert 35 <= stopped_after < 50, (stopped_after, output)
