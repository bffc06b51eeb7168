"""The commands of the README and of every docs page, tried as a new user tries them: every command of
their ```bash blocks runs here, page by page, each page in a fresh copy of the repository and one shell
session of its own, in the page's order (the long ones with a small input), or is marked below with why
it cannot run here. A command RULES does not know fails the test: a new command in the docs comes with
its line here. One test per page, so that pytest-xdist spreads them.

`make demo` runs once for every page that shows it or uses its lake (`data/demo/`): the first page to
need it builds it in a copy of its own, under a lock the other xdist workers wait on, and each page's
copy then gets that lake.

The session is a user's shell: no AIRFLOW__* or pipeline settings from the test run, the copy as the
working folder, the venv active (`. .venv/bin/activate`, as Getting started has it, so that `python`
and `airflow` are the venv's). Two differences, both of the machine, not of the commands: the copy shares this
checkout's .venv (building one takes a minute), whose editable install points at this checkout, so
PYTHONPATH points it at the copy's own code (and so at the copy's own ./data); and the servers get free
ports, since others use 8080 and 8081 on a shared machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from telegram_pipeline import config

from tests.support.needs import CI
from tests.support.paths import REPO, free_port

pytestmark = pytest.mark.timeout(1800)

FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\s*$")
CHROMIUM = shutil.which("chromium")
DEMO_DAYS = ("2026-11-02", "2026-11-03")  # `make demo` on two days: the backfill's small input


@dataclass(frozen=True)
class Command:
    section: str
    text: str  # as written, continuation lines and all
    page: str = ""

    @property
    def line(self) -> str:
        """One line of its words, comments left out, as the shell splits them: what RULES match and what
        tells a repeated command."""
        joined = self.text.replace("\\\n", " ")
        try:
            return " ".join(shlex.split(joined, comments=True))
        except ValueError:  # a quote shlex cannot pair
            return " ".join(joined.split())


PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def page_name(page: Path) -> str:
    return str(page.relative_to(REPO))


def page_commands(page: Path, root: Path = REPO) -> list[Command]:
    """The commands of ``page`` as it reads in ``root`` (this checkout, or a copy of it)."""
    return [
        Command(command.section, command.text, page_name(page))
        for command in readme_commands((root / page.relative_to(REPO)).read_text(encoding="utf-8"))
    ]


def readme_commands(text: str) -> list[Command]:
    """The commands of every ```bash block, each with the heading it is under; a command's continuation
    lines (a trailing backslash, a for loop's body) belong to it, comment lines and blanks to none."""
    commands, section, block, indent = [], "", None, 0
    for line in text.splitlines():
        fence = FENCE.match(line)
        if block is None:
            if line.startswith("#"):
                section = line.lstrip("#").strip()
            elif fence:
                block, indent, language = [], len(fence["indent"]), fence["lang"]
            continue
        if not fence:
            block.append(line[indent:])
            continue
        if language == "bash":
            commands += [Command(section, command) for command in _split(block)]
        block = None
    return commands


def _split(lines: list[str]) -> list[str]:
    commands, current = [], []
    for line in lines:
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current.append(line)
        if not _unfinished("\n".join(current)):
            commands.append("\n".join(current))
            current = []
    assert not current, f"a command ends the block unfinished: {current}"
    return commands


def _unfinished(text: str) -> bool:
    """Does the shell read on: a trailing backslash, a quote still open, a loop without its done?"""
    if text.rstrip().endswith("\\"):
        return True
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return True
    return bool(re.match(r"\s*(for|while) ", text)) and not re.search(r"\bdone\b", text.splitlines()[-1])


@dataclass
class Rule:
    pattern: str  # matched (re.search) against Command.line
    skip: str = ""  # why it cannot run here; empty: it runs
    small: dict[str, str] = field(default_factory=dict)  # replacements, each present in the command
    background: str = ""  # a server: started and left running once its output matches this
    check: Callable[[str, Session], None] | None = None
    hold_db_lock: float = 0  # seconds another writer holds the Airflow DB's write lock as it runs
    # The demo's lake (data/demo/) in the page's copy before the command runs, from the one `make demo` of
    # the test run: for the commands that read it. On `make demo` itself: the command is that run.
    needs_demo: bool = False
    # Run once in the page's session before the command, for what an earlier page (or step) leaves in a
    # user's working copy: (why, shell text).
    setup: tuple[str, str] | None = None


def demo_made(output: str, session: Session) -> None:
    assert "every sender's count in every group equals what the simulator sent" in output, output[-2000:]


def _pages_written(out: Path) -> None:
    assert (out / "index.html").is_file() and list(out.glob("chat_id=*/report.html")), sorted(out.rglob("*"))


def searched(output: str) -> None:
    assert " use «" in output or " uses «" in output or '"per_day"' in output, output[-2000:]


def stored_the_sticker(output: str, session: Session) -> None:
    assert '"ok": true' in output and '"outcome": "stored"' in output, output
    assert list((session.root / "data" / "raw").glob("context_date=*/*.json")), "nothing in ./data/raw"


def showed_the_days(output: str, session: Session) -> None:
    assert "context_date" in output and "count_star()" in output, output


def helped(output: str, session: Session) -> None:
    assert "import-export" in output and "consolidate" in output, output


def printed_a_digest(output: str, session: Session) -> None:
    assert "active members" in output and "The full report and a chart follow" in output, output[-2000:]


def screenshot_taken(output: str, session: Session) -> None:
    assert (session.root / "docs" / "demo-report.png").stat().st_size > 10_000


def reports_built(output: str, session: Session) -> None:
    """After the backfill block: every run it started succeeds, the Asset-triggered reports included."""
    wanted = {
        ("telegram_consolidate", "backfill"): len(DEMO_DAYS),
        ("telegram_reports", "asset_triggered"): 1,
        ("telegram_reports", "manual"): 1,
    }
    deadline = time.monotonic() + 600
    while True:
        runs = session.airflow_runs()
        failed = [run for run in runs if run[2] == "failed"]
        assert not failed, f"runs failed: {failed}; see {session.logs}"
        done = {key: sum(1 for run in runs if run[:2] == key and run[2] == "success") for key in wanted}
        # Airflow runs one backfill per DAG at a time: the next (Import history's) waits for this one's end.
        if all(done[key] >= count for key, count in wanted.items()) and session.backfills_running() == 0:
            break
        assert time.monotonic() < deadline, f"runs not done in 600 s: {runs}, {session.backfills_running()} backfill"
        time.sleep(5)
    for day in DEMO_DAYS:
        index = session.root / "data/demo/reports/html" / f"context_date={day}" / "window=1d" / "index.html"
        assert index.is_file() and list(index.parent.glob("chat_id=*/report.html")), index


AWS = "creates or changes AWS resources (S3, IAM, Lambda, API Gateway, MWAA): no AWS here"
TELEGRAM = (
    "calls Telegram's Bot API with a real bot's token: tests/integration/test_webhook_setup.py runs these commands "
    "against a stand-in Bot API"
)

# The venv of Getting started, active in every page's session.
ACTIVATE = ". .venv/bin/activate"
# What a user's working copy holds when they reach a page's commands, made by earlier pages.
LOCAL_RAW_ZONE = (
    "the local raw zone, which the webhook makes when it stores its first update (Webhook page)",
    "mkdir -p data/raw",
)
AIRFLOW_DB = (
    "an Airflow that knows the DAGs, as `make airflow` leaves it (Airflow page): its metadata DB with the "
    "DAG files parsed",
    "export AIRFLOW_HOME=$PWD/.airflow AIRFLOW__CORE__DAGS_FOLDER=$PWD/dags AIRFLOW__CORE__PLUGINS_FOLDER=$PWD/plugins "
    "AIRFLOW__CORE__LOAD_EXAMPLES=False PATH=$PWD/.venv/bin:$PATH\n"
    "airflow db migrate > .airflow-setup.log 2>&1 && airflow dags reserialize >> .airflow-setup.log 2>&1",
)

RULES = [
    Rule(r"^make test$", skip="the test suite itself (CI runs it through .ci/run)"),
    Rule(
        r"^make demo$",
        small={"make demo": f'make demo DEMO_ARGS="--days {len(DEMO_DAYS)}"'},
        check=demo_made,
        needs_demo=True,
    ),
    # The Reports page's example is March in the default lake; here the demo's lake holds the days.
    Rule(
        r"^python -m telegram_pipeline report --from 2026-03-09 --to 2026-03-11 ",
        small={
            "python -m": "RAW_URI=$PWD/data/demo/raw CURATED_URI=$PWD/data/demo/curated python -m",
            "--from 2026-03-09 --to 2026-03-11": f"--from {DEMO_DAYS[0]} --to {DEMO_DAYS[-1]}",
        },
        check=lambda output, session: _pages_written(session.root / "march"),
        needs_demo=True,
    ),
    Rule(
        r"^make airflow$",
        skip="runs until Ctrl-C on port 8080: tests/system/test_airflow_ui.py runs it as written (on a free port), and "
        "the Backfill block below starts it over the demo's lake",
    ),
    Rule(
        r"^chromium --headless ",
        check=screenshot_taken,
        skip="" if CHROMIUM or CI else "no chromium (make browser)",
        needs_demo=True,
    ),
    Rule(
        r"^RAW_URI=\$PWD/data/demo/raw .* make airflow$",
        small={"START_DATE=2026-11-20": f"START_DATE={date.today()}"},  # no days to catch up
        background=r"==> DAGs parsed",
        needs_demo=True,
    ),
    Rule(r"^export AIRFLOW_HOME=\$PWD/\.airflow PATH=\$PWD/\.venv/bin:\$PATH$"),
    Rule(r"^airflow dags unpause telegram_consolidate && airflow dags unpause telegram_reports$"),
    Rule(
        r"^airflow backfill create --dag-id telegram_consolidate --from-date 2026-11-02 ",
        small={"--to-date 2026-11-16": "--to-date 2026-11-04"},
        hold_db_lock=8,
    ),
    Rule(r"^airflow dags list-runs telegram_consolidate"),
    Rule(
        r"^airflow dags trigger telegram_reports ",
        small={'"to": "2026-11-15"': f'"to": "{DEMO_DAYS[-1]}"'},
        check=reports_built,
    ),
    Rule(r"^\. \.venv/bin/activate"),
    Rule(r"^telegram-pipeline --help", check=helped),
    Rule(r"^export TELEGRAM_BOT_TOKEN=…", skip="a placeholder for your bot's token"),
    Rule(r"^export WEBHOOK_SECRET_PARAM=", skip="the deployed webhook's secret, for the webhook commands beside it"),
    Rule(r"^(\.venv/bin/)?python -m telegram_pipeline webhook (set|info|delete)\b", skip=TELEGRAM),
    Rule(r"^export DIGEST_CHAT_IDS="),
    Rule(
        r"^python -m telegram_pipeline digest --date ",
        skip="posts into Telegram with a real bot's token: tests/integration/test_digest.py runs it against a stand-in Bot API",
    ),
    Rule(r"^python -m telegram_pipeline digest --dry-run$", check=printed_a_digest),
    Rule(
        r"^WEBHOOK_SECRET=dev-secret ALLOWED_CHAT_IDS=-1001234567890 python -m telegram_pipeline serve --port 8081$",
        small={"8081": "{serve_port}"},
        background=r"webhook listening on",
    ),
    Rule(r"^curl -s -X POST localhost:8081/webhook ", small={"8081": "{serve_port}"}, check=stored_the_sticker),
    Rule(r"^python -m telegram_pipeline (consolidate|catalog|ddl|report|history)\b", setup=LOCAL_RAW_ZONE),
    # The Reports page's searches, over the demo's lake (its Portuguese running club: the count may be 0)
    Rule(
        r"^python -m telegram_pipeline search ",
        small={"python -m": "RAW_URI=$PWD/data/demo/raw CURATED_URI=$PWD/data/demo/curated python -m"},
        check=lambda output, session: searched(output),
        needs_demo=True,
    ),
    Rule(r"^python -c import duckdb; ", check=showed_the_days),
    Rule(
        r"^python -m telegram_pipeline import-export ~/Downloads/.*/ChatExport_",
        small={
            "~/Downloads/Telegram\\ Desktop/ChatExport_2024-11-20/result.json": (
                "../shared/fixtures/telegram_export/group_sample.json"
            )
        },
    ),
    Rule(
        r"^python -m telegram_pipeline import-export ~/Downloads/.*/DataExport_",
        small={
            "~/Downloads/Telegram\\ Desktop/DataExport_2024-11-26/result.json": "tests/data/forum_account_export_2024.json"
        },
    ),
    Rule(r"^airflow dags trigger telegram_consolidate --conf ", setup=AIRFLOW_DB),
    Rule(
        r"^make loadtest",
        small={"make loadtest": 'make loadtest LOADTEST_ARGS="--seconds 2 --senders 4 --backends local"'},
    ),
    Rule(r"^make fuzz", small={"make fuzz": 'make fuzz FUZZ_ARGS="--minutes 0.1 --scale 1"'}),
    Rule(r"^make bench BENCH_ARGS=--quick$"),
    Rule(r"^aws ", skip=AWS),
    Rule(r"^(\w+=\S* )*\w+=\$\(aws ", skip=AWS),  # REGION=… ACCOUNT=$(aws sts get-caller-identity …)
    Rule(r"^for .*\bdo\b.*\baws ", skip=AWS),
    Rule(r"^make (deploy|destroy)\b", skip=AWS),
    Rule(r"^RAW=\$STACK-raw-\$ACCOUNT-\$REGION "),
    Rule(
        r"^\.venv/bin/python include/deploy/deploy\.py policy ",
        skip="needs the account id that aws sts get-caller-identity gave above: tests/system/test_deploy.py runs it",
    ),
    Rule(r"^make lambda-zip$"),
    Rule(r"^(RAW_URI=s3://\S+ .*)?make mwaa-bundle$"),
    Rule(r"^export AWS_REGION=\S+ PYTHONPATH=plugins$", skip="for the webhook commands beside it"),
]


def rule_for(command: Command) -> Rule | None:
    return next((rule for rule in RULES if re.search(rule.pattern, command.line)), None)


class Session:
    """A user's terminal in the copy: one bash, fed the commands one by one, so that what one command sets
    (variables, exports, an activated venv) is there for the next; servers run as background jobs (job
    control on: each in a process group of its own, which Ctrl-C reaches) until the end."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.logs = root.parent / "logs"
        self.logs.mkdir()
        self.shell = subprocess.Popen(
            ["bash", "--noprofile", "--norc"], cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.shell.stdout], daemon=True).start()
        self.servers: list[int] = []
        self._send("set -m")

    def _send(self, text: str, timeout: float = 60) -> tuple[str, str]:
        """Write ``text`` to the shell, then a marker line with ``$?`` and ``$!``; read up to the marker."""
        marker = f"__readme_{uuid.uuid4().hex}__"
        # On a line of its own: the command's output may not end with a newline (curl's does not).
        self.shell.stdin.write(f'{text}\nprintf \'\\n%s %s %s\\n\' {marker} "$?" "$!"\n')
        self.shell.stdin.flush()
        output, deadline = [], time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no end in {timeout:.0f} s: {text}\n{''.join(output)[-4000:]}") from None
            if line.startswith(marker):
                status, last_job = [*line.split()[1:], ""][:2]
                assert status == "0", f"exit {status}: {text}\n{''.join(output)[-4000:]}"
                return "".join(output), last_job
            output.append(line)

    def run(self, text: str, timeout: float) -> str:
        # stdin from /dev/null: a command must not read the commands that follow it
        return self._send(f"{{\n{text}\n}} < /dev/null 2>&1", timeout)[0]

    def start(self, text: str, ready: str, timeout: float = 300) -> str:
        log = self.logs / f"server-{len(self.servers)}.log"
        log.touch()
        pid = int(self._send(f'{{\n{text}\n}} < /dev/null > "{log}" 2>&1 &')[1])
        self.servers.append(pid)
        deadline = time.monotonic() + timeout
        while not re.search(ready, output := log.read_text(errors="replace")):
            assert Path(f"/proc/{pid}").exists(), f"exited: {text}\n{output[-4000:]}"
            assert time.monotonic() < deadline, f"no {ready!r} in {timeout} s: {text}\n{output[-4000:]}"
            time.sleep(1)
        return output

    def stop(self) -> None:
        """Ctrl-C to each server's process group, then anything left of the session killed."""
        for pid in self.servers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGINT)
        deadline = time.monotonic() + 60
        while any(Path(f"/proc/{pid}").exists() for pid in self.servers) and time.monotonic() < deadline:
            time.sleep(1)
        for pid in _session_members(self.shell.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.shell.wait(10)

    def airflow_runs(self) -> list[tuple[str, str, str]]:
        with sqlite3.connect(f"file:{self.root / '.airflow' / 'airflow.db'}?mode=ro", uri=True, timeout=60) as db:
            return db.execute("select dag_id, run_type, state from dag_run order by id").fetchall()

    def backfills_running(self) -> int:
        with sqlite3.connect(f"file:{self.root / '.airflow' / 'airflow.db'}?mode=ro", uri=True, timeout=60) as db:
            return db.execute("select count(*) from backfill where completed_at is null").fetchone()[0]

    def hold_write_lock(self, seconds: float) -> threading.Thread:
        """Another writer on the metadata DB, as the scheduler is during a catch-up: for longer than SQLite's
        default 5 s wait. Returns once the lock is held."""
        held = threading.Event()

        def writer() -> None:
            db = sqlite3.connect(self.root / ".airflow" / "airflow.db", timeout=60, isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            held.set()
            time.sleep(seconds)
            db.execute("COMMIT")
            db.close()

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        assert held.wait(60), "could not take the metadata DB's write lock"
        return thread


def _session_members(session_id: int) -> list[int]:
    members = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == session_id and fields[0] != "Z":
                members.append(int(proc.name))
    return members


def fresh_copy(destination: Path) -> Path:
    """The checkout's files as git would clone them (tracked, and new files not ignored), mtimes kept so
    that `make venv` sees the shared .venv as up to date and leaves it alone."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        if (REPO / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, destination / name)
    for shared in (".venv", ".tools"):
        if (REPO / shared).exists():
            (destination / shared).symlink_to(REPO / shared)
    (destination.parent / "shared").symlink_to(REPO.parent / "shared")
    return destination


def users_environment(copy: Path) -> dict[str, str]:
    # MAKEFLAGS: `make test PYTHONPATH=…` hands its variables to every make below it, so the copy's
    # `make demo` ran this checkout's code and wrote its lake into this checkout's data/demo
    drop = {*config.setting_names(), "AIRFLOW_HOME", "PYTHONPATH", "VIRTUAL_ENV", "AWS_ENDPOINT_URL"}
    drop |= {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith(("AIRFLOW__", "PYTEST"))}
    env.update(
        PYTHONPATH=str(copy / "plugins"),
        AIRFLOW_PORT=str(free_port()),
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
    )
    return env


def test_the_users_shell_gets_no_variable_of_the_make_that_runs_the_tests(tmp_path, monkeypatch):
    """`make test PYTHONPATH=…` (or any variable) puts it in MAKEFLAGS, which a make in the copy would obey
    over its own Makefile: the page's `make demo` then ran this checkout's code, not the copy's."""
    monkeypatch.setenv("MAKEFLAGS", " -- PYTHONPATH=/elsewhere/plugins")
    monkeypatch.setenv("MAKELEVEL", "1")
    (tmp_path / "Makefile").write_text("export PYTHONPATH := $(CURDIR)/plugins\nshow:\n\t@echo $$PYTHONPATH\n")
    shown = subprocess.run(
        ["make", "-s", "show"], cwd=tmp_path, env=users_environment(tmp_path), capture_output=True, text=True
    )
    assert shown.stdout.strip() == str(tmp_path / "plugins"), shown


def all_commands() -> list[Command]:
    return [command for page in PAGES for command in page_commands(page)]


def test_every_command_of_the_docs_is_known_here():
    commands = all_commands()
    assert len(commands) > 40
    unknown = [f"{c.page}, {c.section}: {c.line}" for c in commands if rule_for(c) is None]
    assert not unknown, "commands with no line in RULES (run them, or say why they cannot):\n" + "\n".join(unknown)
    for command in commands:
        for old in rule_for(command).small:
            assert old in command.text, f"{command.page}: {command.line}: no {old!r} to make small"
    unused = [rule.pattern for rule in RULES if not any(re.search(rule.pattern, c.line) for c in commands)]
    assert not unused, f"RULES for commands the docs no longer have: {unused}"


def test_the_command_splitter_keeps_continuations_and_loops_together():
    text = "# x\n\n```bash\n# a comment\nmake a \\\n  --b   # c\nfor x in 1 2; do\n  echo $x\ndone\nls\n```\n"
    assert [c.text for c in readme_commands(text)] == [
        "make a \\\n  --b   # c",
        "for x in 1 2; do\n  echo $x\ndone",
        "ls",
    ]


@dataclass(frozen=True)
class Demo:
    lake: Path  # data/demo of the copy that ran it
    output: str


@pytest.fixture(scope="session")
def shared_demo(tmp_path_factory):
    """`make demo` on DEMO_DAYS, run once for the whole test run: by the first page that needs it, in a copy
    of its own; the other pages (on this xdist worker or another) wait for it and copy its lake."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "readme-demo"
    made: list[Demo] = []

    def demo() -> Demo:
        if made:
            return made[0]
        with open(root / "readme-demo.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (folder / "status").exists():
                _run_the_demo(folder)
        status = (folder / "status").read_text()
        output = (folder / "output.txt").read_text()
        assert status == "ok", f"`make demo`, run once for every page: {status}\n{output[-4000:]}"
        made.append(Demo(folder / "repo" / "data" / "demo", output))
        return made[0]

    return demo


def _run_the_demo(folder: Path) -> None:
    folder.mkdir()
    copy = fresh_copy(folder / "repo")
    session = Session(copy, users_environment(copy))
    rule = next(rule for rule in RULES if rule.pattern == r"^make demo$")
    output, status = "", "ok"
    try:
        output = session.run(rule.small["make demo"], timeout=900)
        rule.check(output, session)
    except AssertionError as failure:
        status = f"failed: {failure}"[:4000]
    finally:
        session.stop()
        (folder / "output.txt").write_text(output)
        (folder / "status").write_text(status)


def _with_commands(pages: list[Path]) -> list[Path]:
    return [page for page in pages if any(not rule_for(c) or not rule_for(c).skip for c in page_commands(page))]


@pytest.mark.parametrize("page", _with_commands(PAGES), ids=page_name)
def test_the_commands_of_each_page_work_as_written(page, tmp_path, shared_demo):
    copy = fresh_copy(tmp_path / "repo")
    pth = sorted((REPO / ".venv").glob("lib/python*/site-packages/*telegram*.pth"))
    assert pth, "no editable install of the package in .venv (make venv)"
    pth_before = [p.read_text() for p in pth]
    session = Session(copy, users_environment(copy))
    serve_port = str(free_port())
    seen: set[str] = set()
    set_up: set[str] = set()
    report = []
    try:
        session.run(ACTIVATE, timeout=60)
        for command in page_commands(page, copy):
            rule = rule_for(command)
            assert rule, f"no line in RULES for {command.line}"
            if rule.skip or command.line in seen:
                report.append(f"not run ({rule.skip or 'run above'}): {command.line}")
                continue
            seen.add(command.line)
            if rule.needs_demo and not (copy / "data" / "demo").exists():
                demo = shared_demo()
                shutil.copytree(demo.lake, copy / "data" / "demo", symlinks=True)
                if rule.pattern == r"^make demo$":
                    report.append(f"ran once for every page, {len(demo.output.splitlines())} lines: {command.line}")
                    continue
            elif rule.pattern == r"^make demo$":
                report.append(f"ran once for every page, its lake copied in above: {command.line}")
                continue
            if rule.setup and rule.setup[1] not in set_up:
                set_up.add(rule.setup[1])
                session.run(rule.setup[1], timeout=300)
                report.append(f"set up ({rule.setup[0]}): {' '.join(rule.setup[1].split())}")
            text = command.text
            for old, new in rule.small.items():
                text = text.replace(old, new.format(serve_port=serve_port))
            started = time.monotonic()
            if rule.background:
                output = session.start(text, rule.background)
            else:
                lock = session.hold_write_lock(rule.hold_db_lock) if rule.hold_db_lock else None
                output = session.run(text, timeout=900)
                if lock:
                    lock.join()
            if rule.check:
                rule.check(output, session)
            report.append(f"ran in {time.monotonic() - started:.0f} s: {' '.join(text.split())}")
    finally:
        session.stop()
        print(f"{page_name(page)}:\n" + "\n".join(report))
    assert [p.read_text() for p in pth] == pth_before, "the copy's make venv touched the shared .venv"
