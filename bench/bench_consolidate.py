"""Benchmark of the daily consolidation: generated days of 10,000 and 100,000 realistic updates, from a
local folder and from moto's S3 server, beside a naive baseline (objects read one at a time, one
small pyarrow table per object, concatenated); and a local day of the same updates as the Desktop
import writes them (JSON-lines objects of up to 8 MiB; no naive baseline).

Each case runs in its own subprocess, so its peak memory (ru_maxrss) is its own. moto's server runs
in this (parent) process on 127.0.0.1, so its CPU competes with the client on the same 2 cores.

    .venv/bin/python bench/bench_consolidate.py            # local 10k + 100k, imported 10k, S3 10k
    .venv/bin/python bench/bench_consolidate.py --s3-sizes 10000,100000   # S3 100k too (minutes)

Prints a table, then one machine-readable JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from measure import own_peak_mib  # noqa: E402
from telegram_pipeline.lake import layout  # noqa: E402
from telegram_pipeline.lake.parse import utf16_len  # noqa: E402
from telegram_pipeline.rules import raw_zone  # noqa: E402

DAY = date(2026, 3, 14)
CHAT = -1001234567890
WORDS = (
    "bom dia treino corrida amanhã parque ibirapuera longão sábado pace ritmo tênis prova maratona "
    "meia inscrição hidratação alongamento lesão joelho chuva calor grupo encontro café depois km"
).split()
TAGS = ["#corrida", "#maratona", "#treino", "#longão", "#sp"]
MOTO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}


def generate_update(update_id: int, rng: random.Random) -> bytes:
    """One update of a living group: mostly text with entities, some edits, media, reactions, joins."""
    start = int(datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC).timestamp())
    when = start + rng.randrange(86_400 - 3_600)
    user = 100_000 + int(rng.paretovariate(1.2) * 10) % 400
    sender = {
        "id": user,
        "is_bot": False,
        "first_name": f"Pessoa {user}",
        "username": f"pessoa{user}",
        "language_code": "pt-br",
    }
    chat = {"id": CHAT, "title": "Grupo de Corrida SP", "username": "corrida_sp", "type": "supergroup"}
    kind = rng.random()
    if kind < 0.08:
        payload = {
            "chat": chat,
            "message_id": rng.randrange(1, update_id + 2),
            "user": sender,
            "date": when,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": rng.choice("🔥👍❤️😂")}],
        }
        return json.dumps({"update_id": update_id, "message_reaction": payload}, ensure_ascii=False).encode()
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(3, 25))).capitalize() + " 🏃‍♀️"
    entities = []
    if rng.random() < 0.3:
        tag = rng.choice(TAGS)
        entities.append({"offset": utf16_len(text) + 1, "length": utf16_len(tag), "type": "hashtag"})
        text += f" {tag}"
    if rng.random() < 0.15:
        mention = f"@pessoa{rng.randrange(100_000, 100_400)}"
        entities.append({"offset": utf16_len(text) + 1, "length": utf16_len(mention), "type": "mention"})
        text += f" {mention}"
    if rng.random() < 0.05:
        url = "https://exemplo.com.br/rota"
        entities.append({"offset": utf16_len(text) + 1, "length": utf16_len(url), "type": "url"})
        text += f" {url}"
    message = {"message_id": update_id, "from": sender, "chat": chat, "date": when}
    if kind < 0.14:
        message.update(
            photo=[{"file_id": "AgAC" + "x" * 40, "file_unique_id": "AQAD", "width": 1280, "height": 960}],
            caption=text,
            caption_entities=entities,
        )
    elif kind < 0.18:
        message["sticker"] = {
            "file_id": "CAAC" + "y" * 40,
            "emoji": "👏",
            "width": 512,
            "height": 512,
            "type": "regular",
        }
    elif kind < 0.19:
        message["new_chat_members"] = [{"id": user + 1000, "is_bot": False, "first_name": "Nova"}]
    else:
        message.update(text=text, entities=entities)
        if rng.random() < 0.2:
            message["reply_to_message"] = {
                "message_id": max(1, update_id - rng.randrange(1, 50)),
                "chat": chat,
                "date": when - 60,
            }
    if kind > 0.95:  # an edit: sent earlier the same day, edited now
        message["date"] = max(start, when - 600)
        message["edit_date"] = when
        return json.dumps({"update_id": update_id, "edited_message": message}, ensure_ascii=False).encode()
    return json.dumps({"update_id": update_id, "message": message}, ensure_ascii=False).encode()


def generate_day(count: int, seed: int = 7) -> dict[str, bytes]:
    rng = random.Random(seed)
    first = 900_000_000
    return {raw_zone.update_key(DAY, first + i): generate_update(first + i, rng) for i in range(count)}


def as_imported(objects: dict[str, bytes], part_bytes: int = 8 << 20) -> dict[str, bytes]:
    """The same updates as the Desktop import writes them: JSON-lines objects of at most ``part_bytes``."""
    parts: dict[str, bytes] = {}
    lines: list[bytes] = []
    size = 0

    def close() -> None:
        body = b"\n".join(lines) + b"\n"
        parts[f"{raw_zone.day_folder(DAY)}/export-chat{CHAT}-msg{len(parts)}/{len(parts):016x}.jsonl"] = body

    for key in sorted(objects):
        lines.append(objects[key])
        size += len(objects[key]) + 1
        if size >= part_bytes:
            close()
            lines, size = [], 0
    if lines:
        close()
    return parts


def naive(settings) -> int:
    """The baseline: one object at a time, one small table per object, concatenated, one file."""
    import pyarrow as pa
    from telegram_pipeline.lake import parse, schema, storage

    raw = storage.raw_store(settings)
    target = schema.arrow_schema()
    tables, seen = [], set()
    for key in raw.list(raw_zone.day_folder(DAY)):
        try:
            row = parse.parse(raw.read(key))
        except parse.BadUpdate:
            continue
        if row["update_id"] in seen:
            continue
        seen.add(row["update_id"])
        for column in ("sent_at", "edited_at"):
            row[column] = None if row[column] is None else datetime.fromtimestamp(row[column], UTC)
        tables.append(pa.Table.from_pylist([row], schema=target))
    table = pa.concat_tables(tables).sort_by("update_id") if tables else target.empty_table()
    storage.curated_store(settings).replace_folder(
        layout.partition_prefix(DAY), {"data.parquet": layout.parquet_bytes(table)}
    )
    return table.num_rows


def worker(mode: str) -> None:
    from telegram_pipeline import config
    from telegram_pipeline.lake import consolidate

    settings = config.load()
    import pyarrow.parquet  # noqa: F401  (both sides: time the work, not the first import of pyarrow)

    started = time.perf_counter()
    if mode == "consolidate":
        result = consolidate.consolidate_day(DAY, settings)
        rows, in_flight, processes = result.rows, result.requests_in_flight, consolidate.processes_for(result.objects)
    else:
        rows, in_flight, processes = naive(settings), 1, 1
    seconds = time.perf_counter() - started
    # A large day runs in this process and processes - 1 children at once: count each child at the
    # largest one's peak (an upper bound).
    own = own_peak_mib()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 if processes > 1 else 0
    peak_mib = own + (processes - 1) * children
    print(
        json.dumps(
            {"rows": rows, "seconds": seconds, "peak_mib": peak_mib, "in_flight": in_flight, "processes": processes}
        )
    )


def run_case(mode: str, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", mode], env=env, capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise SystemExit(f"{mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def upload(store, objects: dict[str, bytes]) -> None:
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda item: store.write(*item), objects.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", choices=["consolidate", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--local-sizes", default="10000,100000")
    parser.add_argument("--s3-sizes", default="10000")
    parser.add_argument("--imported-sizes", default="10000", help="local days written as the Desktop import does")
    parser.add_argument("--skip-naive-above", type=int, default=100_000, help="largest day the naive baseline runs on")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return

    import logging

    from telegram_pipeline import config
    from telegram_pipeline.lake import aws, storage

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    base_env = {**os.environ, "PYTHONPATH": str(REPO / "plugins"), "MAX_BAD_SHARE": "1", "PSEUDONYMIZE_KEY": ""}
    results = []
    work = Path(tempfile.mkdtemp(prefix="bench-consolidate-"))
    server = None
    cases = (
        [("local", int(n)) for n in args.local_sizes.split(",") if n]
        + [("imported", int(n)) for n in args.imported_sizes.split(",") if n]
        + [("s3", int(n)) for n in args.s3_sizes.split(",") if n]
    )
    try:
        for backend, count in cases:
            objects = generate_day(count)
            mean_bytes = sum(map(len, objects.values())) / len(objects)
            if backend == "imported":
                objects = as_imported(objects)
            env = dict(base_env)
            if backend in {"local", "imported"}:
                env.update(
                    RAW_URI=str(work / f"raw-{backend}-{count}"), CURATED_URI=str(work / f"curated-{backend}-{count}")
                )
            else:
                if server is None:
                    from moto.server import ThreadedMotoServer

                    os.environ.update(MOTO_CREDENTIALS)
                    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
                    server.start()
                    host, port = server.get_host_and_port()
                    os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
                bucket = f"bench-{count}"
                aws.client("s3", config.load()).create_bucket(Bucket=bucket)
                env.update(
                    MOTO_CREDENTIALS,
                    RAW_URI=f"s3://{bucket}/raw",
                    CURATED_URI=f"s3://{bucket}/curated",
                    AWS_ENDPOINT_URL=os.environ["AWS_ENDPOINT_URL"],
                )
            os.environ.update(RAW_URI=env["RAW_URI"])
            upload(storage.open_store(env["RAW_URI"]), objects)
            del objects
            os.sync()  # the upload's writeback done before either side is timed, not during the first
            fast = run_case("consolidate", env)
            slow = run_case("naive", env) if count <= args.skip_naive_above and backend != "imported" else None
            row = {
                "backend": backend,
                "updates": count,
                "mean_object_bytes": round(mean_bytes),
                "seconds": round(fast["seconds"], 2),
                "updates_per_s": round(count / fast["seconds"]),
                "peak_mib": round(fast["peak_mib"]),
                "requests_in_flight": fast["in_flight"],
                "processes": fast["processes"],
                "naive_seconds": round(slow["seconds"], 2) if slow else None,
                "naive_updates_per_s": round(count / slow["seconds"]) if slow else None,
                "naive_peak_mib": round(slow["peak_mib"]) if slow else None,
                "speedup": round(slow["seconds"] / fast["seconds"], 1) if slow else None,
                "rows": fast["rows"],
            }
            assert slow is None or slow["rows"] == fast["rows"], (slow, fast)
            results.append(row)
            print(
                f"{backend:8} {count:>7} updates: {row['seconds']:>6.2f} s {row['updates_per_s']:>7}/s peak {row['peak_mib']:>4} MiB "
                f"in flight {row['requests_in_flight']:>3} ({row['processes']} proc) | naive {row['naive_seconds']} s peak {row['naive_peak_mib']} MiB | "
                f"speedup {row['speedup']}×",
                flush=True,
            )
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()
    print(
        json.dumps(
            {
                "bench": "consolidate",
                "cpus": os.cpu_count(),
                "loadavg_1m": round(load[0], 2),
                "results": metric_rows(results),
                "cases": results,
            }
        )
    )


# The targets, for the 100,000-update day from local disk.
TARGETS = {"seconds": (10.0, "<"), "peak_mib": (1024, "<"), "speedup": (10.0, ">=")}


def metric_rows(cases: list[dict]) -> list[dict]:
    """The cases as {metric, value, unit, target, ok} rows for `make bench`'s table."""
    rows = []
    for case in cases:
        targeted = case["backend"] == "local" and case["updates"] == 100_000
        for name, unit in (("seconds", "s"), ("updates_per_s", "updates/s"), ("peak_mib", "MiB"), ("speedup", "x")):
            value = case[name]
            if value is None:
                continue
            target, ok = "", None
            if targeted and name in TARGETS:
                limit, sign = TARGETS[name]
                target = f"{sign} {limit:g}"
                ok = value < limit if sign == "<" else value >= limit
            label = f"{case['backend']} {case['updates']:,}: {name.replace('_', ' ')}"
            rows.append({"metric": label, "value": value, "unit": unit, "target": target, "ok": ok})
    return rows


if __name__ == "__main__":
    main()
