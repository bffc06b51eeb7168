"""The export reader decodes the complete messages of a chunk together (msgspec) where Telegram's
indentation says where messages end, and one by one (json) everywhere else: both give the same
messages, the same broken ones, the same cut, whatever the indentation and the chunk size."""

from __future__ import annotations

import io
import json

import pytest
from telegram_pipeline.ingest.desktop_export import reader

# Values msgspec refuses and json takes (NaN, a number beyond a double, a lone surrogate, a bigger
# integer than 64 bits), odd messages, and text of every kind.
ODD_MEMBERS = [
    {"text": "olá 👋🏽 مرحبا", "x": [1, 2.5, None, True]},
    {"text": "NaN here", "value": float("nan")},
    {"value": 1e400},
    {"text": "\ud800 lone"},
    {"big": 2**70, "neg": -(2**70)},
    {"nested": {"a": [{"b": {"c": "}"}}]}, "text": "  } \\n ]"},
]


def export_text(messages: list, indent: int | None) -> str:
    body = json.dumps({"name": "G", "type": "public_supergroup", "id": 1, "messages": messages}, indent=indent)
    return body.replace('"broken"', '"bro\x01ken"')  # a raw control character: not JSON


def messages_for(seed: int) -> list:
    found = []
    for n in range(1, 120):
        message = {"id": n, "type": "message", "date_unixtime": str(1_700_000_000 + n), "text": f"m{n}"}
        message.update(ODD_MEMBERS[(n + seed) % len(ODD_MEMBERS)] if n % 3 == 0 else {})
        if n % 17 == 0:
            message["text"] = "broken"
        found.append(message)
    found.insert(40, 7)  # not an object
    found.insert(80, [1, 2])
    return found


def read_all(text: str, one_by_one: bool, only=None, cut: int | None = None) -> list:
    data = text.encode("utf-8", errors="surrogatepass")[:cut]
    export = reader.ExportReader(io.BytesIO(data), only=only)
    if one_by_one:
        export._learn_indentation = lambda: None
    found = []
    try:
        for element in (element for chat in export.chats() for element in chat.messages):
            found.append(repr(element) if isinstance(element, reader.Broken) else json.dumps(element, sort_keys=True))
    except reader.Truncated:
        found.append(f"cut at line {export.line()}, after {export.last_id}")
    return found


@pytest.mark.parametrize("indent", [1, 4, None])
@pytest.mark.parametrize("chunk", [reader.CHUNK_BYTES, 333])
def test_batches_give_what_one_message_at_a_time_gives(indent, chunk, monkeypatch):
    monkeypatch.setattr(reader, "CHUNK_BYTES", chunk)
    for seed in range(3):
        text = export_text(messages_for(seed), indent)
        expected = read_all(text, one_by_one=True)
        assert read_all(text, one_by_one=False) == expected
        assert sum("Broken(" in e for e in expected) == 7  # the seven broken messages, in both
        cut = len(text.encode("utf-8", errors="surrogatepass")) * 2 // 3
        assert read_all(text, one_by_one=False, cut=cut) == read_all(text, one_by_one=True, cut=cut)


def test_only_some_members_of_each_message():
    text = export_text(messages_for(0), 1)
    only = ("id", "text", "absent")
    full = [json.loads(e) if not e.startswith(("Broken", "cut")) else e for e in read_all(text, one_by_one=True)]
    picked = read_all(text, one_by_one=False, only=only)
    for whole, part in zip(full, picked, strict=True):
        if isinstance(whole, dict) and not part.startswith("Broken"):
            decoded = json.loads(part)
            # decoded together: only those members; one by one (beside a refused value): the whole message
            assert decoded in ({k: whole.get(k) for k in only}, whole)
        else:
            assert json.dumps(whole, sort_keys=True) == part or whole == part


def test_parts_are_cut_between_messages_and_read_as_the_whole(tmp_path):
    text = export_text(messages_for(1), 1)
    path = tmp_path / "result.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    whole = read_all(text, one_by_one=False)
    with open(path, "rb") as handle:
        probed = reader.probe(handle)
        parts = reader.parts_of(handle, path.stat().st_size, 4, probed.message_end)
    assert len(parts) == 4 and parts[0].start == 0 and parts[-1].stop is None
    found = []
    for part in parts:
        with open(path, "rb") as handle:
            lines = text.encode("utf-8", errors="surrogatepass")[: part.start].count(b"\n")
            export = reader.ExportReader(
                handle, reader.Part(part.start, part.stop, lines, part.last_id, part.message_end)
            )
            elements = export.part_messages() if part.start else (e for chat in export.chats() for e in chat.messages)
            for element in elements:
                found.append(
                    repr(element) if isinstance(element, reader.Broken) else json.dumps(element, sort_keys=True)
                )
    assert found == whole
    with open(path, "rb") as handle:  # no indentation to go by: one part
        assert reader.parts_of(handle, path.stat().st_size, 4, None) == [reader.Part()]


@pytest.mark.parametrize("indent", [1, 4])
@pytest.mark.parametrize("chunk", [reader.CHUNK_BYTES, 333])
def test_a_broken_message_is_reported_at_the_line_where_it_starts(indent, chunk, monkeypatch):
    monkeypatch.setattr(reader, "CHUNK_BYTES", chunk)
    text = export_text(messages_for(2), indent)
    export = reader.ExportReader(io.BytesIO(text.encode("utf-8", errors="surrogatepass")))
    broken = [element for chat in export.chats() for element in chat.messages if isinstance(element, reader.Broken)]
    assert [b.message_id for b in broken] == [str(n) for n in range(17, 120, 17)]
    for found in broken:
        opening = text.rindex("{", 0, text.index(f'"id": {found.message_id},'))
        assert found.line == text.count("\n", 0, opening) + 1


def read_bytes(data: bytes, one_by_one: bool) -> tuple[list, list]:
    """What the reader gives of ``data``, and how each batch was decoded: (bytes or str, whether msgspec took it).
    Each batch must be the text from where the reader stands, whichever it is decoded from."""
    export = reader.ExportReader(io.BytesIO(data))
    if one_by_one:
        export._learn_indentation = lambda: None
    batches, decode = [], export._decode_batch

    def recorded(batch):
        text = batch[1:-1].decode() if isinstance(batch, bytes) else batch[1:-1]
        assert export.buf.startswith(text, export.pos)
        batches.append((type(batch), False))
        messages = decode(batch)
        batches[-1] = (type(batch), True)
        return messages

    export._decode_batch = recorded
    found = [json.dumps(element, sort_keys=True) for chat in export.chats() for element in chat.messages]
    return found, batches


def plain_export(seed: int) -> bytes:
    """An indented export whose every message msgspec takes, its texts in several scripts."""
    texts = ["olá 👋🏽 مرحبا", "привет, как дела?", "你好 🎉🎉", "m"]
    messages = [
        {"id": n, "type": "message", "date_unixtime": str(1_700_000_000 + n), "text": f"{texts[(n + seed) % 4]} {n}"}
        for n in range(1, 200)
    ]
    chat = {"name": "Grupo Café ☕", "type": "public_supergroup", "id": 1, "messages": messages}
    return json.dumps(chat, indent=1, ensure_ascii=False).encode()


# The batches are decoded from the file's bytes while the text read is exactly what they say: with a
# byte-order mark (dropped, as the decoder drops it) and with U+FFFD written in the file; from the
# text once a chunk holds bytes that are not UTF-8, which the text holds as U+FFFD.
FILE_BYTES = {
    "plain": (lambda data: data, True),
    "byte-order mark": (lambda data: b"\xef\xbb\xbf" + data, True),
    "U+FFFD in a text": (lambda data: data.replace(b' 10"', ' 10 \ufffd"'.encode()), True),
    "bytes that are not UTF-8": (lambda data: data.replace(b' 10"', b' 10 \xff\xc3 \xe2\x82"'), False),
}


@pytest.mark.parametrize("variant", FILE_BYTES)
@pytest.mark.parametrize("chunk", [reader.CHUNK_BYTES, 333, 64])
def test_batches_from_the_files_bytes_give_what_its_text_gives(variant, chunk, monkeypatch):
    monkeypatch.setattr(reader, "CHUNK_BYTES", chunk)
    change, from_bytes = FILE_BYTES[variant]
    for seed in range(4):
        data = change(plain_export(seed))
        batched, batches = read_bytes(data, one_by_one=False)
        assert batched == read_bytes(data, one_by_one=True)[0]
        assert len(batched) == 199 and batches and all(taken for _, taken in batches)
        assert {kind for kind, _ in batches} == ({bytes} if from_bytes else {bytes, str} if chunk < 1000 else {str})
        if variant == "byte-order mark":
            assert batched == read_bytes(data[3:], one_by_one=False)[0]
        if variant == "bytes that are not UTF-8":
            assert sum("10 \\ufffd\\ufffd \\ufffd" in element for element in batched) == 1
