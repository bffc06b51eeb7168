"""Property-based tests (hypothesis) over hostile and broken input.

The webhook: random bodies, wrong types in every field of real updates, huge strings, deep nesting,
invalid UTF-8, missing and duplicate headers, every HTTP method. Never a 5xx for bad content, never a
crash, never a write without the right secret, and what is acknowledged as stored is stored verbatim.

The consolidation: random but valid updates of every type round-trip into rows (and Parquet) whose
values match the JSON; random junk becomes a BadUpdate (quarantined), never another exception and
never a row the table cannot hold.

Example counts stay modest here so `make test` stays fast; `make fuzz` (bench/fuzz.py) runs the same
properties with RELIABILITY_EXAMPLES_SCALE in the hundreds, for a bounded time.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from datetime import UTC, date, datetime

import handler
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from telegram_pipeline.lake import consolidate, layout, parse, schema
from telegram_pipeline.rules import days, raw_zone, updates

from tests.support.paths import FIXTURES
from tests.support.webhook_events import CHAT_ID, SECRET, MemoryStore, env, event

SCALE = int(os.environ.get("RELIABILITY_EXAMPLES_SCALE", "1"))
FIXTURE_UPDATES = {p.stem: json.loads(p.read_bytes()) for p in sorted((FIXTURES / "telegram").glob("*.json"))}
METHODS = ["POST", "GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "post", "", "BREW"]
INT64 = 2**63


def examples(n: int):
    return settings(
        max_examples=n * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=20,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*prefix, index))


def _replace(value, path, new):
    if not path:
        return new
    copied = dict(value) if isinstance(value, dict) else list(value)
    copied[path[0]] = _replace(value[path[0]], path[1:], new)
    return copied


@st.composite
def mutated_updates(draw) -> bytes:
    """A real update with one field (anywhere, the root included) replaced by any JSON value."""
    original = draw(st.sampled_from(sorted(FIXTURE_UPDATES)))
    value = FIXTURE_UPDATES[original]
    path = draw(st.sampled_from(list(_paths(value))))
    return json.dumps(_replace(value, path, draw(json_values)), ensure_ascii=draw(st.booleans())).encode()


deep_nesting = st.integers(min_value=1, max_value=200_000).map(lambda n: b'{"update_id": 1, "message": ' + b"[" * n)
huge_strings = st.integers(min_value=0, max_value=3).map(
    lambda k: json.dumps(
        {"update_id": 7, "message": {"chat": {"id": CHAT_ID}, "date": 1, "text": "x" * (k * 400_000)}}
    ).encode()
)
bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    json_values.map(lambda v: json.dumps(v).encode()),
    mutated_updates(),
    deep_nesting,
    huge_strings,
)
tokens = st.one_of(st.just(SECRET), st.none(), st.text(max_size=40), st.sampled_from([SECRET[:-1], SECRET + " ", ""]))
header_names = st.sampled_from(
    ["X-Telegram-Bot-Api-Secret-Token", "x-telegram-bot-api-secret-token", "X-TELEGRAM-BOT-API-SECRET-TOKEN"]
)


@st.composite
def requests(draw) -> tuple[dict, list[str]]:
    """(event, every secret-header value it carries)."""
    body = draw(bodies)
    token = draw(tokens)
    shape = draw(st.sampled_from(["rest", "http", "url"]))
    as_base64 = draw(st.booleans())
    extra = draw(st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=40), max_size=3))
    sent = [] if token is None else [token]
    # The same header again, in another case, with another value: duplicate headers.
    if draw(st.booleans()):
        duplicate = draw(tokens.filter(lambda t: t is not None))
        name = draw(header_names)
        extra[name] = duplicate
        sent.append(duplicate)
    for name, value in extra.items():
        if name.lower() == handler.SECRET_HEADER:
            sent.append(value)
    built = event(body, token=token, method=draw(st.sampled_from(METHODS)), shape=shape, base64_body=as_base64)
    built["headers"].update(extra)
    if shape == "rest" and draw(st.booleans()):
        # REST APIs also send multiValueHeaders: a header given twice arrives as a list.
        values = draw(st.lists(tokens.filter(lambda t: t is not None), min_size=0, max_size=3))
        built["multiValueHeaders"]["X-Telegram-Bot-Api-Secret-Token"] = values
        sent += values
    if draw(st.integers(0, 9)) == 0:
        built["body"] = draw(json_values)  # not even a string
    return built, sent


def _decoded_body(built: dict) -> bytes | None:
    body = built.get("body")
    if not isinstance(body, str):
        return None
    if built.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8", "surrogatepass")


@pytest.fixture(autouse=True)
def fresh_handler(capfd):
    handler.reset_caches()
    yield
    capfd.readouterr()  # the handler's request log lines, thousands of them: not the point here


@examples(150)
@given(request=requests())
@example(request=(event(b"[" * 100_000), [SECRET]))
@example(request=(event(b"\xff\xfe\x00invalid utf-8", base64_body=True), [SECRET]))
@example(request=(event(json.dumps({"update_id": 1, "message": {"text": "y" * 1_100_000}}).encode()), [SECRET]))
def test_webhook_never_5xx_never_writes_without_the_secret(request, tmp_path_factory):
    built, sent_tokens = request
    store = MemoryStore()
    answer = handler.handle(built, store=store, env=env(str(tmp_path_factory.getbasetemp() / "unused")))
    status = answer["statusCode"]
    assert 200 <= status < 500, answer
    json.loads(answer["body"])
    if SECRET not in sent_tokens:
        assert store.puts == 0, f"{status}: written without the right secret"
        assert status in {401, 403, 405}
    if status != 200:
        assert store.puts == 0
    for key, data in store.objects.items():
        assert data == _decoded_body(built)
        assert key.startswith("context_date=") and key.endswith(f"/{json.loads(data)['update_id']}.json")


@examples(150)
@given(body=mutated_updates(), shape=st.sampled_from(["rest", "http", "url"]))
def test_webhook_wrong_types_in_any_field_is_never_5xx(body, shape):
    store = MemoryStore()
    answer = handler.handle(event(body, shape=shape), store=store, env=env("/nonexistent-unused"))
    assert answer["statusCode"] in {200, 400}, answer
    if store.objects:
        [(key, data)] = store.objects.items()
        assert data == body and key.endswith(f"/{json.loads(body)['update_id']}.json")


# -- the consolidation --------------------------------------------------------------------------

DAY = date(2026, 3, 14)
DAY_START = int(datetime(2026, 3, 14, tzinfo=UTC).timestamp())
ids = st.integers(min_value=1, max_value=2**52)
names = st.one_of(st.none(), st.text(min_size=1, max_size=30))
texts = st.text(max_size=200)
moments = st.integers(min_value=DAY_START, max_value=DAY_START + 86_399)


@st.composite
def users(draw) -> dict:
    user = {"id": draw(ids), "is_bot": draw(st.booleans()), "first_name": draw(st.text(min_size=1, max_size=30))}
    for field in ("last_name", "username"):
        if (value := draw(names)) is not None:
            user[field] = value
    return user


@st.composite
def chats(draw) -> dict:
    return {"id": -(10**12) - draw(st.integers(1, 10**9)), "type": "supergroup", "title": draw(st.text(max_size=40))}


@st.composite
def text_with_entities(draw) -> tuple[str, list[dict], list[str], list[str], list[str]]:
    """A text with a hashtag, a mention and a url at UTF-16 offsets, as Telegram counts them."""
    parts = [draw(texts), "#" + draw(st.from_regex(r"[A-Za-zÀ-ÿ0-9_]{1,12}", fullmatch=True)), draw(texts)]
    parts += ["@" + draw(st.from_regex(r"[a-z][a-z0-9_]{4,12}", fullmatch=True)), " 🏃‍♀️𝄞 "]
    parts += ["https://example.com/" + draw(st.from_regex(r"[a-z0-9]{0,10}", fullmatch=True))]
    text, entity_list, offset = "", [], 0
    for index, part in enumerate(parts):
        units = len(part.encode("utf-16-le")) // 2
        kind = {1: "hashtag", 3: "mention", 5: "url"}.get(index)
        if kind:
            entity_list.append({"offset": offset, "length": units, "type": kind})
        text += part
        offset += units
    return text, entity_list, [parts[1].lower()], [parts[3]], [parts[5]]


@st.composite
def valid_updates(draw) -> tuple[dict, dict]:
    """(a valid update of any type, the row values it must give)."""
    kind = draw(
        st.sampled_from(
            [
                "message",
                "edited_message",
                "channel_post",
                "edited_channel_post",
                "photo",
                "sticker",
                "new_members",
                "message_reaction",
                "chat_member",
                "my_chat_member",
            ]
        )
    )
    update_id = draw(st.integers(min_value=1, max_value=2**31))
    chat = draw(chats())
    user = draw(users())
    moment = draw(moments)
    expect = {
        "update_id": update_id,
        "chat_id": chat["id"],
        "chat_title": chat["title"],
        "user_id": user["id"],
        "user_first_name": user["first_name"],
        "user_last_name": user.get("last_name"),
        "user_username": user.get("username"),
        "sent_at": moment,
    }
    if kind in {"message_reaction", "chat_member", "my_chat_member"}:
        if kind == "message_reaction":
            emoji = draw(st.sampled_from(["🔥", "👍", "❤", "🤯"]))
            payload = {"chat": chat, "message_id": draw(ids), "user": user, "date": moment}
            payload.update(old_reaction=[], new_reaction=[{"type": "emoji", "emoji": emoji}])
            expect.update(
                update_type=kind, content_type="reaction", reaction_emojis=[emoji], message_id=payload["message_id"]
            )
        else:
            member = {"user": draw(users()), "status": "member"}
            payload = {"chat": chat, "from": user, "date": moment, "old_chat_member": {**member, "status": "left"}}
            payload["new_chat_member"] = member
            expect.update(update_type=kind, content_type="member")
        return {"update_id": update_id, kind: payload}, expect

    message = {"message_id": draw(ids), "chat": chat, "date": moment}
    update_type = kind if kind in updates.MESSAGE_TYPES else "message"
    if update_type.startswith("edited_"):
        edited = draw(moments)
        message["date"] = DAY_START - draw(st.integers(0, 10 * 86_400))
        message["edit_date"] = edited
        expect.update(sent_at=message["date"], edited_at=edited)
    if "channel_post" in update_type:
        message["sender_chat"] = chat
        expect.update(user_id=None, user_first_name=None, user_last_name=None, user_username=None)
        expect["sender_chat_id"] = chat["id"]
    else:
        message["from"] = user
    expect.update(update_type=update_type, message_id=message["message_id"])
    if kind == "photo":
        text, entity_list, hashtags, mentions, urls = draw(text_with_entities())
        message.update(photo=[{"file_id": "f", "file_unique_id": "u", "width": 90, "height": 90}])
        message.update(caption=text, caption_entities=entity_list)
        expect.update(content_type="photo", text=text, hashtags=hashtags, mentions=mentions, urls=urls)
    elif kind == "sticker":
        message["sticker"] = {"file_id": "s", "emoji": "😀", "width": 512, "height": 512}
        expect.update(content_type="sticker", text=None)
    elif kind == "new_members":
        joined = draw(st.lists(users(), min_size=1, max_size=4))
        message["new_chat_members"] = joined
        expect.update(
            content_type="service", service_action="new_chat_members", new_member_ids=[u["id"] for u in joined]
        )
    else:
        text, entity_list, hashtags, mentions, urls = draw(text_with_entities())
        message.update(text=text, entities=entity_list)
        expect.update(content_type="text", text=text, hashtags=hashtags, mentions=mentions, urls=urls)
    if draw(st.booleans()):
        message["reply_to_message"] = {"message_id": draw(ids), "chat": chat, "date": moment - 1}
        expect["reply_to_message_id"] = message["reply_to_message"]["message_id"]
    return {"update_id": update_id, update_type: message}, expect


def _as_python(value):
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value


def _check_row(row: dict, expect: dict) -> None:
    for name, value in expect.items():
        assert _as_python(row[name]) == value, f"{name}: {row[name]!r} != {value!r}"


@examples(120)
@given(generated=valid_updates(), ensure_ascii=st.booleans())
def test_valid_updates_round_trip_into_rows_and_parquet(generated, ensure_ascii):
    import pyarrow as pa
    import pyarrow.parquet as pq

    update, expect = generated
    row = parse.parse(json.dumps(update, ensure_ascii=ensure_ascii).encode())
    assert set(row) == set(schema.COLUMN_NAMES)
    _check_row(row, expect)
    assert (
        days.event_time(row["update_type"], row["sent_at"], row["edited_at"]) is not None
        and DAY_START <= days.event_time(row["update_type"], row["sent_at"], row["edited_at"]) < DAY_START + 86_400
    )
    table = pq.read_table(pa.BufferReader(layout.parquet_bytes(consolidate.to_table([row]))))
    assert table.schema.equals(schema.arrow_schema())
    _check_row(table.to_pylist()[0], expect)


@examples(200)
@given(data=st.one_of(st.binary(max_size=400), json_values.map(lambda v: json.dumps(v).encode()), mutated_updates()))
@example(data=b'{"update_id": 1, "message": {"chat": {"id": -1}, "message_id": 1180591620717411303424}}')
@example(data=b'{"update_id": 99999999999999999999999, "message": {"chat": {"id": -1}}}')
@example(data=b'{"update_id": 1, "message": {"chat": {"id": -1}, "text": "\\ud800 lone surrogate"}}')
@example(
    data=b'{"update_id": 1, "message": {"chat": {"id": -1}, "text": "a b", "entities": [{"offset": 0, "length": 1, "type": []}]}}'
)
@example(
    data=b'{"update_id": 1, "x_joined_by": [], "message": {"chat": {"id": -1}, "date": 1, "new_chat_members": [{"id": 5}]}}'
)
@example(data=b'{"update_id": 1, "message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}")
def test_junk_is_a_bad_update_or_a_row_the_table_can_hold(data):
    try:
        row = parse.parse(data)
    except parse.BadUpdate as exc:
        assert exc.reason
        return
    assert isinstance(row["update_id"], int) and isinstance(row["chat_id"], int)
    layout.parquet_bytes(consolidate.to_table([row]))  # never an overflow or an encoding error


def _load_outcome(data: bytes) -> tuple[str, str]:
    try:
        return "update", repr(parse.load(data))  # repr: NaN equals itself, key order counts
    except parse.BadUpdate as exc:
        return "bad", exc.reason


def _json_only(data):
    raise ValueError("decoded by json alone")


@examples(300)
@given(data=bodies)
@example(data=b'{"update_id": 1, "x": NaN, "y": -Infinity}')
@example(data=b'\xef\xbb\xbf{"update_id": 1}')  # a UTF-8 byte-order mark
@example(data='{"update_id": 1, "message": {}}'.encode("utf-16"))
@example(data=b'{"update_id": 1, "x": 1e400}')
@example(data=b'{"update_id": 1, "text": "\\ud800"}')
@example(data=b'{"update_id": 1, "update_id": 2, "a": {"b": 1, "b": [2]}}')
@example(data=b'{"update_id": 18446744073709551616}')
@example(data=b'{"update_id": 1} trailing')
@example(data=b"   ")
def test_msgspec_decodes_exactly_what_json_decodes(data):
    """parse.load decodes with msgspec and falls back to json for whatever msgspec refuses: every input
    gives the update, or the reason it is bad, that json alone gives."""
    from unittest import mock

    fast = _load_outcome(data)
    with mock.patch.object(parse, "_decode", _json_only):
        assert _load_outcome(data) == fast


@examples(8)
@given(
    good=st.lists(valid_updates(), min_size=0, max_size=25, unique_by=lambda g: g[0]["update_id"]),
    junk=st.lists(st.binary(min_size=0, max_size=60), max_size=5),
    redelivered=st.integers(0, 3),
)
def test_a_random_day_consolidates_every_good_update_once_and_quarantines_the_junk(
    good, junk, redelivered, tmp_path_factory, monkeypatch
):
    import pyarrow.parquet as pq
    from telegram_pipeline import config
    from telegram_pipeline.lake import storage

    assume(all(not parse_ok(j) for j in junk))
    lake = tmp_path_factory.mktemp("lake")
    for name, value in {
        "RAW_URI": lake / "raw",
        "CURATED_URI": lake / "curated",
        "REPORTS_URI": lake / "reports",
        "MAX_BAD_SHARE": "1",
    }.items():
        monkeypatch.setenv(name, str(value))
    raw = storage.raw_store(config.load())
    prefix = raw_zone.day_folder(DAY)
    (lake / "raw").mkdir()  # the raw zone is there, even when this day has nothing in it
    for update, _ in good:
        raw.write(f"{prefix}/{update['update_id']}.json", json.dumps(update).encode())
    for update, _ in good[:redelivered]:  # the same update under a second key: counted once
        raw.write(f"{prefix}/{update['update_id']}-again.json", json.dumps(update).encode())
    for index, data in enumerate(junk):
        raw.write(f"{prefix}/junk-{index}.json", data)

    result = consolidate.consolidate_day(DAY, config.load())
    assert (result.rows, result.quarantined) == (len(good), len(junk))
    assert result.duplicates == min(redelivered, len(good))
    partition = lake / "curated" / layout.partition_key(DAY)
    assert partition.exists() == bool(good)  # a day without a good update writes no partition
    rows = pq.read_table(partition).to_pylist() if good else []
    by_id = {row["update_id"]: row for row in rows}
    assert len(by_id) == len(rows) == len(good)
    for update, expect in good:
        _check_row(by_id[update["update_id"]], expect)
    folder = lake / "raw" / "_quarantine" / prefix
    quarantined = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    assert [n for n in quarantined if not n.endswith(".reason.json")] == [f"junk-{i}.json" for i in range(len(junk))]


def parse_ok(data: bytes) -> bool:
    try:
        parse.parse(data)
        return True
    except parse.BadUpdate:
        return False


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


# -- the same promises over real HTTP, through `serve` ----------------------------------------

http_tokens = st.one_of(
    st.just(SECRET), st.from_regex(r"[!-~]{0,40}", fullmatch=True), st.sampled_from([SECRET[:-1], ""])
)
http_methods = st.sampled_from(["POST", "GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "BREW", "post"])


@pytest.fixture
def served(tmp_path, monkeypatch):
    """`serve` in this process on a local lake, for one test (all its examples): (port, raw folder)."""
    import threading

    from telegram_pipeline.dev import server

    raw = tmp_path / "served-raw"
    raw.mkdir()
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("ALLOWED_CHAT_IDS", str(CHAT_ID))
    monkeypatch.setenv("RAW_URI", str(raw))
    httpd = server.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd.server_address[1], raw
    httpd.shutdown()
    httpd.server_close()


@examples(40)
@given(
    method=http_methods,
    secret_headers=st.lists(st.tuples(header_names, http_tokens), max_size=3),
    junk_headers=st.lists(
        st.tuples(
            st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,20}", fullmatch=True), st.from_regex(r"[ -~]{0,40}", fullmatch=True)
        ),
        max_size=4,
    ),
    body=st.one_of(st.binary(max_size=200), mutated_updates()),
)
def test_served_webhook_never_5xx_never_writes_without_the_secret(served, method, secret_headers, junk_headers, body):
    import http.client

    port, raw = served
    before = sorted(raw.rglob("*.json"))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.putrequest(method, "/webhook", skip_accept_encoding=True)
    for name, value in [*secret_headers, *junk_headers]:  # repeated names are sent repeated
        if name.lower() not in {"content-length", "transfer-encoding", "host", "connection", "expect"}:
            connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status < 500
    written = sorted(set(raw.rglob("*.json")) - set(before))
    values = [value for _, value in secret_headers]
    if values != [SECRET]:  # missing, wrong, or sent more than once (joined by commas): refused
        assert written == [] and response.status in {401, 403, 405}
    for path in written:
        assert path.read_bytes() == body
