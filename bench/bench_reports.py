"""All four reports over 30 days × 100,000 messages a day (3 million curated rows) on DuckDB:
wall time and peak memory (RSS) of the process that builds them.

The curated Parquet is generated with the schema's Arrow schema, one zstd file per day as the
consolidation writes it: ~2,000 members with a long-tailed activity, a daily rhythm in the group's time
zone (quiet nights, busy evenings), Portuguese text with hashtags, links, mentions and emoji, photos
with captions, stickers, voice notes, edits (extra rows of the same message) and joins. Seven distinct
days are generated and repeated with shifted dates and ids. The reports run in a fresh process, so its
peak RSS (ru_maxrss) is theirs alone.

    PYTHONPATH=plugins .venv/bin/python bench/bench_reports.py [--days 30] [--per-day 100000]
    PYTHONPATH=plugins .venv/bin/python bench/bench_reports.py --days 14 --per-day 1500 --sample-out docs/sample

Last line: {"bench": "reports", "results": [...]}.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram_pipeline.reports import definitions

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

TARGET_SECONDS = 10.0
TIMEZONE = "America/Sao_Paulo"
CHAT = -1001500000001
FIRST_NAMES = "Ana Bruno Carla Diego Eduarda Felipe Gabriela Henrique Isabela João Larissa Marcos Natália Otávio Paula Rafael Sofia Thiago Vitória Yuri".split()
LAST_NAMES = (
    "Silva Souza Oliveira Santos Pereira Lima Costa Ferreira Almeida Ribeiro Carvalho Gomes Martins Rocha".split()
)
TOPICS = {
    "corrida": "treino corrida maratona prova ritmo pace quilômetros tênis parque ibirapuera largada medalha".split(),
    "eventos": "encontro evento inscrição palestra meetup ingresso local horário sábado domingo confirmação".split(),
    "tecnologia": "python dados airflow pipeline dashboard relatório código deploy nuvem servidor banco".split(),
    "marketing": "campanha conteúdo engajamento post stories público marca lançamento promoção cupom".split(),
}
FILLER = "eu você isso que para com uma muito mais hoje gente acho".split()
HASHTAGS = ["#maratona", "#python", "#evento", "#promoção", "#dados", "#treino"]
EMOJI = ["🚀", "🔥", "👏", "😂", "🏃", "✅", "🎉"]
# share of each hour's traffic (0-23), in the group's time zone: quiet nights, busy lunch and evenings
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 4, 7, 9, 9, 8, 8, 10, 9, 7, 7, 8, 9, 11, 14, 15, 13, 9, 5]
WEEKDAY_FACTOR = [1.0, 1.05, 1.1, 1.0, 0.9, 0.7, 0.6]


def texts(rng: random.Random, count: int) -> list[str]:
    made = []
    for _ in range(count):
        topic = rng.choice(list(TOPICS.values()))
        words = [rng.choice(topic) if rng.random() < 0.55 else rng.choice(FILLER) for _ in range(rng.randint(3, 14))]
        if rng.random() < 0.15:
            words.append(rng.choice(HASHTAGS))
        if rng.random() < 0.06:
            words.append(f"https://exemplo.com.br/{rng.randint(1, 999)}")
        if rng.random() < 0.08:
            words.insert(0, f"@membro{rng.randint(1, 500)}")
        if rng.random() < 0.2:
            words.append(rng.choice(EMOJI))
        text = " ".join(words)
        made.append(text.capitalize() if rng.random() < 0.5 else text)
    return made


def generate_day(day: date, rows: int, seed: int, first_message_id: int, first_update_id: int):
    """One day of curated rows as an Arrow table (schema.arrow_schema())."""
    import pyarrow as pa
    from telegram_pipeline.lake import schema

    rng = random.Random(seed)
    tz = ZoneInfo(TIMEZONE)
    members = [
        (1000 + i, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), f"membro{i}" if i % 3 else None)
        for i in range(2000)
    ]
    pool = texts(rng, 4000)
    factor = WEEKDAY_FACTOR[day.weekday()]
    weights = [w * (0.85 + 0.3 * rng.random()) * factor for w in HOUR_WEIGHTS]
    rows = round(rows * factor * len(WEEKDAY_FACTOR) / sum(WEEKDAY_FACTOR))
    hours = rng.choices(range(24), weights=weights, k=rows)
    activity = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(members))))
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
    columns: dict[str, list] = {name: [] for name in schema.COLUMN_NAMES}

    def add(**values):
        for name in schema.COLUMN_NAMES:
            columns[name].append(values.get(name))

    message_id, update_id = first_message_id, first_update_id
    recent: list[tuple] = []
    for hour in hours:
        sent = (midnight + timedelta(hours=hour, seconds=rng.randrange(3600))).astimezone(ZoneInfo("UTC"))
        update_id += 1
        common = dict(
            update_id=update_id, source="webhook", chat_id=CHAT, chat_type="supergroup", chat_title="Comunidade"
        )
        draw = rng.random()
        if draw < 0.02:
            joined = members[rng.randrange(len(members))]
            add(**common, update_type="message", message_id=message_id, sent_at=sent, user_id=joined[0],
                user_first_name=joined[1], content_type="service", service_action="new_chat_members",
                new_member_ids=[joined[0]])  # fmt: skip
            message_id += 1
            continue
        if draw < 0.07 and recent:  # an edit of a recent message: another row, the same message
            old = rng.choice(recent)
            edited = max(sent, old[1] + timedelta(minutes=1))
            add(**common, update_type="edited_message", message_id=old[0], sent_at=old[1], edited_at=edited,
                user_id=old[2][0], user_first_name=old[2][1], user_last_name=old[2][2], user_username=old[2][3],
                user_is_bot=False, text=rng.choice(pool) + " (editado)", content_type="text")  # fmt: skip
            continue
        member = rng.choices(members, cum_weights=activity)[0]
        kind = rng.random()
        content, text = "text", rng.choice(pool)
        if kind < 0.07:
            content = "photo"
        elif kind < 0.11:
            content, text = "sticker", None
        elif kind < 0.13:
            content, text = "voice", None
        sender_chat = CHAT if rng.random() < 0.01 else None
        is_bot = rng.random() < 0.01
        add(**common, update_type="message", message_id=message_id, sent_at=sent, user_id=9000 if is_bot else member[0],
            user_is_bot=is_bot, user_first_name="Bot" if is_bot else member[1], user_last_name=None if is_bot else member[2],
            user_username=member[3], sender_chat_id=sender_chat, sender_chat_title="Comunidade" if sender_chat else None,
            text=text, content_type=content)  # fmt: skip
        recent = [*recent[-50:], (message_id, sent, member)]
        message_id += 1
    return pa.table(columns, schema=schema.arrow_schema())


def write_lake(curated: Path, first: date, days: int, per_day: int, distinct_days: int = 7) -> int:
    """Curated partitions first .. first+days-1; returns the number of rows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    templates = [
        generate_day(first + timedelta(days=n), per_day, seed=n, first_message_id=1, first_update_id=0)
        for n in range(min(days, distinct_days))
    ]
    total = 0
    for n in range(days):
        table = templates[n % len(templates)]
        shift, offset = timedelta(days=n - n % len(templates)), n * per_day * 2
        for name in ("sent_at", "edited_at"):
            table = table.set_column(
                table.schema.get_field_index(name), name, pc.add(table[name], pa.scalar(shift, pa.duration("us")))
            )
        for name in ("message_id", "update_id"):
            table = table.set_column(table.schema.get_field_index(name), name, pc.add(table[name], offset))
        folder = curated / "messages" / f"context_date={(first + timedelta(days=n)).isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        (folder / "data.parquet").write_bytes(sink.getvalue())
        total += table.num_rows
    return total


def child(curated: str, first: str, last: str, out: str) -> None:
    """Build the reports of first..last in this process and print its figures as JSON."""
    os.environ.update(CURATED_URI=curated, TIMEZONE=TIMEZONE)
    from telegram_pipeline import config
    from telegram_pipeline.reports import build as reports

    settings = config.load()
    rng = definitions.ReportRange.from_settings(date.fromisoformat(first), date.fromisoformat(last), settings)
    started, cpu_started = time.perf_counter(), time.process_time()
    tables = reports.build(rng, settings, engine="duckdb")
    built, cpu_built = time.perf_counter(), time.process_time()
    _, summaries = reports.write_range(tables, rng, out)
    written = time.perf_counter()
    print(
        json.dumps(
            {
                "build_seconds": round(built - started, 3),
                "build_cpu_seconds": round(cpu_built - cpu_started, 3),
                "write_seconds": round(written - built, 3),
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "messages_counted": sum(summary.messages for summary in summaries),
                "rows": {name: tables[name].num_rows for name in definitions.REPORTS},
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=100_000)
    parser.add_argument("--first", default="2026-10-01")
    parser.add_argument("--repeat", type=int, default=2, help="runs; the best is reported")
    parser.add_argument("--sample-out", help="keep the outputs (tables and report.html) in this folder")
    parser.add_argument("--lake", help="generate the curated zone here once and reuse it (default: a temporary folder)")
    parser.add_argument("--child", nargs=4, metavar=("CURATED", "FIRST", "LAST", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0

    first = date.fromisoformat(args.first)
    last = first + timedelta(days=args.days - 1)
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        tmp = args.lake or tmp
        started = time.perf_counter()
        marker = Path(tmp) / f"rows-{first}-{args.days}-{args.per_day}.txt"
        if marker.exists():
            rows = int(marker.read_text())
        else:
            rows = write_lake(Path(tmp) / "curated", first, args.days, args.per_day)
            marker.write_text(str(rows))
        print(
            f"{rows:,} curated rows over {args.days} days, ready in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
        )
        out = args.sample_out or str(Path(tmp) / "out")
        runs = []
        for _ in range(args.repeat):
            command = [sys.executable, __file__, "--child", str(Path(tmp) / "curated"), str(first), str(last), out]
            wall = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True, check=True)
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            figures["process_seconds"] = round(time.perf_counter() - wall, 3)
            runs.append(figures)
            print(json.dumps(figures), file=sys.stderr)
    best = min(runs, key=lambda r: r["build_seconds"])
    load = os.getloadavg()[0]
    payload = {
        "bench": "reports",
        "days": args.days,
        "per_day": args.per_day,
        "curated_rows": rows,
        "cpus": os.cpu_count(),
        "load_average_1m": round(load, 2),
        "results": [
            {
                "metric": f"all four reports (DuckDB), {args.days} days",
                "value": best["build_seconds"],
                "unit": "s",
                "target": f"< {TARGET_SECONDS:g} s",
                "ok": best["build_seconds"] < TARGET_SECONDS,
            },  # fmt: skip
            {
                "metric": "CPU time of that build (user + system, all threads)",
                "value": best["build_cpu_seconds"],
                "unit": "s",
                "target": "",
                "ok": None,
            },
            {
                "metric": "tables + report.html written",
                "value": best["write_seconds"],
                "unit": "s",
                "target": "",
                "ok": None,
            },
            {
                "metric": "peak memory (RSS) of the report process",
                "value": max(r["peak_rss_mib"] for r in runs),
                "unit": "MiB",
                "target": "",
                "ok": None,
            },  # fmt: skip
            {"metric": "messages counted", "value": best["messages_counted"], "unit": "", "target": "", "ok": None},
        ],
    }
    print(json.dumps(payload, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
