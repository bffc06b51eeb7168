"""All the reports (the four message counts and the six engagement tables) over 30 days × 100,000
messages a day (3 million curated rows) on DuckDB, for one group or spread over 50: wall time, CPU
time and peak memory (RSS) of the process that builds them; the reports of the 30 days, and the 1-, 7-
and 30-day windows of the last day built together as the DAG builds them.

The curated Parquet is generated with the schema's Arrow schema, one zstd file per day as the
consolidation writes it: ~2,000 members with a long-tailed activity (with 50 groups, each member posts
in one of them), a daily rhythm in the group's time zone (quiet nights, busy evenings), Portuguese text
with hashtags, links, @mentions and emoji, photos with captions, stickers, voice notes, edits (extra
rows of the same message), replies to recent messages, joins (some added by another member, some by an
invite link) and leaves, questions, links and forwards from channels, and reactions on top (about 8 % of
the messages: added, some removed, some anonymous totals), each message's language, terms and emoji
computed as consolidation computes them (lake/tokens.py). Seven distinct days are generated and repeated with
shifted dates and ids. The reports run in a fresh process, so its peak RSS (ru_maxrss)
is theirs alone.

    PYTHONPATH=plugins .venv/bin/python bench/bench_reports.py [--days 30] [--per-day 100000] [--groups 1,50]
    PYTHONPATH=plugins .venv/bin/python bench/bench_reports.py --days 14 --per-day 1500 --groups 3 --sample-out DIR
    PYTHONPATH=plugins .venv/bin/python bench/bench_reports.py --modes history --per-day 10000 [--years 3]

``--modes history``: the windows of the last day over a 30-day lake, a 90-day one (the shortest that
fills the windows' scan, 61 days, with a month of history before it) and a 3-year one (the same
generated days repeated), each with the history state consolidation writes beside its partitions, and
the ratios of the builds: 3 years to 30 days (the target), and 3 years to 90 days (what the years alone
cost, the scan being the same).

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
TARGET_MIB = 1024
HISTORY_TARGET_RATIO = 1.25  # a day's windows over years of history, to the same over 30 days
SCAN_FILLED_DAYS = 90  # a lake that fills the windows' scan (61 days) and has history before it
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
TOPIC_WORDS = list(TOPICS.values())
FILLER = "eu você isso que para com uma muito mais hoje gente acho".split()
HASHTAGS = ["#maratona", "#python", "#evento", "#promoção", "#dados", "#treino"]
LINK_DOMAINS = ["exemplo.com.br", "youtube.com", "instagram.com", "t.me/corridasp", "strava.com", "g1.globo.com"]
CHANNELS = [(-1002600000000 - n, f"Canal {n}") for n in range(20)]
INVITE_LINKS = ["Instagram bio", "Site", "Evento maio", None]
EMOJI = ["🚀", "🔥", "👏", "😂", "🏃", "✅", "🎉"]
# share of each hour's traffic (0-23), in the group's time zone: quiet nights, busy lunch and evenings
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 4, 7, 9, 9, 8, 8, 10, 9, 7, 7, 8, 9, 11, 14, 15, 13, 9, 5]
WEEKDAY_FACTOR = [1.0, 1.05, 1.1, 1.0, 0.9, 0.7, 0.6]


def text(rng: random.Random) -> tuple[str, list[str]]:
    """A message's text, made word by word (as real texts, nearly every one differs), and its @mentions."""
    topic = rng.choice(TOPIC_WORDS)
    words = [rng.choice(topic) if rng.random() < 0.55 else rng.choice(FILLER) for _ in range(rng.randint(3, 14))]
    mentions = []
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 42)}km")
    if rng.random() < 0.15:
        words.append(rng.choice(HASHTAGS))
    if rng.random() < 0.06:
        words.append(f"https://exemplo.com.br/{rng.randint(1, 999)}")
    if rng.random() < 0.08:
        mentions.append(f"@membro{rng.randint(1, 500)}")
        words.insert(0, mentions[0])
    if rng.random() < 0.2:
        words.append(rng.choice(EMOJI))
    made = " ".join(words)
    return (made.capitalize() if rng.random() < 0.5 else made), mentions


class Day:
    """One day of curated rows (schema.arrow_schema()) of ``groups`` groups: messages, edits, replies,
    joins and leaves, reactions (some changed, some anonymous totals)."""

    def __init__(self, day: date, rows: int, seed: int, groups: int) -> None:
        from telegram_pipeline.lake import schema

        self.rng = rng = random.Random(seed)
        self.chats = [CHAT - n for n in range(groups)]
        self.members = [
            (1000 + i, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES), f"membro{i}" if i % 3 else None)
            for i in range(2000)
        ]
        factor = WEEKDAY_FACTOR[day.weekday()]
        weights = [w * (0.85 + 0.3 * rng.random()) * factor for w in HOUR_WEIGHTS]
        self.count = round(rows * factor * len(WEEKDAY_FACTOR) / sum(WEEKDAY_FACTOR))
        self.hours = rng.choices(range(24), weights=weights, k=self.count)
        self.activity = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(self.members))))
        self.midnight = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(TIMEZONE))
        self.columns: dict[str, list] = {name: [] for name in schema.COLUMN_NAMES}
        self.message_id = self.update_id = 0
        self.recent: dict[int, list[tuple]] = {chat: [] for chat in self.chats}
        # questions, links, forwards and how members join, drawn apart so that the rest stays as it was
        self.community = random.Random(seed + 10_000)

    def add(self, **values) -> None:
        self.update_id += 1
        values.update(
            update_id=self.update_id,
            source="webhook",
            chat_type="supergroup",
            chat_title=f"Comunidade {values['chat_id']}",
        )
        for name, column in self.columns.items():
            column.append(values.get(name))

    def member(self) -> tuple:
        return self.rng.choices(self.members, cum_weights=self.activity)[0]

    def chat_of(self, member: tuple) -> int:
        return self.chats[member[0] % len(self.chats)]

    def table(self):
        import pyarrow as pa
        from telegram_pipeline.lake import schema

        rng = self.rng
        for hour in self.hours:
            sent = (self.midnight + timedelta(hours=hour, seconds=rng.randrange(3600))).astimezone(ZoneInfo("UTC"))
            draw = rng.random()
            if draw < 0.02:
                self.membership(sent)
            elif draw < 0.07:
                self.edit(sent)
            else:
                self.message(sent)
            if rng.random() < 0.08:
                self.reaction(sent)
        return pa.table(self.columns, schema=schema.arrow_schema())

    def membership(self, sent) -> None:
        who = self.members[self.rng.randrange(len(self.members))]
        chat = self.chat_of(who)
        self.message_id += 1
        if self.rng.random() < 0.8:
            # a third added by another member; some also seen as a chat_member update with its invite link
            adder = self.community.choice(self.members) if self.community.random() < 0.3 else who
            self.add(chat_id=chat, update_type="message", message_id=self.message_id, sent_at=sent, user_id=adder[0],
                     user_first_name=adder[1], content_type="service", service_action="new_chat_members",
                     new_member_ids=[who[0]], new_member_bot_ids=[])  # fmt: skip
            if adder is who and self.community.random() < 0.5:
                link = self.community.choice(INVITE_LINKS)
                self.add(chat_id=chat, update_type="chat_member", sent_at=sent, user_id=who[0], content_type="member",
                         member_user_id=who[0], member_is_bot=False, member_old_status="left",
                         member_new_status="member", member_was_in_chat=False, member_is_in_chat=True,
                         member_invite_link=f"https://t.me/+Link{INVITE_LINKS.index(link)}" if link else None,
                         member_invite_link_name=link,
                         member_joined_by="request" if self.community.random() < 0.1 else None)  # fmt: skip
        else:
            self.add(chat_id=chat, update_type="message", message_id=self.message_id, sent_at=sent, user_id=who[0],
                     user_first_name=who[1], content_type="service", service_action="left_chat_member",
                     member_user_id=who[0], member_is_bot=False)  # fmt: skip

    def edit(self, sent) -> None:
        """Another row of a recent message: its latest text."""
        chat = self.rng.choice(self.chats)
        if not self.recent[chat]:
            return self.message(sent)
        message_id, at, who, _ = self.rng.choice(self.recent[chat])
        self.add(chat_id=chat, update_type="edited_message", message_id=message_id, sent_at=at,
                 edited_at=max(sent, at + timedelta(minutes=1)), user_id=who[0], user_first_name=who[1],
                 user_last_name=who[2], user_username=who[3], user_is_bot=False,
                 text=text(self.rng)[0] + " (editado)", content_type="text")  # fmt: skip

    def message(self, sent) -> None:
        rng, who = self.rng, self.member()
        chat = self.chat_of(who)
        kind = rng.random()
        content, (words, mentions) = "text", text(rng)
        if kind < 0.07:
            content = "photo"
        elif kind < 0.11:
            content, words, mentions = "sticker", None, []
        elif kind < 0.13:
            content, words, mentions = "voice", None, []
        reply_to = rng.choice(self.recent[chat])[0] if self.recent[chat] and rng.random() < 0.2 else None
        sender_chat = chat if rng.random() < 0.01 else None
        is_bot = rng.random() < 0.01
        self.message_id += 1
        self.add(chat_id=chat, update_type="message", message_id=self.message_id, sent_at=sent, user_id=9000 if is_bot else who[0],
                 user_is_bot=is_bot, user_first_name="Bot" if is_bot else who[1], user_last_name=None if is_bot else who[2],
                 user_username=who[3], sender_chat_id=sender_chat, sender_chat_title="Comunidade" if sender_chat else None,
                 content_type=content, reply_to_message_id=reply_to, mentions=mentions,
                 **self.shared(words))  # fmt: skip
        self.recent[chat] = [*self.recent[chat][-50:], (self.message_id, sent, who, chat)]

    def shared(self, words: str | None) -> dict:
        """What consolidation finds in a message besides its words: ~12 % ask a question, ~6 % hold a link,
        ~3 % are forwarded from a channel."""
        draw = self.community
        if words is None:
            return {"text": None}
        asks = draw.random() < 0.12
        found: dict = {"text": words + "?" if asks else words, "is_question": asks}
        if draw.random() < 0.06:
            found["link_domains"] = [draw.choice(LINK_DOMAINS)]
        if draw.random() < 0.03:
            channel, title = draw.choice(CHANNELS)
            found.update(forward_origin_type="channel", forward_source_id=channel, forward_source_name=title)
        return found

    def reaction(self, sent) -> None:
        """A member reacts to a recent message (or changes their reaction); now and then an anonymous total."""
        rng = self.rng
        chat = rng.choice(self.chats)
        if not self.recent[chat]:
            return
        message_id, at, _, _ = rng.choice(self.recent[chat])
        when = max(sent, at + timedelta(seconds=30))
        if rng.random() < 0.1:
            emojis = rng.sample(EMOJI, 2)
            self.add(chat_id=chat, update_type="message_reaction_count", message_id=message_id, sent_at=when,
                     content_type="other", reaction_count_emojis=emojis, reaction_count_totals=[rng.randint(1, 9), rng.randint(1, 9)])  # fmt: skip
            return
        who = self.member()
        self.add(chat_id=chat, update_type="message_reaction", message_id=message_id, sent_at=when, user_id=who[0],
                 user_first_name=who[1], user_username=who[3], content_type="reaction",
                 reaction_emojis=[] if rng.random() < 0.05 else [rng.choice(EMOJI)])  # fmt: skip


def write_lake(curated: Path, first: date, days: int, per_day: int, groups: int, distinct_days: int = 7) -> int:
    """Curated partitions first .. first+days-1; returns the number of rows."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from telegram_pipeline.lake import tokens

    templates = [
        # language, terms and emoji as consolidation computes them (a repeated day's "~n" adds no term)
        tokens.with_derived_columns(
            tokens.with_words(Day(first + timedelta(days=n), per_day, seed=n, groups=groups).table())
        )
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
        for name in ("message_id", "update_id", "reply_to_message_id"):
            table = table.set_column(table.schema.get_field_index(name), name, pc.add(table[name], offset))
        if n >= len(templates):  # the repeated days' texts differ from the template's, as another day's would
            texts = pc.binary_join_element_wise(table["text"], pa.scalar(f"~{n}"), " ")
            table = table.set_column(table.schema.get_field_index("text"), "text", texts)
        folder = curated / "messages" / f"context_date={(first + timedelta(days=n)).isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        (folder / "data.parquet").write_bytes(sink.getvalue())
        total += table.num_rows
    return total


def write_history_state(curated: Path) -> int:
    """Each partition's history state and the month states, as consolidation writes them
    (lake/history.py); returns the number of day states."""
    import pyarrow.parquet as pq
    from telegram_pipeline.lake import history, layout, storage

    store = storage.open_store(str(curated))
    days = [layout.partition_day(key) for key in layout.partition_keys(store)]
    for batch in itertools.batched(days, 32):
        tables = {day: pq.read_table(curated / layout.partition_key(day)) for day in batch}
        for day, state in history.of_days(tables).items():
            body = history.parquet_bytes(state)
            store.replace_folder(history.day_prefix(day), {history.day_file(body): body})
    history.write_months(store, {history.month_of(day) for day in days})
    return len(days)


def history_lakes(root: Path, last: date, per_day: int, years: int) -> dict[int, Path]:
    """{days: lake}: a 30-day lake, a 90-day one and a ``years``-year one ending on ``last``, with their
    history state."""
    lakes = {}
    for days in (30, SCAN_FILLED_DAYS, 365 * years):
        lake = root / f"history-{days}-days-{per_day}"
        marker = lake / f"ready-{last}.txt"
        if not marker.exists():
            started = time.perf_counter()
            lake.mkdir(parents=True, exist_ok=True)
            rows = write_lake(lake / "curated", last - timedelta(days=days - 1), days, per_day, 1)
            states = write_history_state(lake / "curated")
            marker.write_text(str(rows))
            print(
                f"{days}-day lake: {rows:,} rows, {states} day states, {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
        else:  # a lake made before: its month states as this version writes them (at once where current)
            from telegram_pipeline.lake import history, storage

            history.write_months(storage.open_store(str(lake / "curated")))
        lakes[days] = lake
    return lakes


def child(curated: str, first: str, last: str, out: str, mode: str) -> None:
    """Build in this process and print its figures as JSON: the reports of first..last (``range``), or
    the 1-, 7- and 30-day windows ending on last, from one span (``windows``)."""
    os.environ.update(CURATED_URI=curated, TIMEZONE=TIMEZONE, RAW_URI=str(Path(curated).parent / "raw"))
    from telegram_pipeline import config
    from telegram_pipeline.reports import build as reports

    settings = config.load()
    rng = definitions.ReportRange.from_settings(date.fromisoformat(first), date.fromisoformat(last), settings)
    started, cpu_started = time.perf_counter(), time.process_time()
    if mode == "windows":
        built = reports.build_windows(rng.last, settings)
        tables = built["30d"]
    else:
        tables = reports.build(rng, settings, engine="duckdb")
    built_at, cpu_built = time.perf_counter(), time.process_time()
    _, summaries = reports.write_range(tables, rng, out)
    written = time.perf_counter()
    print(
        json.dumps(
            {
                "build_seconds": round(built_at - started, 3),
                "build_cpu_seconds": round(cpu_built - cpu_started, 3),
                "write_seconds": round(written - built_at, 3),
                "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "messages_counted": sum(summary.messages for summary in summaries),
                "groups": len(summaries),
                "rows": {name: tables[name].num_rows for name in definitions.REPORTS},
            }
        )
    )


def measure(lake: Path, first: date, last: date, mode: str, repeat: int, out: str) -> dict:
    """The best of ``repeat`` runs in fresh processes; peak memory the largest of them."""
    runs = []
    for _ in range(repeat):
        command = [sys.executable, __file__, "--child", str(lake / "curated"), str(first), str(last), out, mode]
        wall = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=True)
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        figures["process_seconds"] = round(time.perf_counter() - wall, 3)
        runs.append(figures)
        print(json.dumps({"mode": mode, **figures}), file=sys.stderr)
    return best_of(runs)


def best_of(runs: list[dict]) -> dict:
    """The fastest run's figures, with the largest peak memory and every run's build time."""
    best = min(runs, key=lambda r: r["build_seconds"])
    return {
        **best,
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "all_build_seconds": [s for r in runs for s in r.get("all_build_seconds", [r["build_seconds"]])],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--per-day", type=int, default=100_000)
    parser.add_argument("--groups", default="1,50", help="comma-separated: the messages spread over this many groups")
    parser.add_argument(
        "--modes",
        default="range,windows",
        help="range: the reports of the days; windows: the 1-, 7- and 30-day windows of the last day; "
        "history (alone): those windows over a 30-day lake and a --years lake, and their ratio",
    )
    parser.add_argument("--years", type=int, default=3, help="history mode: the long lake's years")
    parser.add_argument("--first", default="2026-10-01")
    parser.add_argument("--repeat", type=int, default=2, help="runs; the best is reported")
    parser.add_argument("--sample-out", help="keep the outputs (tables and pages) in this folder")
    parser.add_argument(
        "--lake", help="generate the curated zones here once and reuse them (default: a temporary folder)"
    )
    parser.add_argument("--child", nargs=5, metavar=("CURATED", "FIRST", "LAST", "OUT", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0

    first = date.fromisoformat(args.first)
    last = first + timedelta(days=args.days - 1)
    loads = [os.getloadavg()[0]]
    results, lakes = [], {}
    if args.modes == "history":
        return history_mode(args, last, loads)
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        for groups in [int(g) for g in args.groups.split(",")]:
            lake = Path(args.lake or tmp) / f"{groups}-groups"
            # the name says what the lake holds: each message's terms and emoji (a lake generated before has
            # no terms), questions, links (NULL where none), forwards and joins
            marker = lake / f"rows-{first}-{args.days}-{args.per_day}-terms-questions-links-forwards.txt"
            started = time.perf_counter()
            if not marker.exists():
                lake.mkdir(parents=True, exist_ok=True)
                marker.write_text(str(write_lake(lake / "curated", first, args.days, args.per_day, groups)))
            lakes[groups] = int(marker.read_text())
            print(
                f"{lakes[groups]:,} curated rows, {groups} groups, ready in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            for mode in args.modes.split(","):
                out = args.sample_out or str(Path(tmp) / f"out-{groups}-{mode}")
                best = measure(lake, first, last, mode, args.repeat, out)
                loads.append(os.getloadavg()[0])
                what = f"{args.days} days" if mode == "range" else f"1-, 7- and {min(args.days, 30)}-day windows"
                results += [
                    {"metric": f"all reports, {groups} group(s), {what}", "value": best["build_seconds"], "unit": "s",
                     "target": f"< {TARGET_SECONDS:g} s", "ok": best["build_seconds"] < TARGET_SECONDS},
                    {"metric": f"  CPU time of that build ({groups} group(s), {mode})", "value": best["build_cpu_seconds"], "unit": "s", "target": "", "ok": None},
                    {"metric": f"  peak memory (RSS) ({groups} group(s), {mode})", "value": best["peak_rss_mib"], "unit": "MiB",
                     "target": f"< {TARGET_MIB} MiB", "ok": best["peak_rss_mib"] < TARGET_MIB},
                    {"metric": f"  tables and pages written ({groups} group(s), {mode})", "value": best["write_seconds"], "unit": "s", "target": "", "ok": None},
                    {"metric": f"  messages counted ({groups} group(s), {mode})", "value": best["messages_counted"], "unit": "", "target": "", "ok": None},
                ]  # fmt: skip
    payload = {
        "bench": "reports",
        "days": args.days,
        "per_day": args.per_day,
        "curated_rows": lakes,
        "cpus": os.cpu_count(),
        "load_average_1m": [round(load, 2) for load in loads],
        "results": results,
    }
    print(json.dumps(payload, ensure_ascii=False))
    return 0


def history_mode(args, last: date, loads: list[float]) -> int:
    """The 1-, 7- and 30-day windows of the last day over a 30-day lake and over a ``--years`` lake at the
    same messages a day, and the ratio of their build times: what a long history costs each day."""
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        lakes = history_lakes(Path(args.lake or tmp), last, args.per_day, args.years)
        # the lakes in turn, round after round (the best of each kept): this machine's speed drifts by a
        # third within minutes, which would otherwise fall on whichever lake runs last
        rounds: dict[int, list[dict]] = {days: [] for days in lakes}
        for _ in range(args.repeat):
            for days, lake in lakes.items():
                out = str(Path(tmp) / f"out-{days}")
                rounds[days].append(measure(lake, last - timedelta(days=days - 1), last, "windows", 1, out))
                loads.append(os.getloadavg()[0])
        timed = {days: best_of(runs) for days, runs in rounds.items()}
    short, filled, long = timed[30], timed[SCAN_FILLED_DAYS], timed[365 * args.years]
    ratio = long["build_seconds"] / short["build_seconds"]
    years_alone = long["build_seconds"] / filled["build_seconds"]
    results = [
        {"metric": "1-, 7- and 30-day windows, 30-day lake", "value": short["build_seconds"], "unit": "s", "target": "", "ok": None},
        {"metric": f"1-, 7- and 30-day windows, {SCAN_FILLED_DAYS}-day lake", "value": filled["build_seconds"], "unit": "s", "target": "", "ok": None},
        {"metric": f"1-, 7- and 30-day windows, {args.years}-year lake", "value": long["build_seconds"], "unit": "s", "target": "", "ok": None},
        {"metric": f"  ratio, {args.years} years to 30 days", "value": round(ratio, 2), "unit": "x", "target": f"<= {HISTORY_TARGET_RATIO}", "ok": ratio <= HISTORY_TARGET_RATIO},
        {"metric": f"  ratio, {args.years} years to {SCAN_FILLED_DAYS} days (the same scan)", "value": round(years_alone, 2), "unit": "x", "target": f"<= {HISTORY_TARGET_RATIO}", "ok": years_alone <= HISTORY_TARGET_RATIO},
        {"metric": "  CPU time, 30-day lake", "value": short["build_cpu_seconds"], "unit": "s", "target": "", "ok": None},
        {"metric": f"  CPU time, {SCAN_FILLED_DAYS}-day lake", "value": filled["build_cpu_seconds"], "unit": "s", "target": "", "ok": None},
        {"metric": f"  CPU time, {args.years}-year lake", "value": long["build_cpu_seconds"], "unit": "s", "target": "", "ok": None},
        {"metric": "  messages counted (30-day window)", "value": long["messages_counted"], "unit": "", "target": "", "ok": None},
    ]  # fmt: skip
    payload = {
        "bench": "reports-history",
        "per_day": args.per_day,
        "cpus": os.cpu_count(),
        "load_average_1m": [round(load, 2) for load in loads],
        "results": results,
    }
    print(json.dumps(payload, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
