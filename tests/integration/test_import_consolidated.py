"""``import-export --consolidate`` (and ``--report``): the imported range consolidated in the same process
gives byte for byte the curated zone of ``consolidate`` run over the range afterwards."""

from __future__ import annotations

import json
from pathlib import Path

from telegram_pipeline import cli
from telegram_pipeline.lake import storage

DAY = 86_400
FIRST_UNIX = 1_731_812_400  # 2024-11-17 00:00 in São Paulo


def spread_export(path: Path, days: int = 24, per_day: int = 12) -> Path:
    """A group's export over ``days`` days, with a quiet day in between (no message), a message filed
    out of order (dated on the third day, written among the last: its day is written twice) and replies."""
    messages, message_id = [], 0
    for day in range(days):
        if day == 9:
            continue  # a day without messages, inside the range
        for n in range(per_day):
            message_id += 1
            unix = FIRST_UNIX + day * DAY + 3_600 + n * 3_000
            message = {
                "id": message_id,
                "type": "message",
                "date": "2024-11-17T09:00:00",
                "date_unixtime": str(unix),
                "from": f"Pessoa {message_id % 5}",
                "from_id": f"user{700 + message_id % 5}",
                "text": f"bom dia {message_id} #treino corrida amanhã",
            }
            if n % 4 == 1:
                message["reply_to_message_id"] = message_id - 1
            messages.append(message)
    late = {**messages[-2], "id": message_id + 1, "date_unixtime": str(FIRST_UNIX + 2 * DAY + 50_000)}
    messages.insert(len(messages) - 1, {**late, "text": "esqueci de mandar ontem"})
    header = {"name": "Grupo", "type": "public_supergroup", "id": 1234567890}
    path.write_text(json.dumps({**header, "messages": messages}, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def curated_files(root: Path) -> dict[str, bytes]:
    """Every file of the curated zone (the DuckDB catalog aside: a database file, not data)."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith("catalog.duckdb")
    }


def lake_at(monkeypatch, root: Path) -> Path:
    for name in ("raw", "curated", "reports", "quarantine"):
        monkeypatch.setenv(f"{name.upper()}_URI", str(root / name))
    return root


def test_consolidated_in_the_import_is_byte_for_byte_consolidate(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    export = spread_export(tmp_path / "result.json")
    # a live update on the quiet day: the range's consolidation must read it too
    live = {
        "update_id": 900_001,
        "message": {
            "message_id": 5_000,
            "date": FIRST_UNIX + 9 * DAY + 7_200,
            "chat": {"id": -1001234567890, "type": "supergroup", "title": "Grupo"},
            "from": {"id": 701, "is_bot": False, "first_name": "Pessoa 1"},
            "text": "ao vivo",
        },
    }
    for root in (tmp_path / "after", tmp_path / "in-import"):
        raw = storage.open_store(str(root / "raw"))
        raw.write("context_date=2024-11-26/900001.json", json.dumps(live).encode())

    lake_at(monkeypatch, tmp_path / "after")
    assert cli.main(["import-export", str(export), "--quiet"]) == 0
    printed = capfd.readouterr().out
    assert "consolidate --date 2024-11-17 --to 2024-12-10" in printed
    assert cli.main(["consolidate", "--date", "2024-11-17", "--to", "2024-12-10"]) == 0
    capfd.readouterr()

    lake_at(monkeypatch, tmp_path / "in-import")
    assert cli.main(["import-export", str(export), "--quiet", "--consolidate"]) == 0
    out, err = capfd.readouterr()
    assert "next, in this process: consolidate, check and register those days" in out
    assert "consolidated 24 days 2024-11-17 .. 2024-12-10: 278 rows in 24 partitions, quality checks passed" in err
    assert '"catalog": "duckdb"' in out and "report --from 2024-11-17 --to 2024-12-10" in out

    after, along = curated_files(tmp_path / "after" / "curated"), curated_files(tmp_path / "in-import" / "curated")
    assert sum(1 for key in after if key.startswith("messages/") and key.endswith("data.parquet")) == 24
    assert after.keys() == along.keys()
    assert [key for key in after if after[key] != along[key]] == []


def test_report_builds_the_imported_range(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    export = spread_export(tmp_path / "result.json", days=6)
    lake_at(monkeypatch, tmp_path / "lake")
    out_dir = tmp_path / "reports-out"
    assert cli.main(["import-export", str(export), "--quiet", "--report", str(out_dir)]) == 0
    out = capfd.readouterr().out
    assert "Reports 2024-11-17 .. 2024-11-22 (6 days, America/Sao_Paulo): 1 group" in out
    assert "73 messages from 5 members" in out
    assert (out_dir / "chat_id=-1001234567890" / "report.html").is_file()
    assert (out_dir / "top_posters.parquet").is_file()


def test_dry_run_consolidates_nothing(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    export = spread_export(tmp_path / "result.json", days=3)
    lake = lake_at(monkeypatch, tmp_path / "lake")
    assert cli.main(["import-export", str(export), "--quiet", "--dry-run", "--consolidate"]) == 0
    out = capfd.readouterr().out
    assert "would import 37 messages" in out and "next, in this process" not in out
    assert not (lake / "curated").exists() and not (lake / "raw").exists()


def test_a_file_cut_short_is_not_consolidated(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    export = spread_export(tmp_path / "result.json", days=3)
    export.write_bytes(export.read_bytes()[: export.stat().st_size * 2 // 3])
    lake = lake_at(monkeypatch, tmp_path / "lake")
    assert cli.main(["import-export", str(export), "--quiet", "--consolidate"]) == 1
    out, err = capfd.readouterr()
    assert "ends early" in err and "imported" in out
    assert any((lake / "raw").rglob("*.jsonl")) and not any((lake / "curated").rglob("data.parquet"))


def test_a_consolidation_that_fails_is_told_as_the_consolidations(tmp_path, monkeypatch, capfd, aws_endpoint):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    export = spread_export(tmp_path / "result.json", days=12)
    lake = lake_at(monkeypatch, tmp_path / "lake")
    monkeypatch.setenv("CURATED_URI", "s3://no-such-bucket-here/curated")
    assert cli.main(["import-export", str(export), "--quiet", "--consolidate"]) == 1
    out, err = capfd.readouterr()
    assert "imported 133 messages" in out  # the import is done: the raw zone holds the export
    assert sum(1 for _ in (lake / "raw").rglob("*.jsonl")) == 12
    assert "NoSuchBucket" in err and "writing to the raw zone" not in err and "Traceback" not in err
