"""The history state (lake/history.py): the reports built from it are the reports built by scanning every
partition, on DuckDB and through the Athena text; re-consolidating an old day, a backfill and a stale
month state each give what they should."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta

import pyarrow.parquet as pq
import pytest
from telegram_pipeline import config
from telegram_pipeline.lake import consolidate, history, layout, storage
from telegram_pipeline.reports import build as reports
from telegram_pipeline.reports import definitions, duckdb_engine

from tests.support.athena_results import assert_athena_text_gives_the_duckdb_results
from tests.support.groups_lake import TZ, Updates, event_day, write_and_consolidate
from tests.support.history_lake import CHANNEL, FORUM, LAST, NEW, OLD, edu, fabi, history_updates
from tests.support.paths import REPO

FULL_SCAN = REPO / "tests" / "support" / "full_scan_stages"
HISTORY_STAGES = ("chat_migrations", "forum_topics", "member_history", "join_history", "usernames")


@pytest.fixture(scope="module")
def consolidated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("history")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in _env(folder).items():
            patch.setenv(name, value)
        write_and_consolidate(history_updates())
    return folder


def _env(folder) -> dict[str, str]:
    return {"RAW_URI": str(folder / "raw"), "CURATED_URI": str(folder / "curated"), "TIMEZONE": TZ}


@pytest.fixture
def lake(consolidated, tmp_path, monkeypatch):
    """A copy of the consolidated lake, for the test to change."""
    shutil.copytree(consolidated, tmp_path / "lake")
    for name, value in _env(tmp_path / "lake").items():
        monkeypatch.setenv(name, value)
    return tmp_path / "lake"


def windows(settings=None) -> dict:
    return reports.build_windows(LAST, settings or config.load())


def rows(tables: dict) -> dict:
    return {window: {name: table.to_pylist() for name, table in each.items()} for window, each in tables.items()}


def without_state(folder) -> None:
    for name in (history.DAY_PREFIX, history.MONTH_PREFIX, history.THROUGH_PREFIX):
        shutil.rmtree(folder / "curated" / name, ignore_errors=True)


def scan_first() -> date:
    settings = config.load()
    return definitions.Span(list(reports.window_ranges(LAST, settings).values())).scan_first


@pytest.mark.parametrize("include_bots", [False, True])
def test_the_reports_from_the_state_are_those_of_the_full_scan(lake, monkeypatch, include_bots):
    monkeypatch.setenv("INCLUDE_BOTS", str(include_bots).lower())
    settings = config.load()
    curated = storage.curated_store(settings)
    partition_days = [layout.partition_day(key) for key in layout.partition_keys(curated)]
    read = history.read_before(curated, partition_days, scan_first())
    assert (read.through, read.months, read.missing, read.stale_months) == ("2026-01", [], [], [])
    assert read.days == [day for day in partition_days if date(2026, 2, 1) <= day < scan_first()]

    from_state = windows(settings)
    _assert_stages_are_the_full_scans(settings)
    members = {m["user_id"]: m for m in from_state["30d"]["members"].to_pylist()}
    assert members[1]["status"] == "returning" and members[1]["first_message_at"].date() == date(2026, 1, 5)
    assert members[5]["status"] == "new"
    # the channel's posts copied into the group are no member's, before the scan (the state) and in it
    assert CHANNEL["id"] not in members
    assert CHANNEL["id"] not in {row["id"] for row in read.state.to_pylist() if row["kind"] == "sender"}
    assert [
        c["migrated_from_chat_id"] for c in from_state["30d"]["chats"].to_pylist() if c["chat_id"] == NEW["id"]
    ] == [OLD["id"]]
    topics = {t["topic_id"]: t["topic"] for t in from_state["30d"]["topics"].to_pylist()}
    assert topics[5] == "Pedais e trilhas"
    mentioned = {(i["from_user_id"], i["to_user_id"]) for i in from_state["30d"]["interactions"].to_pylist()}
    assert (1, 2) in mentioned  # @ana_souza is bia's since February
    rng = reports.window_ranges(LAST, settings)["30d"]
    empty = tuple(name for name, table in from_state["30d"].items() if table.num_rows == 0)
    assert not {"chats", "members", "retention", "join_sources", "interactions", "topics"} & set(empty)
    assert_athena_text_gives_the_duckdb_results(rng, empty=empty)

    without_state(lake)
    assert rows(windows(settings)) == rows(from_state)


def _assert_stages_are_the_full_scans(settings) -> None:
    """Each stage that reads the history, from the state, is what its SQL from before the state gives
    over every partition (tests/support/full_scan_stages/)."""
    ranges = list(reports.window_ranges(LAST, settings).values())
    span = definitions.Span(ranges)
    duck = duckdb_engine.DuckDBReports(settings, span.scan_last)
    try:
        duck._prepare(span)
        for stage, kind in definitions.STAGES.items():
            duck._create_stage(stage, kind, span.params())
        duckdb_engine.register_messages(duck.con, span.scan_last, settings)  # every partition, for the full scans
        for stage in HISTORY_STAGES:
            want = duck._execute((FULL_SCAN / f"{stage}.sql").read_text(), span.params()).fetchall()
            got = duck.con.execute(f"SELECT * FROM {stage}").fetchall()
            assert sorted(got, key=repr) == sorted(want, key=repr), stage
            assert got, stage
    finally:
        duck.close()


def test_re_consolidating_an_old_day_changes_the_state_and_the_reports(lake):
    settings = config.load()
    before = windows(settings)
    old_month = history.month_key("2026-01")
    curated = storage.curated_store(settings)
    month_before = curated.read(old_month)
    throughs_before = {m: curated.read(history.through_key(m)) for m in ("2026-01", "2026-02", "2026-03", "2026-04")}
    # late data for 2026-01-03: edu's first post ever, fabi's join, and another group's migration
    late = Updates()
    other_old = {"id": -4050000009, "title": "Trilhas", "type": "group"}
    other_new = {"id": -1005000000009, "title": "Trilhas", "type": "supergroup"}
    late.add("message", {"message_id": 90, "from": edu, "chat": NEW, "date": _at("2026-01-03T10:00"), "text": "oi"})
    late.add("chat_member", _join(NEW, fabi, "2026-01-03T11:00"))
    late.add("message", {"message_id": 1, "from": edu, "chat": other_old, "date": _at("2026-01-03T12:00"),
                         "migrate_to_chat_id": other_new["id"]})  # fmt: skip
    late.add("message", {"message_id": 1, "from": edu, "chat": other_new, "date": _at("2026-04-19T12:00"), "text": "a"})
    raw = storage.raw_store(settings)
    for n, update in enumerate(late.items):
        update["update_id"] = 990000 + n
        raw.write(f"context_date={event_day(update)}/{update['update_id']}.json", json.dumps(update).encode())
    consolidate.consolidate_days([date(2026, 1, 3), date(2026, 4, 19)], settings)
    assert curated.read(old_month) != month_before
    # the lake's state as of each month's end from the day's on is rebuilt, and current
    assert all(curated.read(history.through_key(m)) != was for m, was in throughs_before.items())
    partition_days = [layout.partition_day(key) for key in layout.partition_keys(curated)]
    assert history.read_before(curated, partition_days, date(2026, 4, 1)).through == "2026-03"
    state = pq.read_table(day_state(curated, date(2026, 1, 3))).to_pylist()
    assert {(s["kind"], s["id"]) for s in state} >= {
        ("sender", edu["id"]),
        ("join", fabi["id"]),
        ("migration", other_new["id"]),
    }

    after = windows(settings)
    members = {m["user_id"]: m for m in after["30d"]["members"].to_pylist()}
    was = {m["user_id"]: m for m in before["30d"]["members"].to_pylist()}
    assert was[edu["id"]]["status"] == "new" and members[edu["id"]]["status"] == "returning"
    assert members[edu["id"]]["first_message_at"].date() == date(2026, 1, 3)

    def cohorts(tables) -> int:
        return sum(
            r["members"] for r in tables["30d"]["retention"].to_pylist() if r["week"] == 0 and r["chat_id"] == NEW["id"]
        )

    assert cohorts(after) == cohorts(before) - 2  # edu and fabi were first seen in January after all
    chats = {c["chat_id"]: c for c in after["7d"]["chats"].to_pylist()}
    assert chats[other_new["id"]]["migrated_from_chat_id"] == other_old["id"]
    without_state(lake)
    assert rows(windows(settings)) == rows(after)


def day_state(curated, day: date):
    (path,) = (curated.local_root() / history.day_prefix(day)).glob("*.parquet")
    return path


def _at(text: str) -> int:
    from tests.support.groups_lake import at

    return at(text)


def _join(chat: dict, user: dict, when: str) -> dict:
    return {"chat": chat, "from": user, "date": _at(when), "old_chat_member": {"user": user, "status": "left"},
            "new_chat_member": {"user": user, "status": "member"}}  # fmt: skip


def test_a_backfill_gives_the_state_of_day_by_day(lake, tmp_path, monkeypatch):
    day_by_day = lake / "curated"
    monkeypatch.setenv("CURATED_URI", str(tmp_path / "backfilled"))
    settings = config.load()
    days = [layout.partition_day(key) for key in layout.partition_keys(storage.open_store(str(day_by_day)))]
    consolidate.consolidate_days(layout.days_between(days[0], days[-1]), settings)
    backfilled = tmp_path / "backfilled"
    states = sorted(p.relative_to(day_by_day) for p in day_by_day.glob("history*/**/*.parquet"))
    assert states == sorted(p.relative_to(backfilled) for p in backfilled.glob("history*/**/*.parquet"))
    assert len([s for s in states if s.parts[0] == history.MONTH_PREFIX]) == 4  # January to April
    assert len([s for s in states if s.parts[0] == history.THROUGH_PREFIX]) == 4
    for path in states:
        assert pq.read_table(backfilled / path).equals(pq.read_table(day_by_day / path)), path


def test_a_stale_month_state_is_told_apart_and_not_used(lake):
    settings = config.load()
    curated = storage.curated_store(settings)
    before = windows(settings)
    # another run rewrote a January day's state (bia posted in the forum then), and has not rebuilt the
    # month yet: bia, new in the forum in April as the month says, is returning as the day says
    day = date(2026, 1, 10)
    state = pq.read_table(day_state(curated, day))
    sender = {"kind": "sender", "chat_id": FORUM["id"], "id": 2, "is_bot": False, "name": None}
    earlier = history.state_schema().field("first_at").type
    import pyarrow as pa

    when = pa.scalar(_at("2026-01-10T05:00") * 1_000_000, pa.int64()).cast(earlier)
    extra = pa.Table.from_pylist([{**sender, "first_at": when.as_py(), "last_at": when.as_py()}], schema=state.schema)
    rewritten = history.parquet_bytes(pa.concat_tables([state, extra]))
    curated.replace_folder(history.day_prefix(day), {history.day_file(rewritten): rewritten})
    partition_days = [layout.partition_day(key) for key in layout.partition_keys(curated)]
    read = history.read_before(curated, partition_days, scan_first())
    assert read.stale_months == ["2026-01"] and (read.through, read.months) == (None, [])
    assert date(2026, 1, 10) in read.days
    after = windows(settings)
    status = {(m["chat_id"], m["user_id"]): m["status"] for m in after["30d"]["members"].to_pylist()}
    was = {(m["chat_id"], m["user_id"]): m["status"] for m in before["30d"]["members"].to_pylist()}
    assert (was[(FORUM["id"], 2)], status[(FORUM["id"], 2)]) == ("new", "returning")
    # rebuilt, the month is current again and read whole
    history.write_months(curated, ["2026-01"])
    assert history.read_before(curated, partition_days, scan_first()).through == "2026-01"
    assert rows(windows(settings)) == rows(after)


def test_days_without_state_are_computed_from_their_partitions_and_the_build_writes_them(lake):
    settings = config.load()
    with_state = rows(windows(settings))
    without_state(lake)
    curated = storage.curated_store(settings)
    partition_days = [layout.partition_day(key) for key in layout.partition_keys(curated)]
    read = history.read_before(curated, partition_days, scan_first())
    assert read.missing == [d for d in partition_days if d < scan_first()] and read.through is None
    assert rows(windows(settings)) == with_state
    built = history.build_missing(settings)
    assert built["days"] == [d.isoformat() for d in partition_days]
    assert built["months"] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert history.read_before(curated, partition_days, scan_first()).missing == []
    assert rows(windows(settings)) == with_state
    assert history.build_missing(settings) == {"days": [], "months": []}


def test_a_day_state_of_the_rules_before_is_read_as_none_and_the_build_writes_it_again(lake):
    """A day state made by other rules (before 2, a channel's automatic forward was a sender) is computed
    from its partition, as a day without state is, until ``history`` writes it again."""
    settings = config.load()
    curated = storage.curated_store(settings)
    with_state = rows(windows(settings))
    day = date(2026, 2, 16)  # the channel's post copied into the group
    written = day_state(curated, day)
    written.rename(written.with_name(written.name.removeprefix(f"r{history.STATE_RULES}-")))
    partition_days = [layout.partition_day(key) for key in layout.partition_keys(curated)]
    read = history.read_before(curated, partition_days, scan_first())
    assert (read.through, read.missing, read.stale_months) == ("2026-01", [day], [])
    assert rows(windows(settings)) == with_state
    assert history.build_missing(settings)["days"] == [day.isoformat()]
    assert day_state(curated, day).name == written.name
    read = history.read_before(curated, partition_days, scan_first())
    assert (read.through, read.missing) == ("2026-01", [])
    assert rows(windows(settings)) == with_state


def all_day_states(curated, before: date):
    """Every day state before ``before`` rolled up: the state read by another route than the months."""
    tables = [pq.read_table(day_state(curated, day)) for day in sorted(history.day_states(curated, before))]
    return history.roll_up(tables).to_pylist()


def test_the_latest_current_month_is_read_and_a_stale_one_read_past(lake):
    curated = storage.curated_store(config.load())
    partition_days = [layout.partition_day(key) for key in layout.partition_keys(curated)]
    before = date(2026, 4, 1)
    read = history.read_before(curated, partition_days, before)
    assert (read.through, read.months, read.days, read.stale_months) == ("2026-03", [], [], [])
    want = all_day_states(curated, before)
    assert history.roll_up([read.state]).to_pylist() == want

    # a March day rewritten (the same rows, another file name): February is current, March is not
    march = next(day for day in partition_days if day.month == 3)
    state = pq.read_table(day_state(curated, march))
    rewritten = history.parquet_bytes(state.replace_schema_metadata({b"rewritten": b"yes"}))
    curated.replace_folder(history.day_prefix(march), {history.day_file(rewritten): rewritten})
    read = history.read_before(curated, partition_days, before)
    assert (read.through, read.months, read.stale_months) == ("2026-02", [], ["2026-03"])
    assert read.days == [day for day in partition_days if date(2026, 3, 1) <= day < before]
    assert history.roll_up([read.state]).to_pylist() == want

    # a January day rewritten too: no state as of a month's end is current; February's own still is
    january = partition_days[0]
    state = pq.read_table(day_state(curated, january))
    rewritten = history.parquet_bytes(state.replace_schema_metadata({b"rewritten": b"yes"}))
    curated.replace_folder(history.day_prefix(january), {history.day_file(rewritten): rewritten})
    read = history.read_before(curated, partition_days, before)
    assert (read.through, read.months) == (None, ["2026-02"])
    assert read.stale_months == ["2026-01", "2026-02", "2026-03"]
    assert read.days == [day for day in partition_days if day < before and day.month != 2]
    assert history.roll_up([read.state]).to_pylist() == want

    # the next consolidation (here of an April day) rebuilds from the first month not current on
    consolidate.consolidate_days([date(2026, 4, 20)], config.load())
    assert history.read_before(curated, partition_days, before).through == "2026-03"


def test_a_lake_with_month_states_of_the_older_layout_reads_them_until_the_history_command(lake):
    """A lake whose months hold their own days' states alone (no state as of a month's end yet)."""
    settings = config.load()
    curated = storage.curated_store(settings)
    shutil.rmtree(lake / "curated" / history.THROUGH_PREFIX)
    partition_days = [layout.partition_day(key) for key in layout.partition_keys(curated)]
    read = history.read_before(curated, partition_days, scan_first())
    assert (read.through, read.months, read.stale_months, read.missing) == (None, ["2026-01"], [], [])
    assert history.roll_up([read.state]).to_pylist() == all_day_states(curated, scan_first())
    assert history.build_missing(settings) == {"days": [], "months": ["2026-01", "2026-02", "2026-03", "2026-04"]}
    assert history.read_before(curated, partition_days, scan_first()).through == "2026-01"
    assert history.build_missing(settings) == {"days": [], "months": []}


def test_the_day_states_of_a_range_in_one_query_are_each_day_s_own(lake, monkeypatch):
    """By another route: each day's partition alone through the ungrouped state SQL (what the reports
    run for a day without state), every column as stored."""
    curated = storage.curated_store(config.load())
    tables = {
        layout.partition_day(key): pq.read_table(curated.local_root() / key) for key in layout.partition_keys(curated)
    }
    one_query = history.of_days(tables)
    monkeypatch.setattr(history, "ROWS_PER_QUERY", 1)  # a query a day
    assert {day: state.to_pylist() for day, state in history.of_days(tables).items()} == {
        day: state.to_pylist() for day, state in one_query.items()
    }
    import pyarrow as pa

    for day, table in tables.items():
        con = history.connection()
        con.register("messages", table.append_column("context_date", pa.repeat(day.isoformat(), table.num_rows)))
        alone = history.compute(con, day + timedelta(days=1))
        con.close()
        assert one_query[day].equals(alone), day
        written = history.day_file(history.parquet_bytes(one_query[day]))
        assert day_state(curated, day).name == written, day
