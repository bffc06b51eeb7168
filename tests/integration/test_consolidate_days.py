"""A range consolidated in one pass (``consolidate_days``) gives, byte for byte, what consolidating its
days one by one gives: the same partitions, quarantine and manifests; and a day without updates costs
nothing (no partition, no manifest)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from telegram_pipeline import config
from telegram_pipeline.dev import simulate
from telegram_pipeline.ingest import desktop_export
from telegram_pipeline.lake import consolidate, layout, storage
from telegram_pipeline.rules import days as day_rule
from telegram_pipeline.rules import raw_zone

TZ = "America/Sao_Paulo"
START = dt.date(2026, 3, 2)
FIRST, LAST = START - dt.timedelta(days=2), START + dt.timedelta(days=5)  # two quiet days first, one last


def webhook_key(update: dict) -> str:
    """Where the webhook files an update: its event time's day, its update_id."""
    kind = next(key for key in update if key != "update_id")
    body = update[kind]
    moment = day_rule.event_time(kind, body.get("date"), body.get("edit_date"))
    return f"context_date={day_rule.day_of(moment, config.load().tz)}/{update['update_id']}.json"


def exported_messages() -> list[dict]:
    """A Desktop export of the same days: texts, a reply, an edit, a join, a sticker."""
    messages = []
    for n in range(1, 41):
        unix = int(dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC).timestamp()) + n * 9_000
        message = {"id": n, "type": "message", "date": "2026-03-02T08:00:00", "date_unixtime": str(unix)}
        message.update({"from": f"Pessoa {n % 4}", "from_id": f"user{700 + n % 4}", "text": f"treino {n} #corrida"})
        if n % 7 == 0:
            message.update(type="service", action="invite_members", members=["Pessoa 1"], actor="Pessoa 2")
            message["actor_id"] = "user702"
        elif n % 5 == 0:
            message.update(reply_to_message_id=n - 1, edited=message["date"], edited_unixtime=str(unix + 30))
        elif n % 11 == 0:
            message.update(file="stickers/s.webp", media_type="sticker", sticker_emoji="👏", text="")
        messages.append(message)
    return messages


@pytest.fixture
def raw_days(local_lake, monkeypatch, tmp_path):
    """Five days of two simulated groups as the webhook stores them, an imported export of the same days,
    a redelivery under another key, an object that is not JSON and one filed under the wrong day."""
    monkeypatch.setenv("TIMEZONE", TZ)
    raw = storage.raw_store()
    simulation = simulate.generate(seed=5, start=START, days=5, timezone=TZ, second_group=True)
    files = {webhook_key(update): simulate.encode(update) for update in simulation.deliveries}
    first_key = min(key for key in files if key.startswith(f"context_date={START + dt.timedelta(days=1)}"))
    files[first_key.replace(".json", "-again.json")] = files[first_key]  # stored twice: counted once
    files[f"context_date={START + dt.timedelta(days=2)}/junk.json"] = b"not json"
    misfiled = next(key for key in files if key.startswith(f"context_date={START}/"))
    files[f"context_date={START + dt.timedelta(days=3)}/misfiled.json"] = files[misfiled]
    raw.write_many(files)
    export = tmp_path / "result.json"
    header = {"name": "Corrida", "type": "public_supergroup", "id": 1234567890}
    export.write_text(json.dumps({**header, "messages": exported_messages()}, ensure_ascii=False, indent=1))
    imported = desktop_export.import_export(export)
    assert (imported.messages, imported.service_messages) == (35, 5)
    monkeypatch.setenv("MAX_BAD_SHARE", "0.5")
    return local_lake


def zones(lake, name: str) -> dict[str, str]:
    return {"CURATED_URI": str(lake / f"{name}-curated"), "QUARANTINE_URI": str(lake / f"{name}-quarantine")}


def contents(uri: str) -> dict[str, bytes]:
    store = storage.open_store(uri)
    return {key: store.read(key) for key in store.list()}


def comparable(manifests: dict[str, bytes]) -> dict[str, dict]:
    """Manifests without what depends on how the run went (its time, the reads in flight)."""
    drop = {"seconds", "requests_in_flight"}
    return {key: {k: v for k, v in json.loads(data).items() if k not in drop} for key, data in manifests.items()}


def test_a_range_in_one_pass_gives_the_files_of_its_days_one_by_one(raw_days, monkeypatch):
    by_day = zones(raw_days, "by-day")
    with monkeypatch.context() as patch:
        for name, value in by_day.items():
            patch.setenv(name, value)
        for day in layout.days_between(FIRST, LAST):
            consolidate.consolidate_day(day)
    together = zones(raw_days, "together")
    for name, value in together.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(consolidate, "processes_for", lambda weight: 3)  # runs that cut days in two
    monkeypatch.setattr(consolidate, "BATCH_ROWS", 7)  # batches that cut days (in this process's run)
    results = consolidate.consolidate_days(layout.days_between(FIRST, LAST))
    assert [r.day for r in results] == [d.isoformat() for d in layout.days_between(FIRST, LAST)]

    expected, found = contents(by_day["CURATED_URI"]), contents(together["CURATED_URI"])
    partitions = sorted(key for key in expected if key.startswith("messages/"))
    assert partitions == sorted(key for key in found if key.startswith("messages/"))
    assert {key: expected[key] for key in partitions} == {key: found[key] for key in partitions}
    manifests = [key for key in expected if key.startswith("_manifests/")]
    assert comparable({k: expected[k] for k in manifests}) == comparable({k: found[k] for k in found if k in manifests})
    assert sorted(found) == sorted(expected)
    assert contents(by_day["QUARANTINE_URI"]) == contents(together["QUARANTINE_URI"])

    with_rows = {r.day for r in results if r.rows}
    assert len(with_rows) == 5 and sum(r.duplicates for r in results) >= 1
    assert {r.day: r.quarantined for r in results if r.quarantined} == {
        str(START + dt.timedelta(days=2)): 1,
        str(START + dt.timedelta(days=3)): 1,
    }
    for day in {FIRST, FIRST + dt.timedelta(days=1), LAST}:  # quiet days: nothing written at all
        assert not any(f"context_date={day}" in key for key in found)


def partitions(uri: str) -> dict[str, bytes]:
    return {k: v for k, v in contents(uri).items() if k.startswith("messages/")}


def test_a_range_rerun_changes_nothing_and_a_day_emptied_on_purpose_loses_its_files(raw_days, monkeypatch):
    wanted = layout.days_between(FIRST, LAST)
    curated = config.load().curated_uri
    consolidate.consolidate_days(wanted)
    before = contents(curated)
    consolidate.consolidate_days(wanted)
    assert partitions(curated) == {k: v for k, v in before.items() if k.startswith("messages/")}
    raw = storage.raw_store()
    raw.delete(raw.list(raw_zone.day_folder(START)))
    with pytest.raises(consolidate.RawZoneUnusable, match=f"context_date={START}: .* lists no objects"):
        consolidate.consolidate_days(wanted)
    assert contents(curated) == before  # refused before anything was written
    monkeypatch.setenv("ALLOW_EMPTYING_DAYS", "true")
    consolidate.consolidate_days(wanted)
    assert not any(f"context_date={START}" in key for key in contents(curated))
    assert partitions(curated) == {k: v for k, v in before.items() if k.startswith("messages/") and str(START) not in k}


def test_sparse_history_as_the_import_says_costs_a_file_per_day_with_messages(tmp_path, monkeypatch, capsys):
    """85 messages over three years, imported and consolidated with the commands the import prints: a
    partition per day that has messages and nothing else; the catalog says how many days, not which."""
    from telegram_pipeline import cli

    monkeypatch.setenv("TIMEZONE", TZ)
    start = int(dt.datetime(2022, 1, 3, 12, tzinfo=dt.UTC).timestamp())
    messages = [
        {"id": n, "type": "message", "date": "x", "date_unixtime": str(start + n * 13 * 86_400 + n * 60),
         "from": "Ana", "from_id": "user7", "text": f"mensagem {n}"}
        for n in range(1, 86)
    ]  # fmt: skip
    export = tmp_path / "result.json"
    export.write_text(json.dumps({"name": "G", "type": "public_supergroup", "id": 1, "messages": messages}))
    assert cli.main(["import-export", str(export)]) == 0
    consolidate_line = next(line for line in capsys.readouterr().out.splitlines() if "consolidate --date" in line)
    first, last = consolidate_line.split("--date ")[1].split(" --to ")[0], consolidate_line.split("--to ")[1].split()[0]
    assert (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days > 3 * 365 - 10
    assert cli.main(["consolidate", "--date", first, "--to", last]) == 0
    curated = contents(config.load().curated_uri)
    assert len([key for key in curated if key.startswith("messages/")]) == 85
    assert len([key for key in curated if key.startswith("_manifests/")]) == 85
    assert cli.main(["catalog", "--date", first, "--to", last]) == 0
    [summary] = capsys.readouterr().out.strip().splitlines()[-1:]
    assert json.loads(summary)["days"] > 1_000 and len(summary) < 300
