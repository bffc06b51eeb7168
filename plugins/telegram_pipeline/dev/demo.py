"""``make demo``: the whole pipeline end to end on a simulated group, on this machine, in a few minutes.

1. Starts the webhook server (``python -m telegram_pipeline serve``) with a secret and two allowed groups,
   behind a small gateway that answers 503 to the first try of a few updates, as API Gateway does when
   Lambda is throttled.
2. Sends it two weeks of two simulated groups the way Telegram does (``simulate``): secret header, one
   POST per update, several in flight, retries after a 5xx. The first group is a news channel's
   discussion group (the channel's posts copied in, the members commenting); the second becomes a
   supergroup halfway.
3. Runs the real DAGs through Airflow (``dag.test()``, one run per day): ``telegram_consolidate`` for each
   day, then ``telegram_reports`` for the range.
4. Prints each group's headline from the report tables the DAG wrote, checks them against what was
   sent, and where each group's HTML page is.
5. Posts each group's digest of its last 7 days (``python -m telegram_pipeline digest``) to a stand-in
   Bot API on 127.0.0.1 (the demo has no real bot): the runners' into their group, the hikers' to their
   admins' chat; prints where each went and what it reads.

Everything lives in its own lake (``data/demo/``, wiped at the start) and its own AIRFLOW_HOME
(``.airflow-demo/``), so a second run rebuilds the same results. Usage:
``python -m telegram_pipeline.dev.demo [--days N] [--seed N]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from telegram_pipeline import config
from telegram_pipeline.dev import simulate
from telegram_pipeline.dev.bot_api_standin import BotApiStandIn
from telegram_pipeline.reports import definitions
from telegram_pipeline.reports.summary import duration, summarize
from telegram_pipeline.rules import raw_zone

REPO = config.REPO_ROOT
TIMEZONE = "America/Sao_Paulo"
SECRET = "demo-secret-not-for-production"
PROGRESS = "DEMO| "
# The gateway fails the first try of every update whose id is a multiple of this.
FLAKY_EVERY = 97


def shown(path: Path) -> str:
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_env(lake: Path, airflow_home: Path, start: dt.date) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in config.SETTINGS}
    env.update(
        RAW_URI=str(lake / "raw"),
        CURATED_URI=str(lake / "curated"),
        REPORTS_URI=str(lake / "reports"),
        TIMEZONE=TIMEZONE,
        # the second group's old and new ids: the setting the webhook's log asks for after a migration
        ALLOWED_CHAT_IDS=",".join(
            str(i) for i in (simulate.DEFAULT_CHAT_ID, simulate.HIKING_CHAT["id"], simulate.HIKING_SUPERGROUP["id"])
        ),
        WEBHOOK_SECRET=SECRET,
        START_DATE=start.isoformat(),
        TRACKED_KEYWORDS="maratona,longão,lesão",
        PYTHONPATH=os.pathsep.join([str(REPO / "plugins"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        AIRFLOW_HOME=str(airflow_home),
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(REPO / "plugins"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
    )
    return env


class FlakyGateway(ThreadingHTTPServer):
    """Forwards each POST to the webhook server, but answers 503 to the first try of some updates."""

    daemon_threads = True

    def __init__(self, port: int, upstream: str):
        self.upstream, self.failed_once, self.lock = upstream, set(), threading.Lock()
        super().__init__(("127.0.0.1", port), GatewayHandler)


class GatewayHandler(BaseHTTPRequestHandler):
    server: FlakyGateway

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            update_id = json.loads(body).get("update_id")
        except ValueError:
            update_id = None
        if isinstance(update_id, int) and update_id % FLAKY_EVERY == 0:
            with self.server.lock:
                first_try = update_id not in self.server.failed_once
                self.server.failed_once.add(update_id)
            if first_try:
                return self._answer(503, b'{"message":"Service Unavailable"}')
        headers = {
            name: value
            for name, value in self.headers.items()
            if name.lower() in {"content-type", "x-telegram-bot-api-secret-token"}
        }
        request = urllib.request.Request(self.server.upstream, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                self._answer(response.status, response.read())
        except urllib.error.HTTPError as error:
            self._answer(error.code, error.read())
        except OSError:
            self._answer(502, b'{"message":"Bad Gateway"}')

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the webhook server exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the webhook server did not listen on port {port} within {timeout:.0f} s")


def ingest(simulation: simulate.Simulation, env: dict[str, str], lake: Path) -> None:
    port, gateway_port = free_port(), free_port()
    log = lake / "webhook.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "telegram_pipeline", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    gateway = FlakyGateway(gateway_port, f"http://127.0.0.1:{port}/")
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    try:
        wait_for_port(port, server, log)
        print(f"   webhook server on http://127.0.0.1:{port}/ (log: {shown(log)}), gateway on :{gateway_port}")
        started = time.monotonic()
        result = simulate.send(simulation.deliveries, f"http://127.0.0.1:{gateway_port}/", SECRET, concurrency=8)
        elapsed = time.monotonic() - started
    finally:
        gateway.shutdown()
        gateway.server_close()
        server.send_signal(signal.SIGTERM)
        server.wait(15)
    print(
        f"   sent {len(simulation.deliveries)} updates in {elapsed:.1f} s, 8 at a time: {result.delivered} answered 200, "
        f"{len(gateway.failed_once)} got a 503 first and were retried ({result.retries} retries), {result.failed} lost"
    )
    if result.failed or result.rejected:
        raise RuntimeError(
            f"{result.failed + result.rejected} updates were not accepted: {dict(result.statuses)}; see {log}"
        )


def run_dags(first: dt.date, last: dt.date, env: dict[str, str], lake: Path) -> None:
    """The DAGs in a child process with the demo's Airflow settings; its chatter goes to a log file."""
    log = lake / "airflow.log"
    command = [sys.executable, "-m", "telegram_pipeline.dev.demo", "--run-dags", first.isoformat(), last.isoformat()]
    with open(log, "w") as out:
        child = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO
        )
        for line in child.stdout:
            out.write(line)
            if line.startswith(PROGRESS):
                print("   " + line[len(PROGRESS) :], end="", flush=True)
        if child.wait():
            raise RuntimeError(f"the DAG runs failed; see {log}")


def dag_runs(first: dt.date, last: dt.date) -> int:
    """(child process) dag.test() of telegram_consolidate for each day, then telegram_reports for the range."""
    import runpy
    from zoneinfo import ZoneInfo

    def states(run) -> str:
        found = Counter(str(ti.state) for ti in run.get_task_instances())
        return ", ".join(f"{count} {state}" for state, count in sorted(found.items()))

    consolidate_dag = runpy.run_path(str(REPO / "dags" / "telegram_consolidate.py"))["dag"]
    day, failed = first, False
    while day <= last:
        following = day + dt.timedelta(days=1)
        started = time.monotonic()
        # A run's data interval is the whole day before its logical date, in TIMEZONE.
        run = consolidate_dag.test(
            logical_date=dt.datetime(following.year, following.month, following.day, tzinfo=ZoneInfo(TIMEZONE))
        )
        print(
            f"{PROGRESS}telegram_consolidate {day} ({day:%a}): {run.state} [{states(run)}] {time.monotonic() - started:.1f} s",
            flush=True,
        )
        failed |= str(run.state) != "success"
        day = following
    reports_dag = runpy.run_path(str(REPO / "dags" / "telegram_reports.py"))["dag"]
    started = time.monotonic()
    run = reports_dag.test(run_conf={"from": first.isoformat(), "to": last.isoformat()})
    print(
        f"{PROGRESS}telegram_reports {first} .. {last}: {run.state} [{states(run)}] {time.monotonic() - started:.1f} s",
        flush=True,
    )
    failed |= str(run.state) != "success"
    return 1 if failed else 0


def dag_tables(lake: Path, last: dt.date, window: str) -> dict:
    import pyarrow.parquet as pq

    from telegram_pipeline.reports import build as reports

    return {
        name: pq.read_table(lake / "reports" / reports.window_prefix(name, last, window) / reports.DATA_FILE)
        for name in definitions.REPORTS
    }


def engagement(summary) -> str:
    said = [f"{summary.reactions} reactions"]
    if summary.most_reacted:
        said[0] += f" (most on {summary.most_reacted[0].author}'s)"
    if summary.strongest_pairs:
        pair = summary.strongest_pairs[0]
        said.append(f"{pair.from_name} answers {pair.to_name} most ({pair.replies + pair.mentions})")
    status = summary.member_status
    said.append(f"{status.get('new', 0)} new, {status.get('quiet', 0)} gone quiet")
    if summary.median_reply_seconds is not None:
        said.append(f"first replies after {duration(summary.median_reply_seconds)} (median)")
    return "; ".join(said)


def headline(simulation: simulate.Simulation, lake: Path, first: dt.date, last: dt.date) -> Path:
    """Each group's headline from the DAG's 30-day window of the last day (it covers the whole
    simulation), checked against what the simulator sent; the folder of the pages."""
    from telegram_pipeline.reports import build as reports

    window = "30d"
    tables = dag_tables(lake, last, window)
    rng = definitions.ReportRange.from_settings(
        last - dt.timedelta(days=definitions.WINDOWS[window] - 1), last, config.load()
    )
    pages = lake / "reports" / reports.window_prefix(reports.HTML_FOLDER, last, window)
    reported = {chat: Counter() for chat in simulation.groups}
    for row in tables["top_posters"].to_pylist():
        reported.setdefault(row["chat_id"], Counter())[row["user_id"]] = row["messages"]
    print()
    print(f"The groups, {first} .. {last} ({TIMEZONE}), as the reports DAG wrote them:")
    for chat_id, sent in simulation.groups.items():
        summary = summarize(tables, rng, chat_id)
        formerly = f", formerly the basic group {sent.migrated_from}" if sent.migrated_from else ""
        print(f"   {summary.title} ({chat_id}{formerly})")
        print(
            f"      {summary.messages} messages from {summary.active_users} members (bots left out), {summary.new_members} joined"
        )
        print("      top posters:  " + ", ".join(f"{name} ({count})" for name, count in summary.top_posters))
        print("      top keywords: " + ", ".join(f"{keyword} ({count})" for keyword, count in summary.top_keywords[:6]))
        print(f"      busiest:      {summary.busiest_weekday}s, and the {summary.busiest_hour:02d}:00 hour")
        print(f"      {summary.best_time_sentence()}")
        print(f"      engagement:   {engagement(summary)}")
        print(f"      page:         {pages / reports.page_key(chat_id)}")
        if reported[chat_id] != sent.messages_by_sender:
            differing = {
                k
                for k in set(reported[chat_id]) | set(sent.messages_by_sender)
                if reported[chat_id].get(k) != sent.messages_by_sender.get(k)
            }
            raise RuntimeError(
                f"{summary.title}: the report differs from what was sent for {len(differing)} senders, e.g. {sorted(differing)[:5]}"
            )
    if set(reported) != set(simulation.groups):
        raise RuntimeError(
            f"the reports name groups {sorted(reported)}, the simulator sent {sorted(simulation.groups)}"
        )
    total = sum(g.messages for g in simulation.groups.values())
    print(f"   check: every sender's count in every group equals what the simulator sent ({total} messages)")
    return pages / reports.INDEX_FILE


def range_report(env: dict[str, str], lake: Path, first: dt.date, last: dt.date) -> Path:
    """The same curated table, reported for exactly the simulated days with the CLI the docs show."""
    out = lake / "report"
    command = [
        sys.executable,
        "-m",
        "telegram_pipeline",
        "report",
        "--from",
        first.isoformat(),
        "--to",
        last.isoformat(),
        "--out",
        str(out),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[1:])} failed: {done.stderr[-2000:]}")
    return out / "index.html"


# The hikers' digest goes to their admins' chat rather than into the group: DIGEST_CHAT_IDS' group:target.
HIKING_ADMINS = {"id": -4098765432, "title": "Admins das Trilhas", "type": "group"}


def post_digest(env: dict[str, str], lake: Path, last: dt.date, days: int) -> None:
    """The digest command, as the telegram_digest DAG runs it, against a stand-in for Telegram's Bot API."""
    standin = BotApiStandIn().start()
    runners, hikers, admins = simulate.DEFAULT_CHAT_ID, simulate.HIKING_SUPERGROUP["id"], HIKING_ADMINS["id"]
    standin.add_chat(runners, title=simulate.GROUP_TITLE)
    standin.add_chat(hikers, title=simulate.HIKING_SUPERGROUP["title"])
    standin.add_chat(admins, title=HIKING_ADMINS["title"], type="group")
    digest_env = {
        **env,
        "TELEGRAM_API_URL": standin.url,
        "TELEGRAM_BOT_TOKEN": standin.token,
        "DIGEST_CHAT_IDS": f"{runners},{hikers}:{admins}",
    }
    command = [sys.executable, "-m", "telegram_pipeline", "digest", "--date", last.isoformat(), "--days", str(days)]
    started = time.monotonic()
    try:
        done = subprocess.run(command, env=digest_env, capture_output=True, text=True)
    finally:
        standin.stop()
    elapsed = time.monotonic() - started
    if done.returncode:
        raise RuntimeError(f"digest failed: {done.stderr[-2000:]}")
    folder = lake / "digest-sent"
    folder.mkdir(exist_ok=True)
    print(
        f"The digests of the last {days} days, posted by `digest` to a stand-in Bot API on {standin.url} ({elapsed:.1f} s):"
    )
    for line in done.stdout.splitlines():
        print(f"   {line}")
    for chat in (runners, admins):
        message, document, photo = standin.delivered(chat)
        for sent in (document, photo):
            (folder / sent.upload[0]).write_bytes(sent.upload[2])
        print(f"   chat {chat} got the message, then {document.upload[0]} and {photo.upload[0]}; it reads:")
        print("      " + message.text.replace("\n", "\n      "))
    print(f"   (the pages and charts as sent: {shown(folder)}/)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m telegram_pipeline.dev.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date.fromisoformat(simulate.DEFAULT_START))
    parser.add_argument("--lake", type=Path, default=REPO / "data" / "demo")
    parser.add_argument("--airflow-home", type=Path, default=REPO / ".airflow-demo")
    parser.add_argument("--run-dags", nargs=2, metavar=("FIRST", "LAST"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run_dags:
        return dag_runs(*(dt.date.fromisoformat(d) for d in args.run_dags))

    began = time.monotonic()
    lake, home = args.lake.resolve(), args.airflow_home.resolve()
    first, last = args.start, args.start + dt.timedelta(days=args.days - 1)
    shutil.rmtree(lake, ignore_errors=True)
    lake.mkdir(parents=True)
    env = demo_env(lake, home, args.start)
    os.environ.update({k: env[k] for k in config.SETTINGS if k in env})

    if not migrate_metadata_db(home, env):
        return 1
    simulation = simulate_and_ingest(args.seed, first, args.days, env, lake)

    print(f"3. The DAGs through Airflow (dag.test, log: {shown(lake / 'airflow.log')})")
    run_dags(first, last, env, lake)

    dag_index = headline(simulation, lake, first, last)
    print()
    print(f"HTML reports of the reports DAG (30 days ending {last}), every group: {dag_index}")
    print(
        f"HTML reports of exactly these {args.days} days (python -m telegram_pipeline report): {range_report(env, lake, first, last)}"
    )
    print()
    post_digest(env, lake, last, min(7, args.days))
    print()
    print(f"(demo took {time.monotonic() - began:.0f} s; run it again and it rebuilds the same results)")
    return 0


def migrate_metadata_db(home: Path, env: dict[str, str]) -> bool:
    print(f"1. Airflow metadata DB in {home}")
    if (home / "airflow.db").exists():
        print("   already migrated")
        return True
    home.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, capture_output=True, text=True)
    if done.returncode:
        print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
        return False
    print("   migrated")
    return True


def simulate_and_ingest(seed: int, first: dt.date, days: int, env: dict[str, str], lake: Path) -> simulate.Simulation:
    """Two simulated groups' updates, through the webhook into the raw zone, which must then hold exactly
    the groups' updates (other chats dropped, a redelivery stored once)."""
    simulation = simulate.generate(seed, first, days, simulate.DEFAULT_CHAT_ID, TIMEZONE, second_group=True)
    kinds = simulation.kinds
    print(f"2. Two simulated groups: {days} days from {first}, seed {seed}")
    for group in simulation.groups.values():
        became = (
            f"; a basic group ({group.migrated_from}) that becomes a supergroup halfway" if group.migrated_from else ""
        )
        if group.channel_posts:
            became += f"; a news channel's discussion group ({group.channel_posts} of its posts copied in)"
        print(
            f"   '{group.title}' ({group.chat_id}): {len(group.messages_by_sender)} senders, {group.messages} messages by members{became}"
        )
    print(
        f"   {kinds['message']} message updates (the rest joins, the bot, other chats), {kinds['edited_message']} edits, "
        f"{kinds['message_reaction']} reactions, {kinds['from other chats']} updates from other chats, {kinds['duplicate deliveries']} redelivery"
    )
    ingest(simulation, env, lake)
    stored = simulate_raw_keys(lake)
    expected = {u["update_id"] for u in simulation.deliveries if chat_of(u) in simulation.chat_ids()}
    folders = sorted({key.split("/")[0] for key in stored})
    print(
        f"   raw zone: {len(stored)} updates in {len(folders)} day folders ({folders[0]} .. {folders[-1]}); other chats dropped, the redelivery stored once"
    )
    if {int(key.rsplit("/", 1)[1].removesuffix(".json")) for key in stored} != expected:
        raise RuntimeError("the raw zone does not hold exactly the groups' updates")
    return simulation


def chat_of(update: dict) -> int | None:
    body = next(value for key, value in update.items() if key != "update_id")
    return body.get("chat", {}).get("id")


def simulate_raw_keys(lake: Path) -> list[str]:
    from telegram_pipeline.lake import storage

    return [key for key in storage.open_store(str(lake / "raw")).list() if key.startswith(raw_zone.DAY_FOLDER_PREFIX)]


if __name__ == "__main__":
    sys.exit(main())
