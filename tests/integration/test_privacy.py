"""Pseudonymisation (PSEUDONYMIZE_KEY): keyed, stable, typed pseudonyms and no names in the
curated table; the raw zone untouched."""

from __future__ import annotations

from telegram_pipeline.lake import layout, privacy
from telegram_pipeline.reports import definitions
from telegram_pipeline.rules import raw_zone


def test_pseudonymised_lake_end_to_end_raw_untouched_curated_and_reports_without_identities(local_lake, monkeypatch):
    """Consolidation and reports with PSEUDONYMIZE_KEY: the raw zone keeps the updates as Telegram
    sent them; the curated table and every report carry pseudonyms and no names."""
    import json

    import pyarrow.parquet as pq
    from telegram_pipeline import config
    from telegram_pipeline.lake import consolidate, storage
    from telegram_pipeline.reports import build as reports

    from bench import loadtest

    key = "group-key-for-tests"
    monkeypatch.setenv("PSEUDONYMIZE_KEY", key)
    day = loadtest.FIRST_DAY
    ids = [loadtest.DAYS * n for n in range(1, 301)]
    raw = storage.raw_store(config.load())
    bodies = {}
    for update_id in ids:
        body = json.loads(loadtest.update_body(update_id))
        if update_id % 50 == 0:  # someone joins: their id is personal data too
            body = {"update_id": update_id, "message": {**body.get("message", body.get("edited_message", {}))}}
            body["message"].pop("text", None)
            body["message"].pop("edit_date", None)
            body["message"]["new_chat_members"] = [{"id": 424242 + update_id, "is_bot": False, "first_name": "Nova"}]
        bodies[update_id] = json.dumps(body, ensure_ascii=False).encode()
        raw.write(f"{raw_zone.day_folder(day)}/{update_id}.json", bodies[update_id])

    result = consolidate.consolidate_day(day, config.load())
    assert result.rows == len(ids)
    table = pq.read_table(local_lake / "curated" / layout.partition_key(day)).to_pylist()
    real_ids = {
        json.loads(b).get("message", json.loads(b).get("edited_message", {})).get("from", {}).get("id")
        for b in bodies.values()
    }
    real_ids |= {json.loads(b).get("message_reaction", {}).get("user", {}).get("id") for b in bodies.values()}
    real_ids.discard(None)
    joined = {424242 + i for i in ids if i % 50 == 0}
    for row in table:
        assert row["user_id"] not in real_ids and row["user_id"] is not None
        assert all(row[name] is None for name in privacy.NAME_COLUMNS)
        assert (row["member_name"], row["new_member_names"]) == (None, None)
        assert not set(row["new_member_ids"] or []) & joined
    assert {r["user_id"] for r in table} == {privacy.pseudonym(i, key) for i in real_ids}
    # The raw zone is as received.
    for update_id, body in bodies.items():
        assert raw.read(f"{raw_zone.day_folder(day)}/{update_id}.json") == body

    rng = definitions.ReportRange.from_settings(day, day, config.load())
    tables = reports.build(rng, config.load())
    posters = tables["top_posters"].to_pylist()
    assert posters
    for poster in posters:
        assert poster["user_id"] not in real_ids
        assert "Pessoa" not in (poster["user_name"] or "")  # the senders' first names in the raw zone
        assert poster["user_name"] == f"user {poster['user_id']}"
    silent = [m for m in tables["members"].to_pylist() if m["status"] == "silent"]
    assert {m["user_id"] for m in silent} == {privacy.pseudonym(i, key) for i in joined}
    assert all(m["user_name"] == f"user {m['user_id']}" for m in silent)  # not "Nova", the joiners' name
    html = "".join(reports.pages(tables, rng)[0][name].decode() for name in reports.pages(tables, rng)[0])
    assert "Pessoa" not in html and "Nova" not in html
