"""A large export is imported by processes side by side, each reading a part of it: the raw zone, the
result and the errors are exactly those of one process reading it all."""

from __future__ import annotations

import json

import pytest
from telegram_pipeline.ingest import desktop_export
from telegram_pipeline.ingest.desktop_export import run
from telegram_pipeline.lake import storage


def busy_export(tmp_path, messages: int = 600, forum: bool = False) -> tuple:
    """Days of a group, indented as Telegram Desktop writes it: members invited by name before they post
    (a name learned in a later part), two people sharing a name in different parts, a message that is
    not JSON, one whose date cannot be read, days that run across the parts' cuts, a chain of replies
    that runs across them."""
    found = []
    for n in range(1, messages + 1):
        unix = 1_731_800_000 + n * 700
        message = {"id": n, "type": "message", "date": "2024-11-17T09:00:00", "date_unixtime": str(unix)}
        message.update({"from": f"Pessoa {n % 9}", "from_id": f"user{500 + n % 9}", "text": f"oi {n} #treino"})
        if n == 5:
            message.update(type="service", action="invite_members", members=["Late Poster", "Twin"], actor="Pessoa 1")
            message["actor_id"] = "user501"
        if n == messages - 3:
            message.update({"from": "Late Poster", "from_id": "user900"})
        if n in (50, messages - 50):
            message.update({"from": "Twin", "from_id": f"user{800 + n}"})
        if n == messages // 2 + 7:
            message["text"] = "broken"
        if n == messages // 3:
            message["date_unixtime"] = "yesterday"
        if n % 10 == 0:
            message.update(reply_to_message_id=n - 1, edited="2024-11-17T09:01:00", edited_unixtime=str(unix + 60))
        if n in (11, messages - 20):  # replies to a reply, one from the last part to the first: thread 9
            message["reply_to_message_id"] = 10 if n == 11 else 11
        if forum and n == messages * 2 // 3:  # a topic opened in the last part: the chat is a forum
            message = {k: message[k] for k in ("id", "date", "date_unixtime")}
            message.update(
                type="service", action="topic_created", title="Treinos", actor="Pessoa 1", actor_id="user501"
            )
        elif forum and n > messages * 2 // 3 and n % 3 == 0:
            message["reply_to_message_id"] = messages * 2 // 3
        found.append(message)
    header = {"name": "Grupo", "type": "public_supergroup", "id": 1234567890}
    text = json.dumps({**header, "messages": found}, ensure_ascii=False, indent=1)
    path = tmp_path / "result.json"
    path.write_text(text.replace('"broken"', '"bro\x01ken"'), encoding="utf-8")
    return path


def imported(path, monkeypatch, processes: int, cut: int | None = None):
    store = storage.raw_store()
    store.delete(list(store.list()))
    monkeypatch.setattr(run, "processes_for", lambda size: processes)
    cuts = []
    real_parts_of = run.parts_of
    monkeypatch.setattr(run, "parts_of", lambda *args: cuts.append(real_parts_of(*args)) or cuts[-1])
    if cut is not None:
        path.write_bytes(path.read_bytes()[:cut])
    try:
        result, error = desktop_export.import_export(path), None
    except desktop_export.CutShortError as exc:
        result, error = exc.result, str(exc)
    assert (len(cuts[0]) if cuts else 1) == processes  # the parts were read side by side
    files = {key: store.read(key) for key in store.list()}
    summary = (result.messages, result.skipped, result.skipped_details, result.not_for_bots, sorted(result.days))
    return files, summary, result.objects, error


@pytest.mark.parametrize("cut_short", [False, True])
def test_parts_side_by_side_write_what_one_process_writes(tmp_path, monkeypatch, cut_short):
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    monkeypatch.setattr(desktop_export.days, "PART_BYTES", 10_000)  # days that fill more than one object
    path = busy_export(tmp_path)
    cut = path.stat().st_size * 9 // 10 if cut_short else None
    original = path.read_bytes()
    one = imported(path, monkeypatch, 1, cut)
    path.write_bytes(original)
    three = imported(path, monkeypatch, 3, cut)
    assert three == one
    files, (messages, skipped, details, _, days), objects, error = three
    assert (messages, skipped) == (
        (537, 2) if cut_short else (597, 2)
    )  # and the service message and len(days) > 3 and objects > len(days)
    assert (error is not None) == cut_short and (error is None or "ends early" in error)
    lines = [json.loads(line) for data in files.values() for line in data.splitlines()]
    members = [u["message"]["new_chat_members"] for u in lines if "new_chat_members" in u["message"]]
    # a reply's thread is the top of its chain of replies, found in the parts before its own too
    threads = {u["message"]["message_id"]: u["message"].get("message_thread_id") for u in lines}
    assert (threads[10], threads[11], threads[12]) == (9, 9, None)
    assert threads.get(580) == 9 or cut_short
    # the late poster's id comes from the last part; the twins share a name: no id for either
    assert (
        members
        == [[{"id": 900, "is_bot": False, "first_name": "Late Poster"}, {"is_bot": False, "first_name": "Twin"}]]
        or cut_short
    )


def test_a_forum_read_in_parts_is_converted_in_one(tmp_path, monkeypatch):
    """Its topics follow from the messages before each: the names are learned in parts (the topic opened
    in the last one makes the chat a forum), the messages converted in one process, as one reader would."""
    monkeypatch.setenv("TIMEZONE", "America/Sao_Paulo")
    path = busy_export(tmp_path, forum=True)
    one = imported(path, monkeypatch, 1)
    three = imported(path, monkeypatch, 3)
    assert three == one
    lines = [json.loads(line) for data in three[0].values() for line in data.splitlines()]
    topics = {u["message"].get("message_thread_id") for u in lines if "message" in u}
    assert all(u["message"]["chat"].get("is_forum") for u in lines if "message" in u) and 400 in topics
