"""Import of a large generated Telegram Desktop export: time, peak memory (RSS) and objects written, beside
writing the same updates one file per message (what the import did before), measured in the same run.

The export is generated like Telegram Desktop writes one (indented JSON, a `messages` array of text
with entities, photos with captions, stickers, voice notes, edits, replies, anonymous admins, joins).
Each import runs in a fresh process into a temporary local raw zone; its peak RSS is that of its
processes together (a large export is read by one process per core); a bounded-memory import shows
about the same peak at both sizes. The baseline, in a process of its own,
writes every update the import produced as its own object through the same raw store (temporary file,
fsync, rename; 16 threads), as the import did when it wrote one object per message: the target is an
import (both passes over the file, conversion and all) in at most half that time.

    PYTHONPATH=plugins .venv/bin/python bench/bench_import.py [--sizes 30000,300000] [--dry-run]

Last line: {"bench": "import", "results": [...]}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import own_peak_mib, run_measured

PEAK_RSS_TARGET_MIB = 256
WORDS = (
    "treino corrida amanhã domingo prova maratona ritmo tênis parque ibirapuera pace quilômetros "
    "hidratação alongamento inscrição resultado chuva manhã cedo grupo encontro ação café depois"
).split()


def generate(path: Path, messages: int, seed: int = 7) -> int:
    """Write an export of ``messages`` messages to ``path``; returns its size in bytes."""
    rng = random.Random(seed)
    users = [(f"user{100000000 + i}", f"Pessoa {i}") for i in range(200)]
    start = 1_700_000_000
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            '{\n "name": "Grupo de Corrida SP",\n "type": "public_supergroup",\n "id": 1234567890,\n "messages": ['
        )
        for message_id in range(1, messages + 1):
            unix = start + message_id * 97
            from_id, name = users[min(int(rng.paretovariate(1.2)) - 1, len(users) - 1)]
            message: dict = {
                "id": message_id,
                "type": "message",
                "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(unix - 3 * 3600)),
                "date_unixtime": str(unix),
                "from": name,
                "from_id": from_id,
            }
            kind = rng.random()
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 18)))
            parts: list = [words + " "]
            if rng.random() < 0.3:
                parts.append({"type": "hashtag", "text": f"#{rng.choice(WORDS)}"})
            if rng.random() < 0.2:
                parts += [" ", {"type": "mention", "text": f"@pessoa{rng.randint(0, 199)}"}]
            if rng.random() < 0.1:
                parts += [" ", {"type": "link", "text": "https://exemplo.com.br/rota"}]
            if rng.random() < 0.2:
                parts.append(" 🏃‍♀️")
            if kind < 0.01:
                message = {k: message[k] for k in ("id", "date", "date_unixtime")}
                message.update(type="service", actor=name, actor_id=from_id, action="invite_members")
                message["members"] = [rng.choice(users)[1]]
                parts = []
            elif kind < 0.11:
                message.update(
                    photo="(File not included. Change data exporting settings to download.)", width=1280, height=960
                )
            elif kind < 0.16:
                message.update(
                    file="stickers/sticker.webp", media_type="sticker", sticker_emoji="👏", width=512, height=512
                )
                parts = []
            elif kind < 0.21:
                message.update(
                    file="voice_messages/audio.ogg",
                    media_type="voice_message",
                    mime_type="audio/ogg",
                    duration_seconds=7,
                )
                parts = []
            elif kind < 0.22:
                message.update({"from": "Grupo de Corrida SP", "from_id": "channel1234567890", "author": "Moderação"})
            if kind >= 0.21 and rng.random() < 0.05:
                message.update(edited=message["date"], edited_unixtime=str(unix + 60))
            if kind >= 0.01 and rng.random() < 0.1:
                message["reply_to_message_id"] = rng.randint(1, message_id)
            if parts:
                message["text"] = parts if len(parts) > 1 else parts[0]
                message["text_entities"] = [p if isinstance(p, dict) else {"type": "plain", "text": p} for p in parts]
            else:
                message["text"], message["text_entities"] = "", []
            body = json.dumps(message, ensure_ascii=False, indent=1).replace("\n", "\n  ")
            out.write(("\n  " if message_id == 1 else ",\n  ") + body)
        out.write("\n ]\n}\n")
    return path.stat().st_size


def child(export: str, dry_run: bool) -> None:
    """Run one import in this process and print its figures."""
    from telegram_pipeline.ingest import desktop_export

    started = time.perf_counter()
    result = desktop_export.import_export(export, dry_run=dry_run)
    seconds = time.perf_counter() - started
    figures = {"messages": result.updates, "days": len(result.days), "objects": result.objects}  # service ones too
    print(json.dumps({**figures, "seconds": seconds, "peak_rss_mib": own_peak_mib()}))


def one_file_per_message(imported_raw: str, target: str) -> None:
    """The baseline: write every update of the imported raw zone as its own object (what the import did
    before), timed on its own, and print the figures."""
    from concurrent.futures import ThreadPoolExecutor

    from telegram_pipeline.lake import storage

    source, store = storage.open_store(imported_raw), storage.open_store(target)
    updates = []
    for key in source.list():
        day = key.split("/", 1)[0]
        for line in source.read(key).splitlines():
            update_id = json.loads(line)["update_id"]
            updates.append((f"{day}/{update_id}.json", line))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in pool.map(lambda item: store.write(*item), updates, chunksize=64):
            pass
    seconds = time.perf_counter() - started
    print(json.dumps({"objects": len(updates), "seconds": seconds}))


def run_child(args: list[str], env: dict) -> dict:
    """The child's figures; its peak memory that of all its processes (a large export is read by one
    process per core)."""
    done = run_measured([sys.executable, __file__, *args], env)
    if done.returncode:
        raise subprocess.CalledProcessError(done.returncode, args, done.stdout, done.stderr)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {**figures, "peak_rss_mib": max(figures.get("peak_rss_mib", 0), done.peak_rss_mib)}


def metric(name: str, value, unit: str, target: str = "", ok=None) -> dict:
    return {"metric": name, "value": value, "unit": unit, "target": target, "ok": ok}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30000,300000", help="comma-separated message counts")
    parser.add_argument("--dry-run", action="store_true", help="read and convert only, write nothing")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.dry_run)
        return 0
    if args.baseline:
        one_file_per_message(*args.baseline)
        return 0
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            export = Path(tmp) / f"export-{size}.json"
            size_bytes = generate(export, size)
            raw = str(Path(tmp) / f"raw-{size}")
            env = {**os.environ, "RAW_URI": raw, "TIMEZONE": "America/Sao_Paulo"}
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(Path(__file__).resolve().parents[1] / "plugins"), env.get("PYTHONPATH")])
            )
            figures = run_child(["--child", str(export)] + (["--dry-run"] if args.dry_run else []), env)
            assert figures["messages"] == size, figures
            mib = size_bytes / 2**20
            label = f"{size // 1000}k{' dry-run' if args.dry_run else ''}"
            line = (
                f"{size:>9,} messages, {mib:7.1f} MiB: {figures['seconds']:6.1f} s, "
                f"{size / figures['seconds']:8,.0f} messages/s, peak RSS {figures['peak_rss_mib']:6.1f} MiB"
            )
            results += [
                metric(f"export size ({label})", round(mib, 1), "MiB"),
                metric(f"import time ({label})", round(figures["seconds"], 2), "s"),
                metric(f"throughput ({label})", round(size / figures["seconds"]), "messages/s"),
                metric(
                    f"peak RSS ({label})",
                    round(figures["peak_rss_mib"], 1),
                    "MiB",
                    f"< {PEAK_RSS_TARGET_MIB} (bounded)",
                    figures["peak_rss_mib"] < PEAK_RSS_TARGET_MIB,
                ),
            ]
            if not args.dry_run:
                baseline = run_child(["--baseline", raw, str(Path(tmp) / f"raw-one-per-message-{size}")], env)
                ratio = figures["seconds"] / baseline["seconds"]
                line += (
                    f"; {figures['objects']:,} objects for {figures['days']:,} days; one file per message: "
                    f"{baseline['objects']:,} objects in {baseline['seconds']:.1f} s; import / that = {ratio:.2f}"
                )
                results += [
                    metric(f"objects written ({label})", figures["objects"], "objects", f"about {figures['days']:,} (days)",
                           figures["objects"] <= 1.05 * figures["days"]),
                    metric(f"one file per message ({label})", round(baseline["seconds"], 2), "s"),
                    metric(f"import / one file per message ({label})", round(ratio, 3), "", "<= 0.5", ratio <= 0.5),
                ]  # fmt: skip
            print(line, file=sys.stderr)
    print(json.dumps({"bench": "import", "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
