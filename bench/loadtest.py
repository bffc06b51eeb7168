"""``make loadtest``: the local webhook server under many concurrent senders, then proof that every
update it acknowledged is in the raw zone exactly once and, after consolidation, in the curated table
exactly once.

For each backend (a local lake; moto's S3 server, started here on 127.0.0.1) it starts
``python -m telegram_pipeline serve`` on loopback and runs SENDERS threads for SECONDS, each POSTing
updates with unique update_ids over a keep-alive connection the way Telegram does: an update answered
with anything but 200 (or not answered in time) is sent again, with the same bytes, after a backoff.
Bounded in time and count, it stops by itself and leaves nothing running.

Prints one JSON line: per backend requests, acknowledged, errors, stored, curated, lost, duplicated,
throughput and latency percentiles.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "plugins")]

from telegram_pipeline.dev.demo import free_port  # noqa: E402
from telegram_pipeline.lake import layout, quality  # noqa: E402

SECRET = "loadtest-secret-3f9a"
CHAT_ID = -1001234567890
OTHER_CHAT_ID = -1009999999999
FIRST_DAY = date(2026, 2, 1)
DAYS = 3  # updates are spread over this many days, so several partitions are written and checked
TEXTS = [
    "Bom dia, pessoal! Treino amanhã às 6h no Ibirapuera 🏃‍♀️ #corrida",
    "alguém vai na prova de domingo? @joaop https://exemplo.com.br/rota",
    "Valeu! 👍",
    "Hoje choveu muito, treino cancelado. #chuva #corrida",
    "Quem tem dica de tênis para maratona?",
]


def update_body(update_id: int) -> bytes:
    """A realistic update; its kind and day follow from its id, so the check can recompute both."""
    day_start = int(datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=UTC).timestamp())
    moment = day_start + (update_id % DAYS) * 86_400 + (update_id * 7919) % 86_400
    chat = {"id": CHAT_ID, "title": "Grupo de Corrida SP", "type": "supergroup"}
    user = {"id": 100_000 + update_id % 500, "is_bot": False, "first_name": f"Pessoa {update_id % 500}"}
    kind = update_id % 10
    if kind == 9:
        payload = {"chat": chat, "message_id": update_id, "user": user, "date": moment, "old_reaction": []}
        payload["new_reaction"] = [{"type": "emoji", "emoji": "🔥"}]
        return json.dumps({"update_id": update_id, "message_reaction": payload}, ensure_ascii=False).encode()
    message = {
        "message_id": update_id,
        "from": user,
        "chat": chat,
        "date": moment,
        "text": TEXTS[update_id % len(TEXTS)],
    }
    if kind == 8:
        message["date"] = moment - 600
        message["edit_date"] = moment
        return json.dumps({"update_id": update_id, "edited_message": message}, ensure_ascii=False).encode()
    return json.dumps({"update_id": update_id, "message": message}, ensure_ascii=False).encode()


@dataclass
class Tally:
    """What the senders saw. Lists and counters are only touched under ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: list[int] = field(default_factory=list)
    gave_up: list[int] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    requests: int = 0


def send_until(
    port: int,
    ids,
    stop_at: float,
    tally: Tally,
    timeout: float = 10.0,
    give_up_after: float = 120.0,
    secret: str = SECRET,
    body_of=update_body,
) -> None:
    """One sender: take the next id from ``ids`` until ``stop_at``; deliver each like Telegram does
    (same bytes again after a growing backoff until answered 200). An update is never abandoned
    because the sending time is over, only after ``give_up_after`` seconds of failures."""
    connection = None
    while time.monotonic() < stop_at:
        try:
            update_id = next(ids)
        except StopIteration:
            break
        body = body_of(update_id)
        first_try, backoff = time.monotonic(), 0.05
        while True:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            started = time.perf_counter()
            outcome = None
            try:
                connection.request(
                    "POST",
                    "/telegram/webhook",
                    body=body,
                    headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
                )
                response = connection.getresponse()
                response.read()
                outcome = response.status
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException) as exc:
                outcome = type(exc).__name__
                if connection is not None:
                    connection.close()
                connection = None
            elapsed_ms = (time.perf_counter() - started) * 1000
            with tally.lock:
                tally.requests += 1
                if outcome == 200:
                    tally.statuses[200] += 1
                    tally.latencies_ms.append(elapsed_ms)
                    tally.acknowledged.append(update_id)
                elif isinstance(outcome, int):
                    tally.statuses[outcome] += 1
                else:
                    tally.errors[outcome] += 1
            if outcome == 200:
                break
            if time.monotonic() - first_try > give_up_after:
                with tally.lock:
                    tally.gave_up.append(update_id)
                break
            time.sleep(backoff)
            backoff = min(backoff * 2, 2.0)
    if connection is not None:
        connection.close()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def warm_up(port: int) -> None:
    """One update from a chat that is not allowed (answered 200, nothing stored): the server has made
    its storage client before the clock starts, as a deployed webhook long has."""
    body = json.loads(update_body(1))
    body["message"]["chat"]["id"] = OTHER_CHAT_ID
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    connection.request("POST", "/telegram/webhook", body=json.dumps(body).encode(), headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"warm-up request answered {response.status}")


def start_moto() -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, process)
    return process, f"http://127.0.0.1:{port}"


def verify(acknowledged: list[int], env: dict[str, str]) -> dict:
    """Every acknowledged update in the raw zone exactly once, byte for byte; then, after
    consolidating every day involved, in the curated table exactly once."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from telegram_pipeline import config
    from telegram_pipeline.lake import consolidate, storage

    # The storage clients read their credentials and endpoint from the environment.
    with mock.patch.dict(os.environ, env):
        settings = config.load()
        raw = storage.raw_store(settings)
        started = time.perf_counter()
        id_of = {
            key: int(key.rsplit("/", 1)[1].removesuffix(".json"))
            for key in raw.list()
            if key.startswith("context_date=")
        }
        per_id = Counter(id_of.values())
        acked = set(acknowledged)
        wrong_bytes = 0
        wanted = [key for key, update_id in id_of.items() if update_id in acked]
        for key, data in raw.read_many(wanted, concurrency=32):
            if isinstance(data, Exception) or data != update_body(id_of[key]):
                wrong_bytes += 1
        raw_check_s = time.perf_counter() - started

        days = sorted({date.fromisoformat(key.split("/", 1)[0].removeprefix("context_date=")) for key in id_of})
        started = time.perf_counter()
        curated_ids: Counter = Counter()
        results = []
        for day in days:
            result = consolidate.consolidate_day(day, settings)
            quality.check_day(day, result.rows, settings)
            results.append(result)
            data = storage.curated_store(settings).read(layout.partition_key(day))
            curated_ids.update(pq.read_table(pa.BufferReader(data), columns=["update_id"]).column(0).to_pylist())
        consolidate_s = time.perf_counter() - started
        return {
            "stored": sum(per_id[i] > 0 for i in acked),
            "stored_not_acknowledged": sum(1 for i in per_id if i not in acked),
            "lost": sum(per_id[i] == 0 for i in acked),
            "duplicated": sum(count - 1 for count in per_id.values() if count > 1) + len(acknowledged) - len(acked),
            "wrong_bytes": wrong_bytes,
            "days": [d.isoformat() for d in days],
            "curated": sum(curated_ids[i] > 0 for i in acked),
            "curated_lost": sum(curated_ids[i] == 0 for i in acked),
            "curated_duplicated": sum(count - 1 for count in curated_ids.values() if count > 1),
            "quarantined": sum(r.quarantined for r in results),
            "raw_check_s": round(raw_check_s, 1),
            "consolidate_s": round(consolidate_s, 1),
        }


class SharedIds:
    """update_ids 1..last, each handed to exactly one of the sender threads."""

    def __init__(self, last: int):
        self.ids = iter(range(1, last + 1))
        self.lock = threading.Lock()

    def __next__(self) -> int:
        with self.lock:
            return next(self.ids)


def run_backend(backend: str, senders: int, seconds: float, max_updates: int, workdir: Path) -> dict:
    env = {
        "WEBHOOK_SECRET": SECRET,
        "ALLOWED_CHAT_IDS": str(CHAT_ID),
        "TIMEZONE": "UTC",
        "MAX_BAD_SHARE": "0",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
    moto = None
    if backend == "s3":
        moto, endpoint = start_moto()
        import boto3

        bucket = "loadtest-lake"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(Bucket=bucket)  # fmt: skip
        env.update(AWS_ENDPOINT_URL=endpoint, RAW_URI=f"s3://{bucket}/raw", CURATED_URI=f"s3://{bucket}/curated")
        env.update(
            REPORTS_URI=f"s3://{bucket}/reports", CATALOG="duckdb", CATALOG_DB_PATH=str(workdir / "catalog.duckdb")
        )
    else:
        lake = workdir / "lake"
        env.update(RAW_URI=str(lake / "raw"), CURATED_URI=str(lake / "curated"), REPORTS_URI=str(lake / "reports"))
    port = free_port()
    server_env = {**os.environ, **env, "PYTHONPATH": str(REPO / "plugins")}
    log_path = workdir / f"server-{backend}.log"
    server = None
    try:
        with open(log_path, "wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "telegram_pipeline", "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=server_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            wait_for_port(port, server)
            warm_up(port)
            tally = Tally()
            ids = SharedIds(max_updates)
            print(f"[{backend}] {senders} senders for {seconds:g} s on 127.0.0.1:{port}", file=sys.stderr, flush=True)
            started = time.monotonic()
            stop_at = started + seconds
            threads = [
                threading.Thread(target=send_until, args=(port, ids, stop_at, tally), daemon=True)
                for _ in range(senders)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(seconds + 300)
            sending_s = time.monotonic() - started
        stop(server)
        print(f"[{backend}] {len(tally.acknowledged)} acknowledged; verifying", file=sys.stderr, flush=True)
        checked = verify(tally.acknowledged, env)
        outcomes = Counter()
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                try:
                    outcomes[json.loads(line).get("outcome", "?")] += 1
                except ValueError:
                    pass
        return {
            "backend": backend,
            "senders": senders,
            "seconds": round(sending_s, 1),
            "requests": tally.requests,
            "acknowledged": len(tally.acknowledged),
            "gave_up": len(tally.gave_up),
            "non_200_answers": {str(k): v for k, v in tally.statuses.items() if k != 200},
            "errors": dict(tally.errors),
            "server_outcomes": dict(outcomes),
            "throughput_per_s": round(len(tally.acknowledged) / sending_s, 1),
            "latency_p50_ms": round(percentile(tally.latencies_ms, 0.50), 1),
            "latency_p99_ms": round(percentile(tally.latencies_ms, 0.99), 1),
            "latency_max_ms": round(max(tally.latencies_ms, default=0.0), 1),
            **checked,
        }
    finally:
        if server is not None:
            stop(server)
        if moto is not None:
            stop(moto)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=int(os.environ.get("LOADTEST_SENDERS", "200")))
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("LOADTEST_SECONDS", "60")))
    parser.add_argument("--max-updates", type=int, default=500_000, help="stop after this many update_ids")
    parser.add_argument("--backends", default="local,s3", help="comma-separated: local, s3")
    parser.add_argument("--keep", action="store_true", help="keep the temporary lakes and server logs")
    args = parser.parse_args(argv)
    if not 1 <= args.senders <= 2000 or not 0 < args.seconds <= 3600:
        parser.error("senders must be 1..2000 and seconds 0..3600")

    workdir = Path(tempfile.mkdtemp(prefix="loadtest-"))
    results = []
    try:
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            folder = workdir / backend
            folder.mkdir()
            results.append(run_backend(backend, args.senders, args.seconds, args.max_updates, folder))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    ok = all(
        r["lost"] == 0 and r["duplicated"] == 0 and r["wrong_bytes"] == 0 and r["curated_lost"] == 0
        and r["curated_duplicated"] == 0 and r["acknowledged"] > 0
        for r in results
    )  # fmt: skip
    summary = {
        "bench": "loadtest",
        "ok": ok,
        "results": [
            {"metric": f"{r['backend']}.{name}", "value": r[name], "target": target, "ok": r[name] == target}
            for r in results
            for name, target in (("lost", 0), ("duplicated", 0), ("curated_lost", 0), ("curated_duplicated", 0))
        ],
        "runs": results,
    }
    print(json.dumps(summary))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
