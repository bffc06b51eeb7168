"""`make airflow` for real: standalone Airflow comes up, prints the admin password, a headless Chromium
logs in through the UI's own form and sees both DAGs, a DAG run's tasks succeed, and Ctrl-C (SIGINT)
stops every process."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import needs
from tests.support.paths import REPO, free_port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
EXPECTED_DAGS = ("telegram_consolidate", "telegram_reports")


NAVIGATING = ("Inspected target navigated or closed", "Execution context was destroyed", "Cannot find context")


class PageNavigating(RuntimeError):
    """Chromium's answer to a call made while the page is being replaced by another."""


class Browser:
    """Headless Chromium driven over the DevTools protocol (what Playwright and Selenium speak underneath)."""

    def __init__(self, profile: Path):
        from websockets.sync.client import connect

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(p for p in pages if p["type"] == "page")
        self.socket = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10)
        self.ids = itertools.count(1)

    def call(self, method: str, **params):
        call_id = next(self.ids)
        self.socket.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") == call_id:
                if "error" in message:
                    error = f"{method}: {message['error']}"
                    raise PageNavigating(error) if any(n in error for n in NAVIGATING) else RuntimeError(error)
                return message.get("result", {})

    def evaluate(self, expression: str, timeout: float = 30):
        """The expression's value in the page. While the page navigates (the login's redirect, a reload)
        Chromium refuses to evaluate ("Inspected target navigated or closed", "Execution context was
        destroyed"): asked again until the new page is there."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
            except PageNavigating:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.25)
                continue
            return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.25)
        raise AssertionError(
            f"timed out waiting for {expression}; page shows: {self.evaluate('document.body && document.body.innerText')!r}"
        )

    def type_into(self, selector: str, text: str) -> None:
        self.wait_for(f"!!document.querySelector({json.dumps(selector)})")
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", text=text)  # real input events, as React expects

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def standalone():
    """`make airflow` on a free port in a temporary AIRFLOW_HOME, in its own process group (like a terminal)."""
    home = Path(tempfile.mkdtemp(prefix="airflow-ui-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    # The log servers of the scheduler and the triggerer listen on fixed ports: move them out of the way.
    env.update(
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
    )
    log = home / "make-airflow.log"
    process = subprocess.Popen(
        ["make", "-s", "airflow", f"AIRFLOW_LOCAL_HOME={home}", f"AIRFLOW_PORT={port}"],
        cwd=REPO, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    yield {"process": process, "port": port, "log": log, "home": home}
    for pid in processes_of(home, process.pid):
        os.kill(pid, signal.SIGKILL)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    shutil.rmtree(home, ignore_errors=True)


def processes_of(home: Path, session: int) -> list[int]:
    """The processes running with this AIRFLOW_HOME or in the session `make airflow` started: the ones this
    test started, and no one else's. The API server rewrites its title over its environment (setproctitle),
    so only its session tells it apart."""
    marker = f"AIRFLOW_HOME={home}".encode() + b"\0"
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                state, _, _, sid = (proc / "stat").read_text().rsplit(")", 1)[1].split()[:4]
                if state != "Z" and (int(sid) == session or marker in (proc / "environ").read_bytes()):
                    found.append(int(proc.name))
            except OSError:
                pass
    return found


class Api:
    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        return json.load(urllib.request.urlopen(request, timeout=60))


def wait_for_password(log: Path, process, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(
            r"==> login at http://127\.0\.0\.1:\d+ as admin, password: (\S+)", log.read_text(errors="replace")
        )
        if found:
            return found.group(1)
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        time.sleep(0.5)
    raise AssertionError("no password printed: " + log.read_text(errors="replace")[-3000:])


def wait_for_http(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def chromium() -> str:
    """Asked for before `standalone`, so a missing browser skips (or, in CI, fails) before Airflow starts."""
    if not CHROMIUM:
        needs.missing("chromium is not installed (make browser)")
    return CHROMIUM


def test_make_airflow_serves_both_dags_and_stops_on_ctrl_c(chromium, standalone, tmp_path):
    base = f"http://127.0.0.1:{standalone['port']}"
    password = wait_for_password(standalone["log"], standalone["process"])
    wait_for_http(f"{base}/api/v2/version")

    browser = Browser(tmp_path / "chromium-profile")
    try:
        browser.call("Page.enable")
        browser.call("Page.navigate", url=f"{base}/dags")
        browser.type_into("input[name=username]", "admin")
        browser.type_into("input[name=password]", password)
        browser.wait_for("!document.querySelector('button[type=submit]').disabled")
        browser.evaluate("document.querySelector('button[type=submit]').click()")
        # The DAG processor parses dags/ right after the start; the page shows what was parsed when it
        # loaded, so it is reloaded every 10 s until both DAGs are there.
        deadline = time.monotonic() + 90
        reloaded = time.monotonic()
        while time.monotonic() < deadline:
            text = browser.evaluate("document.body ? document.body.innerText : ''") or ""
            if all(dag_id in text for dag_id in EXPECTED_DAGS):
                break
            if "Sign in" not in text and time.monotonic() - reloaded > 10:
                browser.call("Page.reload")
                reloaded = time.monotonic()
            time.sleep(0.5)
        assert all(dag_id in text for dag_id in EXPECTED_DAGS), text[:2000]
        assert "Sign in" not in text
    finally:
        browser.close()

    token_request = urllib.request.Request(
        f"{base}/auth/token",
        data=json.dumps({"username": "admin", "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    token = json.load(urllib.request.urlopen(token_request, timeout=60))["access_token"]
    errors = json.load(
        urllib.request.urlopen(
            urllib.request.Request(f"{base}/api/v2/importErrors", headers={"Authorization": f"Bearer {token}"}),
            timeout=60,
        )
    )
    assert errors["total_entries"] == 0, errors
    # What a second terminal's `airflow` command (given only AIRFLOW_HOME) shares with it, in airflow.cfg.
    cfg = (standalone["home"] / "airflow.cfg").read_text()
    for line in (
        f"dags_folder = {REPO / 'dags'}",
        f"sql_alchemy_conn = sqlite:///{standalone['home'] / 'airflow.db'}?timeout=60",
        "sql_alchemy_session_maker = telegram_pipeline.orchestration.metadata_db.session_maker",
    ):
        assert f"\n{line}\n" in cfg, line
    # Tasks run too: a task's supervisor must reach the Execution API on this port, not on 8080.
    api = Api(base, token)
    api.call("PATCH", "/api/v2/dags/telegram_reports", {"is_paused": False})
    run_id = api.call("POST", "/api/v2/dags/telegram_reports/dagRuns", {"logical_date": None})["dag_run_id"]
    deadline = time.monotonic() + 90
    while (state := api.call("GET", f"/api/v2/dags/telegram_reports/dagRuns/{run_id}")["state"]) not in {
        "success",
        "failed",
    }:
        assert time.monotonic() < deadline, f"the run is still {state}"
        time.sleep(1)
    assert state == "success", standalone["log"].read_text(errors="replace")[-4000:]

    process = standalone["process"]
    assert processes_of(standalone["home"], process.pid)
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal does: the whole foreground group
    stopped = threading.Event()
    threading.Thread(target=lambda: (process.wait(), stopped.set()), daemon=True).start()
    assert stopped.wait(60), "make airflow did not stop within 60 s of Ctrl-C; still running: " + " | ".join(
        Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:200]
        for pid in processes_of(standalone["home"], process.pid)
    )
    deadline = time.monotonic() + 15
    while processes_of(standalone["home"], process.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_of(standalone["home"], process.pid) == [], (
        "Airflow processes were still running after make airflow stopped"
    )
    assert "standalone | Complete" in standalone["log"].read_text(errors="replace")
